import { ZodArray, ZodDefault, ZodNullable, ZodObject, ZodOptional, ZodPipe, type z } from 'zod';

/** The schema inside optional, default, nullable and transforms: what a value there is checked by. */
export const unwrapped = (schema: z.ZodType): z.ZodType => {
  if (schema instanceof ZodDefault || schema instanceof ZodOptional || schema instanceof ZodNullable) return unwrapped(schema.unwrap() as z.ZodType);
  if (schema instanceof ZodPipe) return unwrapped(schema.in as z.ZodType);
  return schema;
};

/** The schema at `path` (array elements by index), unwrapped, or undefined. */
export function schemaAt(schema: z.ZodType, path: PropertyKey[]): z.ZodType | undefined {
  const inner = unwrapped(schema);
  const [head, ...rest] = path;
  if (head === undefined) return inner;
  if (inner instanceof ZodObject) {
    const shape = inner.shape as Record<string, z.ZodType>;
    return typeof head === 'string' && Object.hasOwn(shape, head) ? schemaAt(shape[head] as z.ZodType, rest) : undefined;
  }
  return inner instanceof ZodArray ? schemaAt(inner.element as z.ZodType, rest) : undefined;
}

/** The fields of the object schema at `path`, or undefined where there is none. */
export function fieldsAt(schema: z.ZodType, path: PropertyKey[]): string[] | undefined {
  const found = schemaAt(schema, path);
  return found instanceof ZodObject ? Object.keys(found.shape) : undefined;
}
