import type { Db } from 'mongodb';
import type { Delivery } from '../../model/factor.ts';
import type { DeliveryLogStore } from '../ports.ts';

type DeliveryDoc = Omit<Delivery, 'id'> & { _id: string };

const toDelivery = ({ _id, ...rest }: DeliveryDoc): Delivery => ({ id: _id, ...rest });

export function mongoDeliveries(db: Db): DeliveryLogStore {
  const deliveries = db.collection<DeliveryDoc>('deliveries');
  return {
    async add({ id, ...rest }) {
      await deliveries.insertOne({ _id: id, ...rest });
    },
    async updateStatus(providerMessageId, status) {
      return (await deliveries.updateMany({ providerMessageId }, { $set: { status } })).modifiedCount > 0;
    },
    async listForAccount(accountId, limit) {
      return (await deliveries.find({ accountId }).sort({ createdAt: -1 }).limit(limit).toArray()).map(toDelivery);
    },
    async list(q) {
      const createdAt = { $gte: q.since ?? 0, $lt: q.until ?? Number.MAX_SAFE_INTEGER };
      return (
        await deliveries
          .find({ createdAt })
          .sort({ createdAt: -1, _id: 1 })
          .skip(q.offset ?? 0)
          .limit(q.limit)
          .toArray()
      ).map(toDelivery);
    },
  };
}
