import { createTotp, type TotpSettings } from '../src/factors/totp.ts';

// Which TOTP time steps a code is accepted from: the drift window around now, and the replay
// rule (a step at or below the factor's last used step is refused). On a fixed clock: no sleeping.

const period = 30;
const now = 1_000_000; // the time step "now" falls in
const at = (step: number, intoStepMs = 0) => step * period * 1000 + intoStepMs;
// fixed secrets (base32 of 20 bytes): the same codes every run, so two codes that happen to agree cannot make a run flaky
const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const otherSecret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

/** The steps, among now-3 … now+3, whose code `match` accepts, and the step it returns for each. */
async function acceptedSteps(settings: Partial<TotpSettings>, lastTimeStep: number | null, nowMs = at(now, 5000)) {
  const totp = createTotp({ digits: 6, periodSeconds: period, driftSteps: 1, ...settings }, { now: () => nowMs });
  const accepted: number[] = [];
  for (let offset = -3; offset <= 3; offset += 1) {
    const step = now + offset;
    const matched = await totp.match(secret, await totp.codeFor(secret, at(step)), lastTimeStep);
    if (matched !== null) {
      expect(matched).toBe(step);
      accepted.push(offset);
    }
  }
  return accepted;
}

describe('the drift window', () => {
  test.each<[string, number, number[]]>([
    ['no drift: the current step only', 0, [0]],
    ['one step either side (the default)', 1, [-1, 0, 1]],
    ['two steps either side', 2, [-2, -1, 0, 1, 2]],
    ['three steps, the most allowed', 3, [-3, -2, -1, 0, 1, 2, 3]],
  ])('%s', async (_, driftSteps, offsets) => {
    expect(await acceptedSteps({ driftSteps }, null)).toEqual(offsets);
  });

  test.each<[string, number]>([
    ['at the first millisecond of the step', 0],
    ['at its last millisecond', period * 1000 - 1],
  ])('the window follows the step now is in, %s', async (_, intoStepMs) => {
    expect(await acceptedSteps({ driftSteps: 1 }, null, at(now, intoStepMs))).toEqual([-1, 0, 1]);
  });
});

describe('replays: a step at or below the last used one is refused', () => {
  test.each<[string, number | null, number[]]>([
    ['never used: the whole window', null, [-1, 0, 1]],
    ['last used long ago: the whole window', now - 10, [-1, 0, 1]],
    ['the step before the window used: the whole window', now - 2, [-1, 0, 1]],
    ['the previous step used: now and the next', now - 1, [0, 1]],
    ['this step used: the next only', now, [1]],
    ['the next step used (a fast clock): nothing', now + 1, []],
    // otplib refuses an afterTimeStep beyond the window (a clock set back): no match, no error
    ['a step beyond the window used (a clock set back): nothing', now + 5, []],
  ])('%s', async (_, lastTimeStep, offsets) => {
    expect(await acceptedSteps({ driftSteps: 1 }, lastTimeStep)).toEqual(offsets);
  });

  test('with a wider drift, the replay rule still cuts the window at the last step', async () => {
    expect(await acceptedSteps({ driftSteps: 3 }, now - 2)).toEqual([-1, 0, 1, 2, 3]);
  });
});

describe('what is not a code', () => {
  const totp = createTotp({ digits: 6, periodSeconds: period, driftSteps: 1 }, { now: () => at(now) });

  test.each([
    ['too short', '12345'],
    ['too long', '1234567'],
    ['not digits', '12345a'],
    ['with spaces', '123 456'],
    ['empty', ''],
  ])('%s: %j', async (_, code) => {
    expect(await totp.match(secret, code, null)).toBeNull();
  });

  test("another secret's code", async () => {
    expect(await totp.match(secret, await totp.codeFor(otherSecret), null)).toBeNull();
  });

  test('8 digits when configured', async () => {
    const eight = createTotp({ digits: 8, periodSeconds: period, driftSteps: 0 }, { now: () => at(now) });
    const code = await eight.codeFor(secret);
    expect(code).toMatch(/^\d{8}$/);
    expect(await eight.match(secret, code, null)).toBe(now);
    expect(await eight.match(secret, code.slice(0, 6), null)).toBeNull();
  });
});
