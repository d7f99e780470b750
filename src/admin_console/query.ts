import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { badRequest } from '../errors.ts';

/** An empty field of a GET form means "not given". */
export const given = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (value === '' ? undefined : value), schema.optional());

/** What a search box accepts: short, and only the characters of names, ids, emails and phone numbers. */
export const searchText = given(
  z
    .string()
    .trim()
    .max(100)
    .regex(/^[\w .@+-]*$/),
);

export const pageNumber = z.preprocess((value) => (value === '' || value === undefined ? 1 : value), z.coerce.number().int().min(1).max(10_000));

/** Validates a page's query string at the edge; one clear message when it is not valid. */
export function parseQuery<T extends z.ZodType>(ctx: ParameterizedContext, schema: T, what: string): z.output<T> {
  const parsed = schema.safeParse(ctx.query);
  if (!parsed.success) throw badRequest(`The ${what} is not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

/** Paging for a list page: 1-based page numbers onto the services' limit and offset. */
export const pagingOf = (page: number, limit: number) => ({ limit, offset: (page - 1) * limit });

/** Links to the previous and next pages, keeping the other query parameters. */
export function pagerOf(ctx: ParameterizedContext, page: number, limit: number, total: number | null, shown: number) {
  const link = (n: number) => {
    const query = new URLSearchParams(ctx.querystring);
    query.set('page', String(n));
    return `${ctx.path}?${query}`;
  };
  const hasNext = total === null ? shown === limit : page * limit < total;
  return {
    page,
    pages: total === null ? null : Math.max(1, Math.ceil(total / limit)),
    previous: page > 1 ? link(page - 1) : null,
    next: hasNext ? link(page + 1) : null,
  };
}

/** Per field, the first problem zod found: shown next to the field. */
export function fieldErrors(error: z.ZodError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    const [field, index] = issue.path;
    const key = typeof field === 'string' ? field : 'form';
    out[key] ??= typeof index === 'number' ? `line ${index + 1}: ${issue.message}` : issue.message;
  }
  return out;
}
