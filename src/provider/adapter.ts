import { type Adapter, type AdapterPayload, errors } from 'oidc-provider';
import type { Clock } from '../clock.ts';
import type { Cipher } from '../security/cipher.ts';
import type { ClientStore, RecordStore, StoredRecord } from '../store/ports.ts';

/**
 * The account a record belongs to, so that ending an account's sessions finds it: tokens,
 * grants and sessions name it; an interaction names it in its session or its login result.
 */
function accountIdOf(payload: AdapterPayload): string | undefined {
  const interaction = payload as { session?: { accountId?: string }; result?: { login?: { accountId?: string } } };
  return payload.accountId ?? interaction.session?.accountId ?? interaction.result?.login?.accountId;
}

/** oidc-provider's models stored through our ports; `Client` comes from the client store. */
export function createAdapterClass(records: RecordStore, clients: ClientStore, cipher: Cipher, clock: Clock): new (model: string) => Adapter {
  // oidc-provider looks the client up several times per sign-in; decrypt each secret once
  const secrets = new Map<string, string>();
  const secretOf = (ciphertext: string) => {
    let secret = secrets.get(ciphertext);
    if (secret === undefined) {
      if (secrets.size >= 1000) secrets.clear();
      secret = cipher.decrypt(ciphertext);
      secrets.set(ciphertext, secret);
    }
    return secret;
  };

  const toPayload = (record: StoredRecord | null): AdapterPayload | undefined => {
    if (!record) return undefined;
    const payload = record.payload as AdapterPayload;
    return record.consumedAt === null ? payload : { ...payload, consumed: Math.floor(record.consumedAt / 1000) };
  };

  return class StoreAdapter implements Adapter {
    private readonly model: string;

    constructor(model: string) {
      this.model = model;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number) {
      const expiresAt = expiresIn ? clock.now() + expiresIn * 1000 : null;
      const index = { grantId: payload.grantId, uid: payload.uid, userCode: payload.userCode, accountId: accountIdOf(payload) };
      await records.upsert(this.model, id, payload as Record<string, unknown>, expiresAt, index);
    }

    async find(id: string) {
      if (this.model === 'Client') {
        const client = await clients.find(id);
        if (!client) return undefined;
        const secret = client.secretCiphertext ? { client_secret: secretOf(client.secretCiphertext) } : {};
        return { ...client.metadata, ...secret, client_id: client.clientId } as AdapterPayload;
      }
      return toPayload(await records.find(this.model, id));
    }

    async findByUid(uid: string) {
      return toPayload(await records.findBy(this.model, 'uid', uid));
    }

    async findByUserCode(userCode: string) {
      return toPayload(await records.findBy(this.model, 'userCode', userCode));
    }

    /**
     * oidc-provider refuses a code or token it reads as consumed, but two requests (on two
     * processes, say) can both read it unused: the one whose conditional write loses is
     * refused here, so a code is exchanged once.
     */
    async consume(id: string) {
      if (!(await records.consume(this.model, id, clock.now()))) throw new errors.InvalidGrant(`${this.model} already used`);
    }

    async destroy(id: string) {
      await records.destroy(this.model, id);
    }

    async revokeByGrantId(grantId: string) {
      await records.revokeByGrantId(this.model, grantId);
    }
  };
}
