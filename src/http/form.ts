import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { badRequest, worded } from '../errors.ts';

/**
 * Validates a posted form into typed values at the edge. Arrays, objects and oversized
 * values are refused here, so nothing past this point sees them.
 */
export function parseForm<T extends z.ZodType>(ctx: ParameterizedContext, schema: T): z.infer<T> {
  const result = schema.safeParse((ctx.request as { body?: unknown }).body ?? {});
  if (!result.success) throw worded(badRequest('The form was incomplete or not valid. Go back and try again.', 'invalid_form'), { key: 'error.invalid_form' });
  return result.data;
}

/** A single text field of at most `max` characters. */
export const text = (max: number) => z.string().max(max);
