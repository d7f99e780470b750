import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZodDefault, ZodObject, ZodOptional, type z } from 'zod';
import { merge } from '../config/merge.ts';
import { configSchema } from '../config/schema.ts';
import { projectRoot } from '../paths.ts';

/**
 * What a host may tune, with the server's own rules and defaults (config/default.json):
 * the plugin and the standalone server never disagree on what a setting means.
 */
export const settingsSchema = configSchema
  .pick({
    serviceName: true,
    totp: true,
    recoveryCodes: true,
    passkeys: true,
    deliveredCodes: true,
    sms: true,
    lockout: true,
    rateLimits: true,
    deliveryTimeoutSeconds: true,
  })
  .extend({
    /** how long one sign-in (an oidc-provider interaction) may take; keep it equal to the host's */
    interactionSeconds: configSchema.shape.ttl.shape.interactionSeconds,
  });

export type Settings = z.infer<typeof settingsSchema>;

type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type SettingsInput = DeepPartial<Settings>;

export class SettingsError extends Error {}

/** The settings out of the server's whole configuration (zod leaves the other keys out): the standalone server hands these on. */
export function settingsOf(config: z.infer<typeof configSchema>): Settings {
  return settingsSchema.parse({ ...config, interactionSeconds: config.ttl.interactionSeconds });
}

/** The keys of `input` no setting has, by path (`totp.drift`): a typo must not pass unnoticed. */
function unknownKeys(schema: z.ZodType, input: unknown, path: string[] = []): string[] {
  const inner = schema instanceof ZodDefault || schema instanceof ZodOptional ? (schema.unwrap() as z.ZodType) : schema;
  if (!(inner instanceof ZodObject) || typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  const shape = inner.shape as Record<string, z.ZodType>;
  return Object.entries(input).flatMap(([key, value]) =>
    Object.hasOwn(shape, key) ? unknownKeys(shape[key] as z.ZodType, value, [...path, key]) : [`  - ${[...path, key].join('.')}: no such setting`],
  );
}

/** The defaults with the host's choices laid over them; every mistake reported at once. */
export function resolveSettings(input: SettingsInput = {}): Settings {
  const unknown = unknownKeys(settingsSchema, input);
  if (unknown.length) throw new SettingsError(`invalid Stepup settings:\n${unknown.join('\n')}`);
  const defaults = JSON.parse(readFileSync(join(projectRoot, 'config', 'default.json'), 'utf8')) as Record<string, unknown>;
  const base = { ...defaults, interactionSeconds: (defaults.ttl as { interactionSeconds: number }).interactionSeconds };
  const parsed = settingsSchema.safeParse(merge(base, input as Record<string, unknown>));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.')}: ${issue.message}`);
    throw new SettingsError(`invalid Stepup settings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
