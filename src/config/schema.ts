import { z } from 'zod';

const seconds = z.number().int().positive();

/** The whole configuration. Defaults live in config/default.json, not here. */
export const configSchema = z.object({
  /** interface to listen on; 0.0.0.0 for every interface (containers) */
  host: z.string().min(1),
  port: z.number().int().min(0).max(65535),
  issuer: z.url(),
  dataDir: z.string().min(1),
  env: z.enum(['development', 'production', 'test']),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  serviceName: z.string().min(1),
  mongodbUri: z.string().startsWith('mongodb').optional(),
  /** base64 of 32 bytes; when absent a key is generated into dataDir on first start */
  encryptionKey: z.base64().refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64').optional(),
  adminToken: z.string().min(32, 'must be at least 32 characters').optional(),
  smtpUrl: z.string().optional(),
  smtpFrom: z.string().optional(),
  twilioAccountSid: z.string().optional(),
  twilioAuthToken: z.string().optional(),
  twilioFrom: z.string().optional(),
  argon2: z.object({
    memoryKiB: z.number().int().min(8192),
    timeCost: z.number().int().min(1),
    parallelism: z.number().int().min(1),
  }),
  password: z.object({ maxLength: z.number().int().min(64).max(4096) }),
  totp: z.object({
    digits: z.union([z.literal(6), z.literal(8)]),
    periodSeconds: z.number().int().min(15).max(120),
    driftSteps: z.number().int().min(0).max(3),
  }),
  recoveryCodes: z.object({ count: z.number().int().min(4).max(20) }),
  ttl: z.object({
    interactionSeconds: seconds,
    sessionSeconds: seconds,
    authorizationCodeSeconds: seconds,
    accessTokenSeconds: seconds,
    idTokenSeconds: seconds,
    refreshTokenSeconds: seconds,
    grantSeconds: seconds,
  }),
  sweepIntervalSeconds: seconds,
});

export type Config = z.infer<typeof configSchema>;
