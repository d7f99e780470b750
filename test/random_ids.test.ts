import { random } from '../src/random.ts';

test('ids never start with "-", which a command line would take for an option', () => {
  // about one id in 64 would, without the check
  const ids = Array.from({ length: 5000 }, () => random.id(12));
  expect(ids.filter((id) => id.startsWith('-'))).toEqual([]);
  expect(new Set(ids.map((id) => id[0])).size).toBeGreaterThan(50);
  expect(ids.every((id) => /^[\w-]{16}$/.test(id))).toBe(true);
});
