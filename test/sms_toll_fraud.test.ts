import { Browser } from './support/browser.ts';
import { adminInConsole, continueFromRecoveryCodes, PASSWORD } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { mimePart, startSmtpCapture } from './support/smtp_capture.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';
import { startTwilioApi, twilioEnv } from './support/twilio_api.ts';

// SMS toll fraud ("SMS pumping", issue 27 finding 10): which numbers get a code, and how many a day

let stepup: RunningStepup;
let rp: RelyingParty;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let twilio: Awaited<ReturnType<typeof startTwilioApi>>;
let n = 0;

const sms = { allowedCountries: ['GB', 'IE'], destinationDailyLimit: 3, prefixDailyLimit: 4, dailyBudget: 6 };

beforeAll(async () => {
  smtp = await startSmtpCapture();
  twilio = await startTwilioApi();
  stepup = await startStepup(
    {
      SMTP_URL: smtp.url,
      SMTP_FROM: 'Stepup <stepup@example.com>',
      ...twilioEnv(twilio.url),
    },
    // every request comes from 127.0.0.1: the per-IP send limit is not what these tests are about
    { sms, rateLimits: { codeSend: { perIp: 1000 } } },
  );
  rp = await relyingParty(stepup, { firstParty: true, name: 'Shop' });
});
afterAll(async () => {
  await stepup.stop();
  await smtp.close();
  await twilio.close();
});

/** The budgets count per UTC day: each test starts on a fresh one. */
beforeEach(() => {
  const now = stepup.clock.now();
  stepup.clock.advance(86_400_000 - (now % 86_400_000) + 60_000);
});

const textsTo = (phone: string) => twilio.messages.filter((m) => m.to === phone);

/** A new person, past the password, on the first sign-in's SMS enrolment page. */
async function atSmsEnrolment() {
  n += 1;
  const email = `pumping-${n}@example.com`;
  await stepup.container.userAdmin.add({ email, password: PASSWORD });
  const browser = new Browser(stepup.issuer);
  const authorization = await rp.authorize();
  await browser.open(authorization.url);
  await browser.submit('/login', { email, password: PASSWORD });
  await browser.open(browser.page.url.replace(/\/enrol$/, '/enrol/sms'));
  const account = (await stepup.container.store.accounts.findByEmail(email))!;
  return { browser, authorization, accountId: account.id };
}

/** A person with a verified phone, and a verified email when `withEmail`, as an admin registers them. */
async function personWithPhone(phone: string, withEmail: boolean) {
  n += 1;
  const email = `budget-${n}@example.com`;
  await stepup.container.userAdmin.add({ email, phone, password: PASSWORD, emailCode: withEmail });
  const account = (await stepup.container.store.accounts.findByEmail(email))!;
  return { email, phone, accountId: account.id };
}

/** Signs in with the password and asks for an SMS code; the browser shows the answer. */
async function askSmsCode(person: { email: string }) {
  const browser = new Browser(stepup.issuer);
  const authorization = await rp.authorize();
  await browser.open(authorization.url);
  await browser.submit('/login', { email: person.email, password: PASSWORD });
  await browser.open(`${browser.page.url.replace(/\?.*$/, '')}?method=sms`);
  await browser.submit('/second-factor/send');
  return { browser, authorization };
}

const codeDeliveries = async (accountId: string) =>
  (await stepup.container.store.deliveries.listForAccount(accountId, 10)).filter((d) => d.purpose === 'code').map((d) => [d.channel, d.result, d.reason]);

