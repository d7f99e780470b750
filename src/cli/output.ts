/**
 * Shows C0 and C1 controls and DEL as \u{..}: stored text chosen by people (a passkey's
 * name, a profile name, an audit detail quoting one) must not steer the admin's terminal.
 * (--json output is escaped in `output`.)
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
export const printable = (text: string) => text.replace(/[\u0000-\u001f\u007f-\u009f]/gu, (c) => `\\u{${c.charCodeAt(0).toString(16)}}`);

const shown = (value: unknown) => printable(Array.isArray(value) ? value.join(' ') : String(value));

/** Prints rows as an aligned table for people. */
export function printTable(items: object[], columns: string[]): void {
  const rows = items as Record<string, unknown>[];
  const cell = (value: unknown) => (value === null || value === undefined ? '-' : shown(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  console.log(line(columns));
  for (const row of rows) console.log(line(columns.map((column) => cell(row[column]))));
}

export function printRecord(record: Record<string, unknown>): void {
  const width = Math.max(...Object.keys(record).map((key) => key.length));
  for (const [key, value] of Object.entries(record)) {
    console.log(`${printable(key).padEnd(width)}  ${shown(value)}`);
  }
}

/** A page of a longer list, with where it sits in the whole. */
export function printPage(page: { items: object[]; total: number; offset: number }, columns: string[]): void {
  printTable(page.items, columns);
  if (page.total > page.items.length) console.log(`\n${page.items.length} of ${page.total}, from ${page.offset + 1}; use --offset and --limit for more`);
}
