import type { SnapshotCounts, Store } from '../store/ports.ts';

export interface MigrationReport {
  copied: SnapshotCounts;
  target: SnapshotCounts;
  /** an earlier copy into the target was cut off; it was deleted and the copy started over */
  startedOver: boolean;
}

export class MigrationError extends Error {}

/**
 * Copies accounts, clients, second factors, recovery codes and keys from one store to an
 * empty one, then checks that the target holds exactly what was copied, and only then marks
 * the copy finished (see MigrationPort). Sessions and tokens are not moved: people sign in
 * again after the switch. A target left by a copy that was cut off is emptied and filled anew.
 */
export async function migrate(source: Store, target: Store): Promise<MigrationReport> {
  const startedOver = await target.migration.unfinished();
  if (startedOver) await target.migration.discardUnfinished();
  const before = await target.migration.counts();
  if (Object.values(before).some((n) => n > 0)) {
    throw new MigrationError(`the target store is not empty (${describeCounts(before)}); migrate into a new database`);
  }
  const snapshot = await source.migration.read();
  await target.migration.write(snapshot);
  const copied = Object.fromEntries(Object.entries(snapshot).map(([key, rows]) => [key, (rows as unknown[]).length])) as SnapshotCounts;
  const after = await target.migration.counts();
  const mismatched = (Object.keys(copied) as (keyof SnapshotCounts)[]).filter((key) => copied[key] !== after[key]);
  if (mismatched.length) {
    throw new MigrationError(`verification failed for ${mismatched.join(', ')}: copied ${describeCounts(copied)}, target holds ${describeCounts(after)}`);
  }
  await target.migration.finish();
  return { copied, target: after, startedOver };
}

export const describeCounts = (counts: SnapshotCounts) =>
  Object.entries(counts)
    .map(([key, n]) => `${n} ${key}`)
    .join(', ');