describe('numbers refused whatever the budgets', () => {
  test.each([
    ['a satellite number (+881, Iridium)', '+881612345678', 'refused_number_type', 'satellite numbers are not accepted'],
    ['a premium-rate number (+44 871)', '+448712345678', 'refused_number_type', 'premium-rate'],
    ['a number of a country not on the allow-list (DE)', '+4915112345678', 'refused_country', 'numbers in that country'],
  ])('%s is refused at enrolment: a clear error, nothing reaches Twilio, the refusal in the delivery log', async (_case, phone, reason, says) => {
    const { browser, accountId } = await atSmsEnrolment();
    await browser.submit('/enrol/sms', { target: phone });
    expect(browser.page.status).toBe(400);
    expect(browser.page.html).toContain(says);
    expect(textsTo(phone)).toEqual([]);
    expect(await codeDeliveries(accountId)).toEqual([['sms', 'refused', reason]]);
    const [entry] = await stepup.container.store.deliveries.listForAccount(accountId, 1);
    expect(entry!.maskedTo).not.toContain(phone.slice(4, -4));
    // the cooldown is given back: another number may be tried at once
    const mobile = '+447400100001';
    const before = textsTo(mobile).length;
    await browser.submit('/enrol/sms', { target: mobile });
    expect(browser.page.status).toBe(200);
    expect(textsTo(mobile)).toHaveLength(before + 1);
  });

  test('a satellite number an admin registered gets no sign-in code; the code goes by email instead', async () => {
    const person = await personWithPhone('+881612345679', true);
    const { browser } = await askSmsCode(person);
    expect(browser.page.html).toContain('We could not send an SMS, so we sent your code by email instead.');
    expect(smtp.lastCodeTo(person.email)).toMatch(/^\d{6}$/);
    expect(textsTo(person.phone)).toEqual([]);
    expect(await codeDeliveries(person.accountId)).toEqual([
      ['email', 'sent', null],
      ['sms', 'refused', 'refused_number_type'],
    ]);
  });
});

