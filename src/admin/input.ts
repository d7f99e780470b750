import { z } from 'zod';
import { badRequest } from '../errors.ts';

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  in?: z.ZodType;
  innerType?: z.ZodType;
  element?: z.ZodType;
}
const defOf = (schema: z.ZodType) => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;

/** The fields the object schema at `path` takes (through optional, default, nullable and transforms). */
export function fieldsAt(schema: z.ZodType, path: PropertyKey[]): string[] | undefined {
  let current: z.ZodType | undefined = schema;
  let step = 0;
  while (current) {
    const def = defOf(current);
    if (def.type === 'pipe') current = def.in;
    else if (def.innerType) current = def.innerType;
    else if (def.type === 'array' && typeof path[step] === 'number') {
      current = def.element;
      step += 1;
    } else if (def.type !== 'object' || !def.shape) return undefined;
    else if (step === path.length) return Object.keys(def.shape);
    else {
      const key = String(path[step]);
      current = Object.hasOwn(def.shape, key) ? def.shape[key] : undefined;
      step += 1;
    }
  }
  return undefined;
}

/** Validates admin input into typed values; every problem is named in one message, an unknown field with the ones there are. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const detail = parsed.error.issues
    .map((issue) => {
      const fields = issue.code === 'unrecognized_keys' ? fieldsAt(schema, issue.path) : undefined;
      return `${issue.path.join('.') || 'input'}: ${issue.message}${fields ? ` (the fields are ${fields.join(', ')})` : ''}`;
    })
    .join('; ');
  throw badRequest(`invalid ${what}: ${detail}`);
}

export const pagingSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export type Paging = z.output<typeof pagingSchema>;

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

export const pageOf = <T>(items: T[], total: number, { limit, offset }: Paging): Page<T> => ({ items, total, limit, offset });

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int() });
