export default async function globalTeardown() {
  await globalThis.stepupMongoServer?.stop();
}
