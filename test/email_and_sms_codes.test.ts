import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import * as oidc from 'openid-client';
import twilioLibrary from 'twilio';
import { Browser } from './support/browser.ts';
import { continueFromRecoveryCodes, PASSWORD } from './support/people.ts';
import { type RelyingParty, relyingParty } from './support/relying_party.ts';
import { startSmtpCapture } from './support/smtp_capture.ts';
import { type RunningStepup, startStepup } from './support/stepup.ts';
import { startTwilioApi, TWILIO_SID, TWILIO_TOKEN, twilioEnv } from './support/twilio_api.ts';

let stepup: RunningStepup;
let rp: RelyingParty;
let smtp: Awaited<ReturnType<typeof startSmtpCapture>>;
let twilio: Awaited<ReturnType<typeof startTwilioApi>>;
let n = 0;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  twilio = await startTwilioApi();
  stepup = await startStepup(
    {
      SMTP_URL: smtp.url,
      SMTP_FROM: 'Stepup <stepup@example.com>',
      ...twilioEnv(twilio.url),
    },
    {
      // these tests reach the per-code try limit (5); the account lockout is tested on its own
      lockout: { secondFactorFailures: 50 },
    },
  );
  rp = await relyingParty(stepup, { firstParty: true, name: 'Shop' });
});
afterAll(async () => {
  await stepup.stop();
  await smtp.close();
  await twilio.close();
});
afterEach(() => {
  smtp.state.failing = false;
  smtp.state.delayMs = 0;
  twilio.state.failing = false;
});

/** A person with verified email and SMS factors, as an admin registers them. */
async function personWithCodes() {
  n += 1;
  const email = `codes-${n}@example.com`;
  const phone = `+1555${String(1000000 + n).slice(-7)}`;
  await stepup.container.userAdmin.add({ email, phone, password: PASSWORD, emailCode: true });
  const account = (await stepup.container.store.accounts.findByEmail(email))!;
  return { email, phone, password: PASSWORD, accountId: account.id };
}

/** Password done; the browser is on the second-factor page for `method`. */
async function atSecondFactor(person: { email: string; password: string }, method: 'email' | 'sms') {
  const browser = new Browser(stepup.issuer);
  const authorization = await rp.authorize();
  await browser.open(authorization.url);
  await browser.submit('/login', { email: person.email, password: person.password });
  await browser.open(`${browser.page.url.replace(/\?.*$/, '')}?method=${method}`);
  return { browser, authorization };
}

/** Posts a code with the page's CSRF token, whether or not the page offers a code form. */
async function postCode(browser: Browser, method: string, code: string) {
  const csrf = browser.forms()[0]!.fields.csrf!;
  const path = new URL(browser.page.url).pathname.replace(/\/second-factor.*$/, '/second-factor');
  await browser.post(path, { csrf, method, code });
}

/** Moves past the resend cooldown. */
const afterCooldown = () => stepup.clock.advance(31_000);

describe('signing in with an email code', () => {
  test('send, then the mailed code signs in with amr otp; it works once', async () => {
    const person = await personWithCodes();
    const { browser, authorization } = await atSecondFactor(person, 'email');
    expect(browser.page.html).toMatch(/We will send a code by email to <strong>c\*+@example\.com<\/strong>/);
    await browser.submit('/second-factor/send');
    expect(browser.textOf('code-sent')).toMatch(/^We sent a code by email to c\*+@example\.com\. It expires in 2 minutes\.$/);
    expect(browser.textOf('resend-wait')).toMatch(/^You can ask for a new code in \d+ seconds\.$/);

    const code = smtp.lastCodeTo(person.email);
    await browser.submit('/second-factor', { code });
    const tokens = await authorization.exchange(browser.callbackUrl);
    expect(tokens.claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
    expect(tokens.claims()!.acr).toBe('urn:stepup:loa:2fa');

    const again = await atSecondFactor(person, 'email');
    await postCode(again.browser, 'email', code);
    expect(again.browser.page.status).toBe(401);
    expect(again.browser.page.html).toContain('That code has expired or was already used');
  });

  test('the email holds the code, its lifetime and the app, from SMTP_FROM', async () => {
    const person = await personWithCodes();
    const { browser } = await atSecondFactor(person, 'email');
    await browser.submit('/second-factor/send');
    const mail = smtp.mails.filter((m) => m.to.includes(person.email)).at(-1)!;
    const code = smtp.lastCodeTo(person.email);
    expect(mail.raw).toMatch(/^From: Stepup <stepup@example\.com>/m);
    expect(mail.raw).toContain(`Subject: Your Stepup code: ${code}`);
    expect(mail.raw).toContain(`Your Stepup code for Shop is ${code}.`);
    expect(mail.raw).toContain('It expires in 2 minutes.');
    expect(mail.raw).toContain('Content-Type: text/html');
    expect(mail.raw).not.toContain(person.password);
  });
});

describe('signing in with an SMS code', () => {
  test('the texted code signs in with amr sms', async () => {
    const person = await personWithCodes();
    const { browser, authorization } = await atSecondFactor(person, 'sms');
    await browser.submit('/second-factor/send');
    expect(browser.textOf('code-sent')).toMatch(/^We sent a code by SMS to \+1\*+\d{4}\. It expires in 2 minutes\.$/);
    const sms = twilio.messages.at(-1)!;
    expect(sms).toMatchObject({ to: person.phone, from: '+15550000000', statusCallback: `${stepup.issuer}/hooks/twilio/status` });
    expect(sms.body).toMatch(/^\d{6} is your Stepup code for Shop\. It expires in 2 min\.$/);

    await browser.submit('/second-factor', { code: twilio.lastCodeTo(person.phone) });
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.amr).toEqual(['pwd', 'sms', 'mfa']);
  });
});

