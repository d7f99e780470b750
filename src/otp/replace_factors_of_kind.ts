import type { Factor, FactorKind, Store } from '../store/ports.ts';

/**
 * An account has one email and one SMS factor: a new address replaces the earlier ones of
 * its kind (`factor` null removes them), in one transaction, so a crash or a second change
 * at the same moment never leaves two addresses, or none where one was meant to be.
 */
export function replaceFactorsOfKind(transaction: Store['transaction'], accountId: string, kind: FactorKind, factor: Factor | null): Promise<void> {
  return transaction(accountId, async (tx) => {
    const earlier = (await tx.factors.listForAccount(accountId)).filter((f) => f.kind === kind);
    if (factor) await tx.factors.add(factor);
    for (const old of earlier) await tx.factors.remove(old.id);
  });
}