describe('budgets per number and per block of numbers', () => {
  test('four accounts enrolling one number: three SMS go out, the fourth is refused', async () => {
    const phone = '+447400200001';
    const attempts = [];
    for (let i = 0; i < 4; i++) {
      const { browser, accountId } = await atSmsEnrolment();
      await browser.submit('/enrol/sms', { target: phone });
      attempts.push({ status: browser.page.status, html: browser.page.html, accountId });
    }
    expect(attempts.map((a) => a.status)).toEqual([200, 200, 200, 429]);
    expect(attempts[3]!.html).toContain('Too many codes were sent to this number today.');
    expect(textsTo(phone)).toHaveLength(3);
    expect(await codeDeliveries(attempts[3]!.accountId)).toEqual([['sms', 'refused', 'destination_budget']]);
  });

  test('one number in other spellings (a trunk 0 after the country code) is one number: sent to and counted as one', async () => {
    const phone = '+447400230001';
    const spellings = [phone, '+4407400230001', phone, '+4407400230001'];
    const statuses = [];
    for (const spelling of spellings) {
      const { browser } = await atSmsEnrolment();
      await browser.submit('/enrol/sms', { target: spelling });
      statuses.push(browser.page.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(textsTo(phone)).toHaveLength(3);
    expect(textsTo('+4407400230001')).toHaveLength(0);
  });

  test("strangers enrolling someone's number spend none of its owner's budget: the owner's sign-in code still goes by SMS", async () => {
    const owner = await personWithPhone('+447400240001', false);
    for (let i = 0; i < 4; i++) {
      const { browser } = await atSmsEnrolment();
      await browser.submit('/enrol/sms', { target: owner.phone });
    }
    expect(textsTo(owner.phone)).toHaveLength(3);
    const { browser } = await askSmsCode(owner);
    expect(browser.page.status).toBe(200);
    expect(textsTo(owner.phone)).toHaveLength(4);
    expect(await codeDeliveries(owner.accountId)).toEqual([['sms', 'sent', null]]);
  });

  test('six accounts asking at once for one number: exactly three SMS go out', async () => {
    const phone = '+447400220001';
    const enrolling = await Promise.all([1, 2, 3, 4, 5, 6].map(() => atSmsEnrolment()));
    const pages = await Promise.all(enrolling.map(({ browser }) => browser.submit('/enrol/sms', { target: phone })));
    expect(pages.map((p) => p.status).sort()).toEqual([200, 200, 200, 429, 429, 429]);
    expect(textsTo(phone)).toHaveLength(3);
  });

  test('a mobile of an allowed country is enrolled and proven by its SMS code', async () => {
    const phone = '+447400210001';
    const { browser, authorization } = await atSmsEnrolment();
    await browser.submit('/enrol/sms', { target: phone });
    await browser.submit('/enrol/sms/confirm', { code: twilio.lastCodeTo(phone) });
    await continueFromRecoveryCodes(browser);
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.amr).toEqual(['pwd', 'sms', 'mfa']);
  });

  test('five numbers of one block of 10,000: four SMS go out, the fifth is refused', async () => {
    const statuses: number[] = [];
    let last = '';
    for (let i = 1; i <= 5; i++) {
      const { browser, accountId } = await atSmsEnrolment();
      await browser.submit('/enrol/sms', { target: `+44740030000${i}` });
      statuses.push(browser.page.status);
      last = accountId;
    }
    expect(statuses).toEqual([200, 200, 200, 200, 429]);
    expect(textsTo('+447400300005')).toEqual([]);
    expect(await codeDeliveries(last)).toEqual([['sms', 'refused', 'prefix_budget']]);
  });
});

describe('the daily SMS budget', () => {
  test('when spent: no SMS, the code by email where the person has it, admins alerted once, refusals on the dashboard', async () => {
    const { admin, browser: console } = await adminInConsole(stepup);
    const spending = [1, 2, 3, 4, 5, 6].map((i) => personWithPhone(`+4474004${i}0001`, false));
    for (const person of await Promise.all(spending)) {
      const { browser } = await askSmsCode(person);
      expect(browser.page.url).toMatch(/\?method=sms$/);
    }
    expect(twilio.messages.filter((m) => m.to.startsWith('+4474004'))).toHaveLength(6);

    // the budget is spent: a person with an email gets the code by email, and signs in with it
    const withEmail = await personWithPhone('+447400470001', true);
    const { browser, authorization } = await askSmsCode(withEmail);
    expect(browser.page.html).toContain('We could not send an SMS, so we sent your code by email instead.');
    await browser.submit('/second-factor', { code: smtp.lastCodeTo(withEmail.email) });
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(await codeDeliveries(withEmail.accountId)).toEqual([
      ['email', 'sent', null],
      ['sms', 'refused', 'daily_budget'],
    ]);

    // a person with only a phone is told, and nothing is sent
    const phoneOnly = await personWithPhone('+447400480001', false);
    const { browser: refused } = await askSmsCode(phoneOnly);
    expect(refused.page.status).toBe(503);
    expect(refused.page.html).toContain('We cannot send SMS codes right now.');
    expect(textsTo(phoneOnly.phone)).toEqual([]);

    // the admins hear of it once a day, by email and in the audit log
    await stepup.container.alert.settled();
    const alerts = smtp.mails.filter((m) => m.to.includes(admin.email) && mimePart(m.raw, 'text/plain').includes('daily budget of 6 SMS'));
    expect(alerts).toHaveLength(1);
    const events = await stepup.container.store.audit.query({ type: 'sms_budget_reached', limit: 10 });
    expect(events.filter((e) => e.at >= stepup.clock.now() - 3_600_000)).toHaveLength(1);

    // the console's dashboard says the budget is spent, and counts today's refusals by reason
    await console.open('/admin');
    expect(console.page.status).toBe(200);
    expect(console.textOf('sms-budget-spent')).toContain('The daily SMS budget is spent');
    expect(/<tr data-reason="daily_budget"><td>[^<]+<\/td><td>2<\/td><\/tr>/.test(console.page.html)).toBe(true);
    await console.open('/admin/deliveries?since=1h');
    expect(console.page.html).toContain('✗ refused: daily budget');
  });

  test('the next UTC day SMS go out again, and the dashboard has no banner', async () => {
    const person = await personWithPhone('+447400490001', false);
    const { browser } = await askSmsCode(person);
    expect(browser.page.url).toMatch(/\?method=sms$/);
    expect(textsTo(person.phone)).toHaveLength(1);
    const { browser: console } = await adminInConsole(stepup);
    await console.open('/admin');
    expect(console.textOf('sms-budget-spent')).toBeUndefined();
  });
});
