/** Where a profiled function lives, for summing a V8 CPU profile: its npm package, Stepup's src/ folder, Node's own, or V8's (native, GC, idle). */
export const placeOf = (url: string): string => {
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  if (url.includes('/src/')) return `src/${url.split('/src/')[1]!.split('/')[0]}`;
  return url.startsWith('node:') ? 'node' : url || '(native/gc/idle)';
};
