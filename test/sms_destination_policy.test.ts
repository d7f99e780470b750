import { canonicalNumber, numberPrefix, smsDestinationRefusal } from '../src/factors/sms_destination_policy.ts';

// which numbers may be texted a code, decided by libphonenumber's full metadata (issue 27 finding 10)
test.each([
  ['a UK mobile', '+447400123456', [], null],
  ['a German mobile', '+4915112345678', [], null],
  ['a number the metadata does not know, in a known country code', '+15551000001', [], null],
  ['Iridium satellite (+8816, non-geographic +881)', '+881612345678', [], 'refused_number_type'],
  ['Globalstar satellite (+8818… under +881)', '+881812345678', [], 'refused_number_type'],
  ['Inmarsat satellite (+870)', '+870773111632', [], 'refused_number_type'],
  ['an international network (+882)', '+88213000000', [], 'refused_number_type'],
  ['an international network (+883)', '+883510012345', [], 'refused_number_type'],
  ['international premium rate (+979)', '+979123456789', [], 'refused_number_type'],
  ['UK premium rate (+44 871)', '+448712345678', [], 'refused_number_type'],
  ['US premium rate (+1 900)', '+19005551234', [], 'refused_number_type'],
  ['Swiss premium rate (+41 901)', '+41901123456', [], 'refused_number_type'],
  ['French shared cost (+33 810)', '+33810123456', [], 'refused_number_type'],
  ['a calling code no country uses', '+99912345678', [], 'refused_country'],
  ['a country on the allow-list', '+447400123456', ['GB', 'IE'], null],
  ['a country not on the allow-list', '+4915112345678', ['GB', 'IE'], 'refused_country'],
  ['with an allow-list, a number the metadata cannot place', '+15551000001', ['US'], 'refused_country'],
  ['premium rate in an allowed country', '+448712345678', ['GB'], 'refused_number_type'],
  ['satellite whatever the allow-list', '+881612345678', ['GB'], 'refused_number_type'],
])('%s: %s with allow-list %j → %s', (_case, number, allowed, refusal) => {
  expect(smsDestinationRefusal(number, allowed)).toBe(refusal);
});

test('the per-prefix budget counts a block of 10,000 numbers together', () => {
  expect(numberPrefix('+12025550123')).toBe('+1202555');
  expect(numberPrefix('+12025559876')).toBe(numberPrefix('+12025550123'));
  expect(numberPrefix('+12025560123')).not.toBe(numberPrefix('+12025550123'));
});

test.each([
  ['+447911123456', '+447911123456'],
  ['+4407911123456', '+447911123456'],
  ['+112025550123', '+12025550123'],
  ['+57053001234567', '+573001234567'],
  ['+15551234567', '+15551234567'],
])('%s is sent to and counted as %s', (typed, canonical) => {
  expect(canonicalNumber(typed)).toBe(canonical);
});