describe('verified addresses', () => {
  test('userinfo says email_verified and phone_number_verified for confirmed email and SMS factors only', async () => {
    const person = await personWithCodes();
    const { browser, authorization } = await atSecondFactor(person, 'email');
    await browser.submit('/second-factor/send');
    await browser.submit('/second-factor', { code: smtp.lastCodeTo(person.email) });
    const tokens = await authorization.exchange(browser.callbackUrl);
    const userinfo = await oidc.fetchUserInfo(rp.config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({ email: person.email, email_verified: true });

    // an admin-vouched phone, and an email nobody proved
    n += 1;
    const phoneOnly = { email: `phone-only-${n}@example.com`, phone: '+15559990000', password: PASSWORD };
    await stepup.container.userAdmin.add(phoneOnly);
    const other = new Browser(stepup.issuer);
    const withPhone = await rp.authorize({ scope: 'openid email phone' });
    await other.open(withPhone.url);
    await other.submit('/login', { email: phoneOnly.email, password: PASSWORD });
    await other.submit('/second-factor/send');
    await other.submit('/second-factor', { code: twilio.lastCodeTo(phoneOnly.phone) });
    const phoneTokens = await withPhone.exchange(other.callbackUrl);
    const phoneInfo = await oidc.fetchUserInfo(rp.config, phoneTokens.access_token, phoneTokens.claims()!.sub);
    expect(phoneInfo).toMatchObject({ email: phoneOnly.email, email_verified: false, phone_number: phoneOnly.phone, phone_number_verified: true });
  });
});

describe('refusals', () => {
  test('a wrong code is refused; after five wrong tries even the right one is', async () => {
    const person = await personWithCodes();
    const { browser } = await atSecondFactor(person, 'email');
    await browser.submit('/second-factor/send');
    const code = smtp.lastCodeTo(person.email);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      await browser.submit('/second-factor', { code: wrong });
      expect(browser.page.html).toContain('That code is not valid');
    }
    await browser.submit('/second-factor', { code: wrong });
    expect(browser.page.html).toContain('Too many wrong tries for this code. Send a new one.');
    await browser.submit('/second-factor', { code });
    expect(browser.page.status).toBe(401);
    expect(browser.page.html).toContain('Send a new one');
  });

  test('a code older than two minutes is refused', async () => {
    const person = await personWithCodes();
    const { browser } = await atSecondFactor(person, 'email');
    await browser.submit('/second-factor/send');
    const code = smtp.lastCodeTo(person.email);
    stepup.clock.advance(121_000);
    await browser.open(browser.page.url);
    expect(browser.page.html).not.toContain('We sent a code');
    await postCode(browser, 'email', code);
    expect(browser.page.status).toBe(401);
    expect(browser.page.html).toContain('That code has expired or was already used');
  });

  test('a new code replaces the previous one', async () => {
    const person = await personWithCodes();
    const { browser, authorization } = await atSecondFactor(person, 'email');
    await browser.submit('/second-factor/send');
    const first = smtp.lastCodeTo(person.email);
    afterCooldown();
    await browser.open(browser.page.url);
    await browser.submit('/second-factor/send');
    const second = smtp.lastCodeTo(person.email);
    if (first !== second) {
      await browser.submit('/second-factor', { code: first });
      expect(browser.page.status).toBe(401);
    }
    await browser.submit('/second-factor', { code: second });
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
  });
});

