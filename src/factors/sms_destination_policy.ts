import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { SmsRefusal } from '../model/factor.ts';

/** The kinds of number that bill the sender more than an SMS is worth: never sent a code. */
const refusedTypes = new Set(['PREMIUM_RATE', 'SHARED_COST']);

// calling codes some country uses; the rest (+800, +808, +870, +878, +881, +882, +883, +888,
// +979) are the library's non-geographic entities ("001"): satellite phones (Inmarsat +870,
// Iridium and Globalstar +881, Thuraya +88216), international networks, premium rate
const geographicCodes = new Set<string>(getCountries().map((country) => getCountryCallingCode(country)));

/**
 * Whether an E.164 number may be texted a code, judged by libphonenumber's full ("max")
 * metadata, not by prefixes written here: a number that belongs to no country (satellite and
 * the other non-geographic codes) or is premium-rate or shared-cost is refused. With an
 * allow-list of countries (ISO 3166 alpha-2), a number of any other country, or of no country
 * the metadata can name, is refused too. A number the metadata does not know in a country
 * code it knows passes when there is no allow-list: new ranges reach the metadata late, and
 * the budgets still bound what they can cost.
 */
export function smsDestinationRefusal(number: string, allowedCountries: readonly string[]): SmsRefusal | null {
  const parsed = parsePhoneNumberFromString(number);
  if (!parsed) return 'refused_country';
  if (!geographicCodes.has(parsed.countryCallingCode)) return 'refused_number_type';
  if (refusedTypes.has(parsed.getType() ?? '')) return 'refused_number_type';
  if (allowedCountries.length > 0 && !(parsed.country && allowedCountries.includes(parsed.country))) return 'refused_country';
  return null;
}

/**
 * The block of numbers the per-prefix budget counts together: the number without its last
 * four digits, 10,000 numbers (in North America exactly one exchange, NPA-NXX). Pumping
 * rents such blocks and walks through them.
 */
export const numberPrefix = (number: string): string => number.slice(0, -4);

/**
 * The one E.164 spelling of a number: libphonenumber drops a trunk prefix written after the
 * country code (+44 07911… is +44 7911…), so every spelling counts in one budget and is sent as
 * one. A number the metadata cannot parse stays as typed.
 */
export const canonicalNumber = (number: string): string => parsePhoneNumberFromString(number)?.number ?? number;
