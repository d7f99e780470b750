import type { Middleware } from 'koa';
import { AppError, badRequest } from '../errors.ts';

/** The files of a multipart form, by field name; an empty file input is left out. */
export const uploadsOf = (ctx: { state: Record<string, unknown> }): Record<string, Buffer> => (ctx.state.uploads as Record<string, Buffer> | undefined) ?? {};

/**
 * A form with a file (`enctype="multipart/form-data"`): the text fields become the request's
 * body, as the url-encoded parser makes it (so the CSRF check and the zod guards read it the
 * same way), and the files go to `uploadsOf(ctx)`. The parsing is Node's own (the fetch API's
 * `formData()`), over a body read with a limit first; any other content type is `otherwise`'s.
 */
export function multipartForm(limitBytes: number, otherwise: Middleware): Middleware {
  return async (ctx, next) => {
    const type = ctx.get('content-type');
    if (!/^multipart\/form-data\s*;/i.test(type)) return otherwise(ctx, next);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limitBytes) throw new AppError(413, 'too_large', `The form was larger than ${Math.floor(limitBytes / 1024)} KiB. Choose a smaller file.`);
      chunks.push(chunk);
    }
    let parsed: FormData;
    try {
      parsed = await new Response(Buffer.concat(chunks), { headers: { 'content-type': type } }).formData();
    } catch {
      throw badRequest('The form was incomplete or not valid. Go back and try again.', 'invalid_form');
    }
    // a field given twice becomes a list, as the url-encoded parser makes it: the guards refuse it
    const body: Record<string, string | string[]> = {};
    const uploads: Record<string, Buffer> = {};
    for (const [name, value] of parsed) {
      if (typeof value !== 'string') {
        if (value.size > 0) uploads[name] = Buffer.from(await value.arrayBuffer());
      } else if (Object.hasOwn(body, name)) body[name] = [body[name] ?? []].flat().concat(value);
      else body[name] = value;
    }
    (ctx.request as { body?: unknown }).body = body;
    ctx.state.uploads = uploads;
    await next();
  };
}
