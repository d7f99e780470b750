import { setTimeout as sleep } from 'node:timers/promises';
import { type Db, type MongoClient, MongoError } from 'mongodb';
import type { Store } from '../ports.ts';
import { isDuplicateKey } from './database.ts';
import { mongoFactors } from './factors.ts';
import { mongoRecoveryCodes } from './recovery_codes.ts';

const writeConflict = 112;
const maxAttempts = 10;

/**
 * A transaction that failed this way may simply run again. MongoDB labels such errors
 * TransientTransactionError, but a write conflict between two transactions comes back from
 * some servers (DocumentDB) as code 112 without the label.
 */
export const isTransient = (error: unknown) =>
  error instanceof MongoError && (error.hasErrorLabel('TransientTransactionError') || error.code === writeConflict);

/** One lock document per account, written first by each of its transactions. */
interface AccountLockDoc {
  _id: string;
  transactions: number;
}

export function mongoTransactions(client: MongoClient, db: Db): Store['transaction'] {
  const locks = db.collection<AccountLockDoc>('account_locks');

  return async (accountId, work) => {
    // made outside any transaction: two transactions inserting it at once would fail on its
    // key instead of conflicting
    await locks.updateOne({ _id: accountId }, { $setOnInsert: { transactions: 0 } }, { upsert: true }).catch((error: unknown) => {
      if (!isDuplicateKey(error)) throw error;
    });
    const session = client.startSession();
    try {
      for (let attempt = 1; ; attempt += 1) {
        session.startTransaction();
        try {
          // Snapshot isolation lets two transactions that each read the account's factors
          // and delete a different one both commit. Writing one document first makes them
          // conflict: the later one fails and runs again on what the first committed.
          await locks.updateOne({ _id: accountId }, { $inc: { transactions: 1 } }, { session });
          const result = await work({ factors: mongoFactors(db, session), recoveryCodes: mongoRecoveryCodes(db, session) });
          await session.commitTransaction();
          return result;
        } catch (error) {
          if (session.inTransaction()) await session.abortTransaction().catch(() => undefined);
          if (!isTransient(error) || attempt === maxAttempts) throw error;
          await sleep(Math.random() * 20 * attempt);
        }
      }
    } finally {
      await session.endSession();
    }
  };
}
