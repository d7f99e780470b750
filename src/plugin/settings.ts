import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ZodNumber, ZodObject, ZodString, z } from 'zod';
import { merge } from '../config/merge.ts';
import { configSchema } from '../config/schema.ts';
import { schemaAt, unwrapped } from '../config/schema_at.ts';
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
    authorizationDetailsTypes: true,
    adaptive: true,
    geoipDatabase: true,
    theme: true,
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

/**
 * The keys of `input` no setting has, by path (`totp.drift`), each with the keys there are:
 * a typo must not pass unnoticed.
 */
function unknownKeys(schema: z.ZodType, input: unknown, path: string[] = []): string[] {
  const inner = unwrapped(schema);
  if (!(inner instanceof ZodObject) || typeof input !== 'object' || input === null || Array.isArray(input)) return [];
  const shape = inner.shape as Record<string, z.ZodType>;
  const known = `${path.length ? `${path.join('.')} has` : 'the settings are'} ${Object.keys(shape).join(', ')}`;
  return Object.entries(input).flatMap(([key, value]) =>
    Object.hasOwn(shape, key) ? unknownKeys(shape[key] as z.ZodType, value, [...path, key]) : [`  - ${[...path, key].join('.')}: no such setting (${known})`],
  );
}

const largest = Number.MAX_SAFE_INTEGER;

/** What a number or text setting accepts, in words (`a whole number from 15 to 120`); null for the others, whose messages say it. */
function allowedValues(schema: z.ZodType | undefined): string | null {
  if (!(schema instanceof ZodNumber || schema instanceof ZodString)) return null;
  const json = z.toJSONSchema(schema) as { type?: string; minimum?: number; exclusiveMinimum?: number; maximum?: number; minLength?: number };
  if (json.type === 'string') return json.minLength ? 'text, not empty' : 'text';
  const kind = json.type === 'integer' ? 'a whole number' : 'a number';
  const min = json.minimum ?? (json.exclusiveMinimum === undefined ? undefined : json.exclusiveMinimum + (json.type === 'integer' ? 1 : 0));
  const max = json.maximum !== undefined && json.maximum < largest ? json.maximum : undefined;
  if (min !== undefined && max !== undefined) return `${kind} from ${min} to ${max}`;
  if (min !== undefined) return json.exclusiveMinimum !== undefined && json.type !== 'integer' ? `${kind} over ${min}` : `${kind}, at least ${min}`;
  return max === undefined ? kind : `${kind}, at most ${max}`;
}

/** Issues whose zod words ("Too small: expected number to be >=15") are replaced by what the setting accepts. */
const saysTooLittle = new Set(['invalid_type', 'too_small', 'too_big', 'not_multiple_of']);

/** A refusal that says what the setting accepts; the schema's own words where it has them (`must be 6 or 8`). */
function describeIssue(issue: z.core.$ZodIssue): string {
  const allowed = saysTooLittle.has(issue.code) ? allowedValues(schemaAt(settingsSchema, issue.path)) : null;
  return `  - ${issue.path.join('.')}: ${allowed ? `must be ${allowed}` : issue.message}`;
}

/** The defaults with the host's choices laid over them; every mistake reported at once. */
export function resolveSettings(input: SettingsInput = {}): Settings {
  const unknown = unknownKeys(settingsSchema, input);
  if (unknown.length) throw new SettingsError(`invalid Stepup settings:\n${unknown.join('\n')}`);
  const defaults = JSON.parse(readFileSync(join(projectRoot, 'config', 'default.json'), 'utf8')) as Record<string, unknown>;
  const base = { ...defaults, interactionSeconds: (defaults.ttl as { interactionSeconds: number }).interactionSeconds };
  const parsed = settingsSchema.safeParse(merge(base, input as Record<string, unknown>));
  if (!parsed.success) {
    const lines = parsed.error.issues.map(describeIssue);
    throw new SettingsError(`invalid Stepup settings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
