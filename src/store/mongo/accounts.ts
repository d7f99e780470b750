import type { Db } from 'mongodb';
import type { Clock } from '../../clock.ts';
import type { Account } from '../../model/account.ts';
import { liveLockoutState } from '../../model/lockout.ts';
import { type AccountStore, DuplicateError } from '../ports.ts';
import { isDuplicateKey } from './database.ts';
import { type FactorDoc, toFactor } from './factors.ts';
import type { LockoutDoc } from './lockouts.ts';

export interface AccountDoc {
  _id: string;
  email: string;
  /** lower-cased email: the unique, case-insensitive key */
  emailKey: string;
  phone: string | null;
  passwordHash: string;
  disabled: boolean;
  /** absent in documents written before it existed: false */
  emailVerified?: boolean;
  profile?: Account['profile'];
  profileUpdatedAt?: number | null;
  roles?: string[];
  createdAt: number;
}

export const toAccount = ({ _id, emailKey: _key, emailVerified, profile, profileUpdatedAt, roles, ...rest }: AccountDoc): Account => ({
  id: _id,
  ...rest,
  emailVerified: emailVerified ?? false,
  profile: profile ?? {},
  profileUpdatedAt: profileUpdatedAt ?? null,
  roles: roles ?? [],
});
export const toAccountDoc = ({ id, ...rest }: Account): AccountDoc => ({ _id: id, ...rest, emailKey: rest.email.toLowerCase() });

/** The account with its factors, unused recovery codes and lockout state: one aggregate, one round trip. */
const withFacts = (id: string) => [
  { $match: { _id: id } },
  { $lookup: { from: 'factors', localField: '_id', foreignField: 'accountId', as: 'factsFactors' } },
  { $lookup: { from: 'recovery_codes', localField: '_id', foreignField: 'accountId', as: 'factsCodes' } },
  { $lookup: { from: 'lockouts', localField: '_id', foreignField: '_id', as: 'factsLockout' } },
  { $addFields: { factsUnusedCodes: { $size: { $filter: { input: '$factsCodes', cond: { $eq: [{ $ifNull: ['$$this.usedAt', null] }, null] } } } } } },
  { $project: { factsCodes: 0 } },
];

interface WithFactsDoc extends AccountDoc {
  factsFactors: FactorDoc[];
  factsUnusedCodes: number;
  factsLockout: LockoutDoc[];
}

export function mongoAccounts(db: Db, clock: Clock): AccountStore {
  const accounts = db.collection<AccountDoc>('accounts');
  return {
    async create(account) {
      const doc = toAccountDoc({ profile: {}, profileUpdatedAt: null, roles: [], ...account, disabled: false, emailVerified: account.emailVerified ?? false });
      try {
        await accounts.insertOne(doc);
      } catch (error) {
        if (isDuplicateKey(error)) throw new DuplicateError(`an account with email ${account.email} exists`);
        throw error;
      }
      return toAccount(doc);
    },
    async findById(id) {
      const doc = await accounts.findOne({ _id: id });
      return doc ? toAccount(doc) : null;
    },
    async findWithFacts(id) {
      const [doc] = await accounts.aggregate<WithFactsDoc>(withFacts(id)).toArray();
      if (!doc) return null;
      const { factsFactors, factsUnusedCodes, factsLockout, ...account } = doc;
      const lockout = factsLockout[0] ? liveLockoutState(factsLockout[0], clock.now()) : {};
      return {
        account: toAccount(account),
        factors: factsFactors.map(toFactor).sort((a, b) => a.createdAt - b.createdAt),
        unusedRecoveryCodes: factsUnusedCodes,
        lockout: Object.keys(lockout).length ? lockout : null,
      };
    },
    async findByEmail(email) {
      const doc = await accounts.findOne({ emailKey: email.toLowerCase() });
      return doc ? toAccount(doc) : null;
    },
    async list() {
      return (await accounts.find().sort({ emailKey: 1 }).toArray()).map(toAccount);
    },
    async updatePasswordHash(id, passwordHash) {
      await accounts.updateOne({ _id: id }, { $set: { passwordHash } });
    },
    async search({ text, limit, offset }) {
      const pattern = text === undefined ? null : new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'i');
      const filter = pattern ? { $or: [{ emailKey: pattern }, { phone: pattern }] } : {};
      const [docs, total] = await Promise.all([
        accounts.find(filter).sort({ emailKey: 1 }).skip(offset).limit(limit).toArray(),
        accounts.countDocuments(filter),
      ]);
      return { accounts: docs.map(toAccount), total };
    },
    async update(id, changes) {
      // only the fields given: the driver would store an undefined one as null
      const set: Partial<AccountDoc> = Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined));
      if (changes.email !== undefined) {
        set.emailKey = changes.email.toLowerCase();
        // FerretDB v1 reports a unique-index clash on update as a generic error, so look first;
        // the unique index still settles a race on a real MongoDB (code 11000)
        if (await accounts.findOne({ emailKey: set.emailKey, _id: { $ne: id } })) throw new DuplicateError(`an account with email ${changes.email} exists`);
      }
      try {
        await accounts.updateOne({ _id: id }, { $set: set });
      } catch (error) {
        if (isDuplicateKey(error)) throw new DuplicateError(`an account with email ${changes.email} exists`);
        throw error;
      }
      const doc = await accounts.findOne({ _id: id });
      return doc ? toAccount(doc) : null;
    },
  };
}
