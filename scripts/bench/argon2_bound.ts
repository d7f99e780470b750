import argon2 from 'argon2';

/**
 * The argon2 bound: how many password verifications per second the cores this process is
 * pinned to can do at the given parameters. Prints JSON. Every sign-in costs one.
 */
const [memoryKiB, timeCost, parallelism, seconds, cores] = process.argv.slice(2).map(Number) as [number, number, number, number, number];
const options = { type: argon2.argon2id, memoryCost: memoryKiB, timeCost, parallelism } as const;
const hash = await argon2.hash('a password to verify', options);
const lanes = Math.max(2, cores * 2);

let done = 0;
const until = performance.now() + 1000;
// warm up the thread pool first
await Promise.all(
  Array.from({ length: lanes }, async () => {
    while (performance.now() < until) await argon2.verify(hash, 'a password to verify');
  }),
);
const start = performance.now();
const end = start + seconds * 1000;
await Promise.all(
  Array.from({ length: lanes }, async () => {
    while (performance.now() < end) {
      await argon2.verify(hash, 'a password to verify');
      done += 1;
    }
  }),
);
const perSecond = done / ((performance.now() - start) / 1000);
console.log(JSON.stringify({ perSecond, perSecondPerCore: perSecond / cores, cores }));
