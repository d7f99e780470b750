import { randomBytes } from 'node:crypto';
import Keygrip from 'keygrip';
import { createCookieSigner } from '../src/security/cookie_signer.ts';

// cookies issued before this signer (by Keygrip) must stay valid, and the other way round
test('signs exactly as Keygrip, with any number of keys', () => {
  const keys = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
  const ours = createCookieSigner(keys);
  const theirs = new Keygrip(keys);
  for (const data of ['_session=abc', '', 'x'.repeat(500), 'ünïcödé=✓', '_interaction=Z9-_']) {
    expect(ours.sign(data)).toBe(theirs.sign(data));
    expect(ours.index(data, theirs.sign(data))).toBe(0);
    expect(ours.index(data, new Keygrip([keys[1]!]).sign(data))).toBe(1);
  }
});

test('refuses a tampered, truncated, foreign or missing signature', () => {
  const signer = createCookieSigner([randomBytes(32).toString('base64url')]);
  const good = signer.sign('_session=abc');
  expect(signer.verify('_session=abc', good)).toBe(true);
  expect(signer.verify('_session=abd', good)).toBe(false);
  expect(signer.verify('_session=abc', `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
  expect(signer.verify('_session=abc', good.slice(0, 10))).toBe(false);
  expect(signer.verify('_session=abc', new Keygrip(['another key']).sign('_session=abc'))).toBe(false);
  expect(signer.verify('_session=abc', undefined as unknown as string)).toBe(false);
  expect(signer.verify('_session=abc', '')).toBe(false);
});
