import { type AddressInfo, createServer } from 'node:net';

/** A port free on 127.0.0.1 now, for a server a bench script starts. */
export const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
