import { ACR_1FA, ACR_2FA, ACR_PHR, type AdaptiveSettings, firedSignals, letThrough, type RiskFacts, riskChecked } from '../src/assurance/index.ts';
import { isCidr } from '../src/config/cidr.ts';
import { networkList, networkOf } from '../src/risk/networks.ts';

/** Adaptive step-up's rules as tables: which signals fire on which facts, and how addresses group into networks. */
const day = 24 * 60 * 60 * 1000;
const now = 1_800_000_000_000;
const settings: AdaptiveSettings = {
  newBrowser: true,
  newNetwork: { enabled: true, days: 90 },
  recentFailures: { enabled: true, count: 3, windowSeconds: 3600 },
  newCountry: true,
  impossibleTravel: { enabled: true, kmPerHour: 900 },
};
const usual: RiskFacts = {
  alwaysAsk: false,
  neverAsk: false,
  browserVerified: true,
  networkSeenAt: now - day,
  recentFailures: 0,
  country: { code: 'PT', seen: true },
  travel: { km: 5, hours: 2 },
};

describe('firedSignals', () => {
  test.each<[string, Partial<RiskFacts>, Partial<AdaptiveSettings>, string[]]>([
    ['the usual sign-in', {}, {}, []],
    ['without GeoIP', { country: null, travel: null }, {}, []],
    ['a browser never verified', { browserVerified: false }, {}, ['new_browser']],
    ['a network never used', { networkSeenAt: null }, {}, ['new_network']],
    ['a network last used 91 days ago', { networkSeenAt: now - 91 * day }, {}, ['new_network']],
    ['a network last used 90 days ago', { networkSeenAt: now - 90 * day }, {}, []],
    ['two failures', { recentFailures: 2 }, {}, []],
    ['three failures', { recentFailures: 3 }, {}, ['recent_failures']],
    ['a country never used', { country: { code: 'JP', seen: false } }, {}, ['new_country']],
    ['11,000 km in an hour', { travel: { km: 11_000, hours: 1 } }, {}, ['impossible_travel']],
    ['11,000 km in a day', { travel: { km: 11_000, hours: 24 } }, {}, []],
    ['90 km in a minute: the database is that imprecise', { travel: { km: 90, hours: 0 } }, {}, []],
    ['500 km at once', { travel: { km: 500, hours: 0 } }, {}, ['impossible_travel']],
    ['an always-ask network, all else usual', { alwaysAsk: true }, {}, ['listed_network']],
    ['a never-ask network silences every signal', { neverAsk: true, browserVerified: false, networkSeenAt: null, recentFailures: 9 }, {}, []],
    [
      'every signal at once, in order',
      { browserVerified: false, networkSeenAt: null, recentFailures: 5, country: { code: 'JP', seen: false }, travel: { km: 11_000, hours: 1 } },
      {},
      ['new_browser', 'new_network', 'recent_failures', 'new_country', 'impossible_travel'],
    ],
    ['a signal turned off does not fire', { browserVerified: false, networkSeenAt: null }, { newBrowser: false, newNetwork: { enabled: false, days: 90 } }, []],
  ])('%s', (_, facts, changed, expected) => {
    expect(firedSignals({ ...usual, ...facts }, { ...settings, ...changed }, now)).toEqual(expected);
  });
});

describe('networks', () => {
  test.each([
    ['203.0.113.7', '203.0.113.0/24'],
    ['::ffff:203.0.113.7', '203.0.113.0/24'],
    ['2001:db8:1:2::1', '2001:db8:1::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['2001:0db8:00a1:ffff:1:2:3:4', '2001:db8:a1::/48'],
    ['::1', '0:0:0::/48'],
    ['not an address', null],
  ])('%s is in %s', (ip, network) => {
    expect(networkOf(ip)).toBe(network);
  });

  test.each([
    ['192.0.2.0/24', true],
    ['2001:db8::/32', true],
    ['192.0.2.1', true],
    ['192.0.2.0/33', false],
    ['192.0.2.0/24/1', false],
    ['example.com/24', false],
  ])('%s is a network an admin may list: %s', (cidr, ok) => {
    expect(isCidr(cidr)).toBe(ok);
  });

  test('a list matches its networks, IPv4 peers seen as IPv6 included', () => {
    const list = networkList(['192.0.2.0/26', '2001:db8::/32']);
    expect([list.has('192.0.2.63'), list.has('::ffff:192.0.2.1'), list.has('192.0.2.64'), list.has('2001:db8:5::1'), list.has('junk')]).toEqual([
      true,
      true,
      false,
      true,
      false,
    ]);
  });
});

describe('what a let-through sign-in reaches, and which sessions an adaptive client takes', () => {
  test.each([
    ['1fa on the password', { acr: ACR_1FA, amr: ['pwd'] }, ['pwd', 'rba']],
    ['2fa stays as it is', { acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] }, ['pwd', 'otp', 'mfa']],
  ] as const)('%s', (_, reached, amr) => {
    const passed = letThrough({ ...reached, amr: [...reached.amr], authTime: 1, secondFactorAt: null });
    expect(passed).toEqual({ acr: reached.acr, amr, authTime: 1, secondFactorAt: null });
  });

  test.each([
    ['no session', undefined, true],
    ['1fa let through by the risk check', { acr: ACR_1FA, amr: ['pwd', 'rba'] }, true],
    ["1fa of another client's password alone", { acr: ACR_1FA, amr: ['pwd'] }, false],
    ['1fa of a passkey without user verification', { acr: ACR_1FA, amr: ['hwk'] }, false],
    ['2fa', { acr: ACR_2FA, amr: ['pwd', 'otp', 'mfa'] }, true],
    ['phr', { acr: ACR_PHR, amr: ['pwd', 'hwk', 'mfa'] }, true],
  ])('%s: taken %s', (_, session, taken) => {
    expect(riskChecked(session)).toBe(taken);
  });
});
