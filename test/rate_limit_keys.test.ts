import { ipKey } from '../src/security/ip_key.ts';

// the address a per-IP limit counts under: one IPv6 client holds a whole /64 and may use a new address for every request
test.each([
  ['IPv4 as it is', '198.51.100.7', 64, '198.51.100.7'],
  ['IPv4-mapped IPv6 as its IPv4 address', '::ffff:198.51.100.7', 64, '198.51.100.7'],
  ['IPv4-mapped IPv6 in hex as its IPv4 address', '::ffff:c633:6407', 64, '198.51.100.7'],
  ['IPv6 by its /64', '2001:db8:1:2::1', 64, '2001:db8:1:2:0:0:0:0/64'],
  ['another address of the same /64 alike', '2001:db8:1:2:ffff:abcd:12:3', 64, '2001:db8:1:2:0:0:0:0/64'],
  ['upper case alike', '2001:DB8:1:2::FF', 64, '2001:db8:1:2:0:0:0:0/64'],
  ['the next /64 apart', '2001:db8:1:3::1', 64, '2001:db8:1:3:0:0:0:0/64'],
  ['a shorter prefix when configured', '2001:db8:1:2::1', 48, '2001:db8:1:0:0:0:0:0/48'],
  ['a prefix off a group boundary', '2001:db8:1:2ff::1', 56, '2001:db8:1:200:0:0:0:0/56'],
  ['every address apart at 128', '2001:db8::1', 128, '2001:db8:0:0:0:0:0:1/128'],
  ['a zone index dropped', 'fe80::1%eth0', 64, 'fe80:0:0:0:0:0:0:0/64'],
  ['a trailing dotted part read as the last two groups', '2001:db8::192.0.2.1', 128, '2001:db8:0:0:0:0:c000:201/128'],
  ['anything else as it is', 'not-an-address', 64, 'not-an-address'],
])('%s: %s /%d → %s', (_case, ip, prefix, key) => {
  expect(ipKey(ip, prefix)).toBe(key);
});

test('two addresses share a key exactly when they share the configured prefix', () => {
  expect(ipKey('2001:db8:1:2::1', 64)).toBe(ipKey('2001:db8:1:2::2', 64));
  expect(ipKey('2001:db8:1:2::1', 64)).not.toBe(ipKey('2001:db8:1:3::1', 64));
  expect(ipKey('2001:db8:1:2::1', 48)).toBe(ipKey('2001:db8:1:3::1', 48));
  expect(ipKey('2001:db8:1:2::1', 128)).not.toBe(ipKey('2001:db8:1:2::2', 128));
});
