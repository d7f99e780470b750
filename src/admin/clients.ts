import { z } from 'zod';
import { noRequest, type RecordAudit } from '../audit/audit.ts';
import type { Clock } from '../clock.ts';
import { AppError, badRequest, notFound } from '../http/errors.ts';
import { random } from '../random.ts';
import type { Cipher } from '../security/cipher.ts';
import type { ClientRecord, ClientStore, MfaPolicy } from '../store/ports.ts';

const redirectUri = z.string().max(2000).refine((value) => {
  try {
    const url = new URL(value);
    return url.hash === '' && !['javascript:', 'data:', 'file:'].includes(url.protocol);
  } catch {
    return false;
  }
}, 'must be an absolute URL without a #fragment');

export const newClientSchema = z.object({
  name: z.string().trim().min(1).max(100),
  redirectUris: z.array(redirectUri).min(1).max(20),
  postLogoutRedirectUris: z.array(redirectUri).max(20).default([]),
  firstParty: z.boolean().default(false),
  mfaPolicy: z.enum(['required', 'on-request']).default('required'),
  public: z.boolean().default(false),
});

export type NewClientInput = z.input<typeof newClientSchema>;

/** A client as admins see it; snake_case like the OIDC metadata it mirrors. */
export interface ClientSummary {
  client_id: string;
  name: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  first_party: boolean;
  mfa_policy: MfaPolicy;
  public: boolean;
  created_at: string;
}

function summarize(record: ClientRecord): ClientSummary {
  const m = record.metadata;
  return {
    client_id: record.clientId,
    name: String(m.client_name ?? ''),
    redirect_uris: (m.redirect_uris as string[] | undefined) ?? [],
    post_logout_redirect_uris: (m.post_logout_redirect_uris as string[] | undefined) ?? [],
    first_party: m.first_party === true,
    mfa_policy: m.mfa_policy === 'on-request' ? 'on-request' : 'required',
    public: m.token_endpoint_auth_method === 'none',
    created_at: new Date(record.createdAt).toISOString(),
  };
}

function validationError(error: z.ZodError): AppError {
  const detail = error.issues.map((issue) => `${issue.path.join('.') || 'input'}: ${issue.message}`).join('; ');
  return badRequest(`invalid client: ${detail}`);
}

/** Registering and removing client applications; used by the CLI and the admin API. */
export function createClientAdmin(clients: ClientStore, cipher: Cipher, clock: Clock, audit: RecordAudit) {
  const adminChange = (clientId: string, detail: string) =>
    audit(noRequest, { type: 'admin_change', result: 'ok', clientId, channel: 'admin', detail });
  return {
    /** The secret is returned once, here; it is stored encrypted. */
    async add(input: NewClientInput): Promise<ClientSummary & { client_secret?: string }> {
      const parsed = newClientSchema.safeParse(input);
      if (!parsed.success) throw validationError(parsed.error);
      const client = parsed.data;
      const clientSecret = client.public ? undefined : random.id(32);
      const record: ClientRecord = {
        clientId: random.id(12),
        metadata: {
          client_name: client.name,
          redirect_uris: client.redirectUris,
          post_logout_redirect_uris: client.postLogoutRedirectUris,
          first_party: client.firstParty,
          mfa_policy: client.mfaPolicy,
          token_endpoint_auth_method: client.public ? 'none' : 'client_secret_basic',
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
        secretCiphertext: clientSecret ? cipher.encrypt(clientSecret) : null,
        createdAt: clock.now(),
      };
      await clients.create(record);
      await adminChange(record.clientId, 'client added');
      return { ...summarize(record), ...(clientSecret ? { client_secret: clientSecret } : {}) };
    },
    async list(): Promise<ClientSummary[]> {
      return (await clients.list()).map(summarize);
    },
    async remove(clientId: string): Promise<void> {
      if (!(await clients.remove(clientId))) throw notFound(`no client ${clientId}`);
      await adminChange(clientId, 'client removed');
    },
  };
}

export type ClientAdmin = ReturnType<typeof createClientAdmin>;