describe('cooldown and send cap', () => {
  test('a second send within 30 s waits, with Retry-After and the seconds left', async () => {
    const person = await personWithCodes();
    const { browser } = await atSecondFactor(person, 'email');
    await browser.submit('/second-factor/send');
    const sent = smtp.mails.length;
    const form = browser.forms().find((f) => f.action.endsWith('/second-factor'))!;
    const response = await fetch(new URL(`${form.action}/send`, stepup.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader() },
      body: new URLSearchParams({ csrf: form.fields.csrf!, method: 'email' }),
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(25);
    expect(await response.text()).toMatch(/A code was sent moments ago\. You can ask for a new one in \d+ seconds\./);
    expect(smtp.mails.length).toBe(sent);
  });

  test('twelve sends at once to a slow mail server mail exactly one code', async () => {
    const person = await personWithCodes();
    const { browser } = await atSecondFactor(person, 'email');
    smtp.state.delayMs = 1500;
    const form = browser.forms().find((f) => f.action.endsWith('/second-factor/send'))!;
    const statuses = await Promise.all(
      Array.from(
        { length: 12 },
        async () =>
          (
            await fetch(new URL(form.action, stepup.issuer), {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader() },
              body: new URLSearchParams({ csrf: form.fields.csrf!, method: 'email' }),
            })
          ).status,
      ),
    ).finally(() => {
      // twelve sends took most of this address's per-IP allowance: the next tests start a new window
      stepup.clock.advance(15 * 60_000);
    });
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 429)).toHaveLength(11);
    expect(smtp.mails.filter((m) => m.to.includes(person.email))).toHaveLength(1);
    const sent = (await stepup.container.store.deliveries.listForAccount(person.accountId, 20)).filter((d) => d.purpose === 'code');
    expect(sent).toHaveLength(1);
  });

  test('at most five codes per 15 minutes; the page says when sending works again', async () => {
    const person = await personWithCodes();
    const { browser } = await atSecondFactor(person, 'email');
    for (let i = 0; i < 5; i += 1) {
      await browser.submit('/second-factor/send');
      expect(browser.page.status).toBe(200);
      afterCooldown();
      await browser.open(browser.page.url);
    }
    // the page offers no send button now, and says how long to wait
    expect(browser.forms().some((f) => f.action.endsWith('/send'))).toBe(false);
    expect(browser.textOf('resend-wait')).toMatch(/^You can ask for a new code in \d+ minutes\.$/);
    const codeForm = browser.forms().find((f) => f.action.endsWith('/second-factor'))!;
    await browser.post(`${codeForm.action}/send`, { csrf: codeForm.fields.csrf!, method: 'email' });
    expect(browser.page.status).toBe(429);
    expect(browser.page.html).toMatch(/Too many codes were sent to you recently\. You can ask for a new one in \d+ minutes\./);

    stepup.clock.advance(15 * 60_000);
    await browser.open(`${codeForm.action}?method=email`);
    await browser.submit('/second-factor/send');
    expect(browser.textOf('code-sent')).toContain('We sent a code by email');
  });
});

describe('channel fallback', () => {
  test('when SMS delivery fails the code goes by email, and the page says so', async () => {
    const person = await personWithCodes();
    twilio.state.failing = true;
    const { browser, authorization } = await atSecondFactor(person, 'sms');
    await browser.submit('/second-factor/send');
    expect(browser.page.html).toContain('We could not send an SMS, so we sent your code by email instead.');
    expect(browser.textOf('code-sent')).toMatch(/by email to c\*+@example\.com/);

    await browser.submit('/second-factor', { code: smtp.lastCodeTo(person.email) });
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);

    const log = (await stepup.container.store.deliveries.listForAccount(person.accountId, 10)).filter((d) => d.purpose === 'code');
    expect(log.map((d) => [d.channel, d.result, d.fallbackFrom])).toEqual([
      ['email', 'sent', 'sms'],
      ['sms', 'failed', null],
    ]);
    expect(log[1]!.reason).toMatch(/not a valid mobile number/);
  });

  test('when SMTP fails the code goes by SMS', async () => {
    const person = await personWithCodes();
    smtp.state.failing = true;
    const { browser } = await atSecondFactor(person, 'email');
    await browser.submit('/second-factor/send');
    expect(browser.page.html).toContain('We could not send an email, so we sent your code by SMS instead.');
    expect(twilio.lastCodeTo(person.phone)).toMatch(/^\d{6}$/);
  });

  test('when no channel works: a clear message, other methods offered, nothing half-done', async () => {
    const person = await personWithCodes();
    smtp.state.failing = true;
    twilio.state.failing = true;
    const { browser } = await atSecondFactor(person, 'email');
    await browser.submit('/second-factor/send');
    expect(browser.page.status).toBe(502);
    expect(browser.page.html).toContain('We could not send you a code right now.');
    expect(browser.page.html).toMatch(/<a href="[^"]+\?method=sms">SMS code<\/a>/);
    const log = (await stepup.container.store.deliveries.listForAccount(person.accountId, 10)).filter((d) => d.purpose === 'code');
    expect(log.length).toBeGreaterThan(0);
    expect(log.every((d) => d.result === 'failed')).toBe(true);
  });
});

