import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { projectRoot } from '../paths.ts';
import { merge } from './merge.ts';
import { type Config, configRefinements, configSchema } from './schema.ts';

export class ConfigError extends Error {}

type Json = Record<string, unknown>;

/** Environment variables named in DESIGN.md, mapped onto config keys. */
const environmentKeys: Record<string, string> = {
  HOST: 'host',
  PORT: 'port',
  ISSUER: 'issuer',
  DATA_DIR: 'dataDir',
  NODE_ENV: 'env',
  LOG_LEVEL: 'logLevel',
  MONGODB_URI: 'mongodbUri',
  ENCRYPTION_KEY: 'encryptionKey',
  ADMIN_TOKEN: 'adminToken',
  SMTP_URL: 'smtpUrl',
  SMTP_FROM: 'smtpFrom',
  TWILIO_ACCOUNT_SID: 'twilioAccountSid',
  TWILIO_AUTH_TOKEN: 'twilioAuthToken',
  TWILIO_FROM: 'twilioFrom',
  TWILIO_API_URL: 'twilioApiUrl',
  TRUST_PROXY: 'trustProxy',
  WORKERS: 'workers',
  ALLOW_PRIVATE_CLIENT_URIS: 'allowPrivateClientUris',
  GEOIP_DATABASE: 'geoipDatabase',
};

function readJson(path: string): Json {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Json;
  } catch (error) {
    throw new ConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
}

function fromEnvironment(env: NodeJS.ProcessEnv): Json {
  const out: Json = {};
  for (const [name, key] of Object.entries(environmentKeys)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if ((key === 'port' || key === 'workers' || key === 'trustProxy') && /^\d+$/.test(value)) out[key] = Number(value);
    else if ((key === 'trustProxy' || key === 'allowPrivateClientUris') && /^(true|false)$/.test(value)) out[key] = value === 'true';
    else out[key] = value;
  }
  return out;
}

/**
 * config/default.json, then config/<env>.json and config/local.json when present,
 * then the environment; validated as a whole so every error is reported at once.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const configDir = join(projectRoot, 'config');
  let raw = readJson(join(configDir, 'default.json'));
  const envName = env.NODE_ENV ?? (raw.env as string);
  for (const name of [`${envName}.json`, 'local.json']) {
    const path = join(configDir, name);
    if (existsSync(path)) raw = merge(raw, readJson(path));
  }
  if (env.STEPUP_CONFIG) raw = merge(raw, readJson(resolve(env.STEPUP_CONFIG)));
  raw = merge(raw, fromEnvironment(env));
  raw.issuer ??= `http://localhost:${String(raw.port)}`;

  const parsed = configSchema
    .superRefine((config, ctx) => configRefinements(config, (path, message) => ctx.addIssue({ code: 'custom', path: [path], message })))
    .safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  - ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const config = parsed.data;
  return { ...config, dataDir: resolve(projectRoot, config.dataDir), issuer: config.issuer.replace(/\/$/, '') };
}
