import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser } from './support/browser.ts';
import { PASSWORD } from './support/people.ts';
import { relyingParty } from './support/relying_party.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';

let stepup: RunningStepup;

beforeAll(async () => {
  // no SMTP_URL and no Twilio settings: the development outbox
  stepup = await startStepup();
});
afterAll(() => stepup.stop());

const outbox = () =>
  readFileSync(join(stepup.dataDir, 'outbox.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, string>);

test('without providers, codes are appended to $DATA_DIR/outbox.jsonl, one JSON line each', async () => {
  await stepup.container.userAdmin.add({ email: 'outbox@example.com', phone: '+15557654321', password: PASSWORD, emailCode: true });
  const rp = await relyingParty(stepup, { firstParty: true, name: 'Outbox App' });
  for (const method of ['email', 'sms'] as const) {
    // the previous sign-in's new-browser alert goes out after its answer: let it land first
    await stepup.container.alert.settled();
    const browser = new Browser(stepup.issuer);
    const authorization = await rp.authorize();
    await browser.open(authorization.url);
    await browser.submit('/login', { email: 'outbox@example.com', password: PASSWORD });
    await browser.open(`${browser.page.url}?method=${method}`);
    await browser.submit('/second-factor/send');

    const line = outbox().at(-1)!;
    expect(Object.keys(line).sort()).toEqual(['channel', 'createdAt', 'subject', 'text', 'to']);
    expect(line).toMatchObject({ channel: method, to: method === 'email' ? 'outbox@example.com' : '+15557654321' });
    expect(new Date(line.createdAt!).getTime()).toBeGreaterThan(0);
    const code = /(\d{6})/.exec(line.text!)![1]!;
    await browser.submit('/second-factor', { code });
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.amr).toEqual(['pwd', method === 'email' ? 'otp' : 'sms', 'mfa']);
    stepup.clock.advance(31_000);
  }
});