describe('admin-registered factors', () => {
  test('after an admin changes the phone, SMS codes go to the new number only', async () => {
    const person = await personWithCodes();
    const newPhone = '+447700900123';
    await stepup.container.userAdmin.update(person.email, { phone: newPhone });
    const { browser } = await atSecondFactor(person, 'sms');
    await browser.submit('/second-factor/send');
    expect(twilio.messages.at(-1)!.to).toBe(newPhone);
    const factors = await stepup.container.store.factors.listForAccount(person.accountId);
    expect(factors.filter((f) => f.kind === 'sms').map((f) => f.target)).toEqual([newPhone]);
  });
});

describe('the delivery log', () => {
  test('records channel, masked destination, provider message id and result, never the code', async () => {
    const person = await personWithCodes();
    const { browser } = await atSecondFactor(person, 'sms');
    await browser.submit('/second-factor/send');
    const [entry] = (await stepup.container.store.deliveries.listForAccount(person.accountId, 5)).filter((d) => d.purpose === 'code');
    expect(entry).toMatchObject({ channel: 'sms', purpose: 'code', result: 'sent', providerMessageId: twilio.messages.at(-1)!.sid, fallbackFrom: null });
    expect(entry!.maskedTo).toMatch(/^\+1\*+\d{4}$/);
    expect(JSON.stringify(entry)).not.toContain(twilio.lastCodeTo(person.phone));
  });
});

describe('enrolment during the first sign-in', () => {
  /** A new person, past the password, on the enrolment page for `channel`. */
  async function atEnrolment(channel: 'email' | 'sms') {
    n += 1;
    const email = `enrol-${n}@example.com`;
    await stepup.container.userAdmin.add({ email, password: PASSWORD });
    const browser = new Browser(stepup.issuer);
    const authorization = await rp.authorize();
    await browser.open(authorization.url);
    await browser.submit('/login', { email, password: PASSWORD });
    await browser.open(browser.page.url.replace(/\/enrol$/, `/enrol/${channel}`));
    return { email, browser, authorization };
  }

  test('an email address, proven by the code sent to it', async () => {
    const { email, browser, authorization } = await atEnrolment('email');
    expect(browser.page.html).toContain(`value="${email}"`);
    await browser.submit('/enrol/email', { target: email });
    expect(browser.textOf('code-sent')).toMatch(/^We sent a code to e\*+@example\.com\. It expires in 2 minutes\.$/);

    await browser.submit('/enrol/email/confirm', { code: '000000' === smtp.lastCodeTo(email) ? '111111' : '000000' });
    expect(browser.page.status).toBe(401);
    await browser.submit('/enrol/email/confirm', { code: smtp.lastCodeTo(email) });
    expect(browser.page.html).toContain('Save your recovery codes');
    await continueFromRecoveryCodes(browser);
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.amr).toEqual(['pwd', 'otp', 'mfa']);
  });

  test('a phone number, checked for E.164 form, then proven by SMS', async () => {
    const { browser, authorization } = await atEnrolment('sms');
    await browser.submit('/enrol/sms', { target: '555 1234' });
    expect(browser.page.status).toBe(400);
    expect(browser.page.html).toContain('international form');
    const phone = `+4420${String(7000000 + n)}`;
    await browser.submit('/enrol/sms', { target: phone });
    await browser.submit('/enrol/sms/confirm', { code: twilio.lastCodeTo(phone) });
    await continueFromRecoveryCodes(browser);
    expect((await authorization.exchange(browser.callbackUrl)).claims()!.amr).toEqual(['pwd', 'sms', 'mfa']);
  });
});

