import { z } from 'zod';
import { fieldsAt } from '../config/schema_at.ts';
import { badRequest } from '../errors.ts';

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
