import { createHash } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/schema.ts';
import { defaultLanguage, type Language } from '../i18n/languages.ts';

type Types = Config['authorizationDetailsTypes'];
type RarFeature = NonNullable<NonNullable<Configuration['features']>['richAuthorizationRequests']>;

/** The interaction result's field: the fingerprint of the details a fresh second factor approved in it. */
export const APPROVED = 'stepup_approved';

/**
 * The fingerprint of a request's authorization_details, as the request wrote them: what a
 * second factor approves is exactly that text, and nothing parsed differently afterwards.
 */
export const fingerprintOf = (requested: string) => createHash('sha256').update(requested).digest('base64url');

/** The details a request carries (oidc-provider has checked them), or none. */
export function requestedDetails(params: Record<string, unknown> | undefined): string | undefined {
  const value = params?.authorization_details;
  return typeof value === 'string' && value !== '' && value !== '[]' ? value : undefined;
}

/** The request's details when this interaction's result approved them with a fresh second factor, else undefined. */
export function approvedInResult(ctx: KoaContextWithOIDC): string | undefined {
  const requested = requestedDetails(ctx.oidc.params);
  const approved = (ctx.oidc.result as Record<string, unknown> | undefined)?.[APPROVED];
  return requested !== undefined && approved === fingerprintOf(requested) ? requested : undefined;
}

const valueAt = (detail: unknown, path: string) =>
  path.split('.').reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), detail);

/** A value in words: an {amount, currency} object as money in `language`'s way, anything else as its text. */
function inWords(value: unknown, language: Language): string {
  if (value && typeof value === 'object' && 'amount' in value && 'currency' in value) {
    const { amount, currency } = value as { amount: unknown; currency: unknown };
    try {
      return new Intl.NumberFormat(language, { style: 'currency', currency: String(currency) }).format(Number(amount));
    } catch {
      return `${String(amount)} ${String(currency)}`;
    }
  }
  return value === undefined || value === null ? '?' : typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Rich Authorization Requests (RFC 9396) for the operator's types: each detail checked against
 * its type's JSON Schema, sent only by clients whose metadata names the type, put in words for
 * the approval page, and carried into the code and its access token only when a second factor
 * passed in this very interaction approved them (refresh tokens carry none: an approval is for
 * one transaction, not for the refresh token's lifetime).
 */
export function createAuthorizationDetails(types: Types) {
  const ajv = new Ajv({ allErrors: false });
  const validators = new Map<string, ValidateFunction>();
  for (const [type, { schema }] of Object.entries(types)) {
    try {
      validators.set(type, ajv.compile(schema));
    } catch (error) {
      throw new TypeError(`authorizationDetailsTypes.${type}.schema is not a JSON Schema Stepup can use: ${(error as Error).message}`);
    }
  }

  function validate(type: string, detail: Record<string, unknown>, client: { authorizationDetailsTypes?: string[] }) {
    // oidc-provider lets a client without the metadata send any type: here it sends none
    if (!client.authorizationDetailsTypes?.includes(type)) {
      throw new errors.InvalidAuthorizationDetails(`authorization details type '${type}' is not allowed for this client`);
    }
    const valid = validators.get(type);
    if (!valid?.(detail)) {
      const [first] = valid?.errors ?? [];
      throw new errors.InvalidAuthorizationDetails(
        `authorization details of type '${type}' ${first ? `${first.instancePath || 'object'} ${first.message}` : 'are not valid'}`,
      );
    }
  }

  return {
    enabled: validators.size > 0,

    /**
     * The transaction an authorization request asks the person to approve, or undefined: its
     * details as requested, their fingerprint, and a sentence for each detail (and all in one),
     * in `language` where the operator wrote the sentence in it (else in the `summary`'s words),
     * amounts in that language's way. The fingerprint is the same in every language.
     */
    approvalOf(params: Record<string, unknown> | undefined, language: Language = defaultLanguage): Approval | undefined {
      const requested = requestedDetails(params);
      if (requested === undefined) return undefined;
      const details = JSON.parse(requested) as { type: string }[];
      const sentenceOf = (type: string) => types[type]?.summaryIn[language] ?? types[type]?.summary ?? type;
      const summaries = details.map((detail) =>
        sentenceOf(detail.type).replace(/\{([\w.]+)\}/g, (_, path: string) => inWords(valueAt(detail, path), language)),
      );
      return { requested, fingerprint: fingerprintOf(requested), summaries, summary: summaries.join('; ') };
    },

    feature(): RarFeature {
      return {
        enabled: validators.size > 0,
        types: Object.fromEntries(
          [...validators.keys()].map((type) => [
            type,
            { validate: (_ctx, detail, client) => validate(type, detail, client as { authorizationDetailsTypes?: string[] }) },
          ]),
        ),
        authorizationDetailsForGrantSource: (ctx) => {
          const approved = approvedInResult(ctx);
          return approved ? JSON.parse(approved) : [];
        },
        authorizationDetailsForAccessToken: (_ctx, _token, source, grantType) =>
          grantType === 'authorization_code' ? ((source as { rar?: unknown[] }).rar ?? []) : [],
        authorizationDetailsForIntrospection: (_ctx, token) => (token as { rar?: unknown[] }).rar ?? [],
      } as RarFeature;
    },
  };
}

export type AuthorizationDetails = ReturnType<typeof createAuthorizationDetails>;

/** A transaction being approved: what the request wrote, its fingerprint, and what it is in words. */
export interface Approval {
  requested: string;
  fingerprint: string;
  summaries: string[];
  summary: string;
}