describe('Twilio delivery status callback', () => {
  async function sentSms() {
    const person = await personWithCodes();
    const { browser } = await atSecondFactor(person, 'sms');
    await browser.submit('/second-factor/send');
    return { person, sid: twilio.messages.at(-1)!.sid };
  }
  const callbackUrl = () => `${stepup.issuer}/hooks/twilio/status`;
  const post = (params: Record<string, string>, signature: string) =>
    fetch(callbackUrl(), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      body: new URLSearchParams(params),
    });

  test('a correctly signed callback updates the stored status', async () => {
    const { person, sid } = await sentSms();
    const params = { MessageSid: sid, MessageStatus: 'delivered', AccountSid: TWILIO_SID };
    const response = await post(params, twilioLibrary.getExpectedTwilioSignature(TWILIO_TOKEN, callbackUrl(), params));
    expect(response.status).toBe(204);
    const [entry] = await stepup.container.store.deliveries.listForAccount(person.accountId, 1);
    expect(entry!.status).toBe('delivered');
  });

  test('a wrong or missing signature is refused and changes nothing', async () => {
    const { person, sid } = await sentSms();
    const params = { MessageSid: sid, MessageStatus: 'failed', AccountSid: TWILIO_SID };
    const signedOther = twilioLibrary.getExpectedTwilioSignature(TWILIO_TOKEN, callbackUrl(), { ...params, MessageStatus: 'delivered' });
    for (const signature of [signedOther, 'bm90IGEgc2lnbmF0dXJl', '']) {
      const response = await post(params, signature);
      expect(response.status).toBe(403);
      expect(await response.json()).toEqual({ error: 'invalid_signature', error_description: 'The request signature is not valid.' });
    }
    const [entry] = await stepup.container.store.deliveries.listForAccount(person.accountId, 1);
    expect(entry!.status).toBeNull();
  });
});

describe('an SMTP server that accepts the connection and then says nothing', () => {
  let stalled: Server;
  const held: Socket[] = [];
  let slow: RunningStepup;
  let slowRp: RelyingParty;

  beforeAll(async () => {
    // holds every connection open without an SMTP greeting, as a hung mail server does
    stalled = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    slow = await startStepup(
      {
        SMTP_URL: `smtp://127.0.0.1:${(stalled.address() as AddressInfo).port}`,
        ...twilioEnv(twilio.url),
      },
      { deliveryTimeoutSeconds: 1 },
    );
    slowRp = await relyingParty(slow, { firstParty: true });
  });
  afterAll(async () => {
    await slow.stop();
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => stalled.close(resolve));
  });

  test('the email fails after deliveryTimeoutSeconds and the code goes by SMS', async () => {
    const email = 'stalled@example.com';
    const phone = '+15557770001';
    await slow.container.userAdmin.add({ email, phone, password: PASSWORD, emailCode: true });
    const browser = new Browser(slow.issuer);
    await browser.open((await slowRp.authorize()).url);
    await browser.submit('/login', { email, password: PASSWORD });
    await browser.open(`${browser.page.url.replace(/\?.*$/, '')}?method=email`);
    await browser.submit('/second-factor/send');
    expect(browser.page.html).toContain('We could not send an email, so we sent your code by SMS instead.');
    expect(twilio.lastCodeTo(phone)).toMatch(/^\d{6}$/);
    const accountId = (await slow.container.store.accounts.findByEmail(email))!.id;
    const [failed] = (await slow.container.store.deliveries.listForAccount(accountId, 10)).filter((d) => d.channel === 'email' && d.purpose === 'code');
    expect(failed).toMatchObject({ result: 'failed' });
    // whichever of the greeting and socket timeouts fires first
    expect(failed!.reason).toMatch(/greeting never received|timeout/i);
  });

  test('a security alert is sent after the sign-in has been answered, not before', async () => {
    const email = 'alerted@example.com';
    const phone = '+15557770002';
    await slow.container.userAdmin.add({ email, phone, password: PASSWORD });
    const browser = new Browser(slow.issuer);
    await browser.open((await slowRp.authorize()).url);
    await browser.submit('/login', { email, password: PASSWORD });
    await browser.open(`${browser.page.url.replace(/\?.*$/, '')}?method=sms`);
    await browser.submit('/second-factor/send');
    await browser.submit('/second-factor', { code: twilio.lastCodeTo(phone) });
    expect(new URL(browser.callbackUrl).searchParams.get('code')).toBeTruthy();

    // the new-browser alert is still waiting on the silent mail server
    const accountId = (await slow.container.store.accounts.findByEmail(email))!.id;
    const alerts = async () => (await slow.container.store.deliveries.listForAccount(accountId, 10)).filter((d) => d.purpose === 'alert');
    expect(await alerts()).toEqual([]);
    await slow.container.alert.settled();
    expect((await alerts()).map((d) => d.result)).toEqual(['failed']);
  });
});
