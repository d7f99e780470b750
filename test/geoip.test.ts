import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distanceKm, type Geoip, openGeoip, type Place } from '../src/risk/geoip.ts';
import { writeMmdb } from './support/mmdb_writer.ts';

// GeoIP lookups as a table, against a City database this file writes: no server, milliseconds.

const lisbon = { latitude: 38.72, longitude: -9.14 };
const tokyo = { latitude: 35.68, longitude: 139.69 };
const berlin = { latitude: 52.52, longitude: 13.405 };

let dir: string;
let geoip: Geoip;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'stepup-geoip-'));
  writeMmdb(join(dir, 'city.mmdb'), [
    { network: '203.0.113.0/24', record: city('PT', 'Portugal', 2264397, lisbon) },
    { network: '198.51.100.0/24', record: city('JP', 'Japan', 1861060, tokyo) },
    { network: '2001:db8:1::/48', record: city('DE', 'Germany', 2921044, berlin) },
    // a Country database's record for an address it places by registration alone
    { network: '192.0.2.0/24', record: { registered_country: { geoname_id: 2635167, iso_code: 'gb', names: { en: 'United Kingdom' } } } },
    // a narrower network inside a broader one: the longest match wins
    { network: '198.51.100.128/25', record: city('KR', 'South Korea', 1835841, { latitude: 37.57, longitude: 126.98 }) },
  ]);
  geoip = await openGeoip(join(dir, 'city.mmdb'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function city(iso: string, name: string, geonameId: number, at: { latitude: number; longitude: number }) {
  return {
    continent: { code: 'EU', geoname_id: 6255148, names: { en: 'Europe' } },
    country: { geoname_id: geonameId, iso_code: iso, names: { en: name, de: `${name} (de)` } },
    location: { accuracy_radius: 20, ...at, time_zone: 'Etc/UTC' },
    subdivisions: [{ geoname_id: 1, iso_code: 'X', names: { en: 'Somewhere' } }],
    traits: { is_anycast: false },
  };
}

const place = (country: string | null, countryName: string | null, at?: { latitude: number; longitude: number }): Place => ({
  country,
  countryName,
  latitude: at?.latitude ?? null,
  longitude: at?.longitude ?? null,
});

test.each<[string, string, Place | null]>([
  ['IPv4', '203.0.113.7', place('PT', 'Portugal', lisbon)],
  ['IPv4, another network', '198.51.100.1', place('JP', 'Japan', tokyo)],
  ['IPv4 in a narrower network inside it', '198.51.100.200', place('KR', 'South Korea', { latitude: 37.57, longitude: 126.98 })],
  ['IPv4-mapped IPv6, as Node reports IPv4 clients', '::ffff:203.0.113.7', place('PT', 'Portugal', lisbon)],
  ['IPv4-mapped IPv6 in capitals', '::FFFF:198.51.100.1', place('JP', 'Japan', tokyo)],
  ['IPv6', '2001:db8:1::1', place('DE', 'Germany', berlin)],
  ['IPv6, the last address of the network', '2001:db8:1:ffff:ffff:ffff:ffff:ffff', place('DE', 'Germany', berlin)],
  ['registered_country when there is no country, upper-cased', '192.0.2.1', place('GB', 'United Kingdom')],
  ['IPv4 outside every network', '203.0.114.1', null],
  ['IPv6 outside every network', '2001:db8:2::1', null],
  ['IPv4-mapped IPv6 outside every network', '::ffff:10.0.0.1', null],
  ['loopback', '127.0.0.1', null],
  ['not an IP', 'example.com', null],
  ['an IPv4 address with an octet too large', '203.0.113.256', null],
  ['empty', '', null],
])('%s: %s', (_, ip, expected) => {
  expect(geoip.lookup(ip)).toEqual(expected);
});

test.each([
  ['missing', (path: string) => path, /cannot be read/],
  [
    'not an mmdb',
    (path: string) => {
      writeFileSync(path, 'country,latitude,longitude\nPT,38.72,-9.14\n');
      return path;
    },
    /is not a MaxMind DB/,
  ],
  [
    'empty',
    (path: string) => {
      writeFileSync(path, '');
      return path;
    },
    /is not a MaxMind DB/,
  ],
])('a file that is %s is refused with an error naming its path', async (kind, make, reason) => {
  const path = make(join(dir, `${kind.replaceAll(/\W+/g, '-')}.mmdb`));
  const opening = openGeoip(path);
  await expect(opening).rejects.toThrow(path);
  await expect(opening).rejects.toThrow(reason);
});

test.each([
  ['Lisbon to Tokyo', 11_150, lisbon, tokyo],
  ['Tokyo to Lisbon', 11_150, tokyo, lisbon],
  ['Lisbon to Berlin', 2_310, lisbon, berlin],
  ['a quarter of the equator', 10_007.5, { latitude: 0, longitude: 0 }, { latitude: 0, longitude: 90 }],
  ['antipodes, half the circumference', 20_015, { latitude: 0, longitude: 0 }, { latitude: 0, longitude: 180 }],
  ['across the antimeridian', 111.2, { latitude: 0, longitude: 179.5 }, { latitude: 0, longitude: -179.5 }],
])('distanceKm: %s is about %p km (within 1%%)', (_, km, a, b) => {
  expect(Math.abs(distanceKm(a, b) - km) / km).toBeLessThan(0.01);
});

test('distanceKm from a point to itself is 0', () => {
  expect(distanceKm(lisbon, lisbon)).toBe(0);
});
