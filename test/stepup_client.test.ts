import { stepupClient } from '../src/index.ts';

// the typed helper a host writes its clients with (issue 29 item 7); tsc checks the error cases
test("stepupClient hands the metadata back unchanged, the values of Stepup's keys type-checked", () => {
  const metadata = { client_id: 'app', redirect_uris: ['https://app.example/cb'], mfa_policy: 'on-request' as const, first_party: true };
  expect(stepupClient(metadata)).toBe(metadata);
  // @ts-expect-error: not a policy Stepup knows
  expect(stepupClient({ client_id: 'app', mfa_policy: 'sometimes' }).mfa_policy).toBe('sometimes');
  // @ts-expect-error: first_party is a boolean
  expect(stepupClient({ client_id: 'app', first_party: 'yes' }).first_party).toBe('yes');
});
