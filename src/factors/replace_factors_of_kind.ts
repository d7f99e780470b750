import type { Factor, FactorKind } from '../model/factor.ts';
import type { FactorStore } from '../store/ports.ts';

/**
 * An account has one email and one SMS factor: a new address replaces the earlier ones of
 * its kind (`factor` null removes them). Called inside a transaction (Store.transaction), so a
 * crash or a second change at the same moment never leaves two addresses, or none where one
 * was meant to be.
 */
export async function replaceFactorsOfKind(tx: { factors: FactorStore }, accountId: string, kind: FactorKind, factor: Factor | null): Promise<void> {
  const earlier = (await tx.factors.listForAccount(accountId)).filter((f) => f.kind === kind);
  if (factor) await tx.factors.add(factor);
  for (const old of earlier) await tx.factors.remove(old.id);
}
