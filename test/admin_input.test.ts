import { z } from 'zod';
import { parseInput } from '../src/admin/input.ts';
import { fieldsAt } from '../src/config/schema_at.ts';

const inner = z.strictObject({ kind: z.enum(['a', 'b']), weight: z.number() });
const schema = z
  .strictObject({
    name: z.string(),
    nested: inner.optional(),
    list: z.array(inner).default([]),
    later: inner.nullable().transform((value) => value),
  })
  .superRefine(() => undefined);

describe('the fields an unknown one is told beside', () => {
  test.each([
    ['the top level', [], ['name', 'nested', 'list', 'later']],
    ['through optional', ['nested'], ['kind', 'weight']],
    ['through default and an array', ['list', 2], ['kind', 'weight']],
    ['through a transform and nullable', ['later'], ['kind', 'weight']],
    ['a field that is not an object', ['name'], undefined],
    ['a field there is not', ['nope'], undefined],
    ['inherited names are not fields', ['constructor'], undefined],
  ] as [string, PropertyKey[], string[] | undefined][])('%s', (_what, path, fields) => {
    expect(fieldsAt(schema, path)).toEqual(fields);
  });
});

describe('parseInput names every problem in one message', () => {
  test.each([
    [{ name: 'x', later: null, surprise: 1 }, 'invalid thing: input: Unrecognized key: "surprise" (the fields are name, nested, list, later)'],
    [{ name: 'x', later: null, nested: { kind: 'a', weight: 1, extra: 2 } }, 'invalid thing: nested: Unrecognized key: "extra" (the fields are kind, weight)'],
    [{ name: 1, later: null }, 'invalid thing: name: Invalid input: expected string, received number'],
  ])('%j', (input, message) => {
    expect(() => parseInput(schema, input, 'thing')).toThrow(message);
  });

  test('good input comes back typed, defaults filled', () => {
    expect(parseInput(schema, { name: 'x', later: null }, 'thing')).toEqual({ name: 'x', list: [], later: null });
  });
});
