import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { type CityResponse, Reader } from 'mmdb-lib';

/** Where an address is, as far as the GeoIP database knows. */
export interface Place {
  /** ISO 3166-1 alpha-2, upper case */
  country: string | null;
  /** English name when the database has one */
  countryName: string | null;
  latitude: number | null;
  longitude: number | null;
}

export interface Geoip {
  /** null: not in the database, or not an IP address */
  lookup(ip: string): Place | null;
}

// how Node reports an IPv4 client on a dual-stack socket; the database files IPv4 apart
const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * Opens a GeoLite2/GeoIP2 Country or City database file (read once into memory). Throws a clear
 * Error naming the path when it is missing or not an mmdb.
 */
export async function openGeoip(path: string): Promise<Geoip> {
  let file: Buffer;
  try {
    file = await readFile(path);
  } catch (error) {
    throw new Error(`GeoIP database ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  let reader: Reader<CityResponse>;
  try {
    reader = new Reader<CityResponse>(file);
  } catch (error) {
    throw new Error(`GeoIP database ${path} is not a MaxMind DB (.mmdb) file: ${(error as Error).message}`, { cause: error });
  }
  // an IPv4-only database's tree is 32 bits deep: walking it with 128 bits would answer nonsense
  const ipv4Only = reader.metadata.ipVersion === 4;
  return {
    lookup(ip) {
      const address = MAPPED_IPV4.exec(ip)?.[1] ?? ip;
      const version = isIP(address);
      if (version === 0 || (version === 6 && ipv4Only)) return null;
      const record = reader.get(address);
      return record ? placeOf(record) : null;
    },
  };
}

/** MaxMind's layout; `registered_country` stands in when the database knows no `country`. */
function placeOf(record: CityResponse): Place {
  const country = record.country ?? record.registered_country;
  return {
    country: country?.iso_code?.toUpperCase() ?? null,
    countryName: country?.names?.en ?? null,
    latitude: record.location?.latitude ?? null,
    longitude: record.location?.longitude ?? null,
  };
}

const EARTH_RADIUS_KM = 6371.0088; // the mean radius (IUGG)

/** Great-circle distance in km (haversine). */
export function distanceKm(a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): number {
  const radians = (degrees: number) => (degrees * Math.PI) / 180;
  const dLat = radians(b.latitude - a.latitude);
  const dLon = radians(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.latitude)) * Math.cos(radians(b.latitude)) * Math.sin(dLon / 2) ** 2;
  // min: rounding can push h a hair above 1 for antipodes, and asin would answer NaN
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
