/**
 * The UTC dates and times Stepup prints for admins and machines (the console, the CLI, logs,
 * SMS budgets), from one formatter rather than slices of toISOString: "2026-12-06",
 * "2026-12-06 21:43", "21:43". A person's pages and alerts use localDay/localMinute/localTime below.
 */

const utc = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
});

/** The parts by name; the year padded to four digits, as ISO 8601 writes it. */
function partsOf(ms: number) {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, string>> = {};
  for (const { type, value } of utc.formatToParts(ms)) parts[type] = value;
  const part = (type: Intl.DateTimeFormatPartTypes) => {
    const value = parts[type];
    if (value === undefined) throw new Error(`the date format gave no ${type}`);
    return value;
  };
  return { year: part('year').padStart(4, '0'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute') };
}

/** "2026-12-06": the UTC day (SMS budgets count in it; the account area dates factors by it). */
export function utcDay(ms: number) {
  const { year, month, day } = partsOf(ms);
  return `${year}-${month}-${day}`;
}

/** "2026-12-06 21:43": the UTC minute alerts and logs speak in. */
export function utcMinute(ms: number) {
  const { year, month, day, hour, minute } = partsOf(ms);
  return `${year}-${month}-${day} ${hour}:${minute}`;
}

/** "21:43": the UTC time of day, e.g. when a lockout ends. */
export function utcTime(ms: number) {
  const { hour, minute } = partsOf(ms);
  return `${hour}:${minute}`;
}

/**
 * A chart bucket's label, as short as its size allows: "12-06" for a day or more, "12-06 21h"
 * for an hour or more, "21:43" below that.
 */
export function utcBucketLabel(ms: number, bucketMs: number) {
  const { month, day, hour, minute } = partsOf(ms);
  if (bucketMs >= 86_400_000) return `${month}-${day}`;
  return bucketMs >= 3_600_000 ? `${month}-${day} ${hour}h` : `${hour}:${minute}`;
}

/**
 * Dates and times on a person's pages, in their language's words and order ("Dec 6, 2026",
 * "6 déc. 2026 21:43"). Still UTC, as the catalogs say next to them: a page does not know the
 * person's time zone. The clock has 24 hours in every language, so a time never needs an AM/PM
 * beside "UTC".
 */
const localFormats = new Map<string, Intl.DateTimeFormat>();

function localFormat(language: string, style: 'day' | 'minute' | 'time') {
  const id = `${language}\u0000${style}`;
  let format = localFormats.get(id);
  if (!format) {
    const options: Intl.DateTimeFormatOptions = { timeZone: 'UTC', hourCycle: 'h23' };
    if (style !== 'time') options.dateStyle = 'medium';
    if (style !== 'day') options.timeStyle = 'short';
    format = new Intl.DateTimeFormat(language, options);
    localFormats.set(id, format);
  }
  return format;
}

/** The UTC day in `language`: "Dec 6, 2026", "6 déc. 2026", "06/12/2026". */
export const localDay = (language: string, ms: number) => localFormat(language, 'day').format(ms);

/** The UTC minute in `language`: "Dec 6, 2026, 21:43". */
export const localMinute = (language: string, ms: number) => localFormat(language, 'minute').format(ms);

/** The UTC time of day in `language`: "21:43". */
export const localTime = (language: string, ms: number) => localFormat(language, 'time').format(ms);
