import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address a per-IP limit counts under. One IPv6 client holds a whole /64 (often more)
 * and may send each request from a new address of it, so IPv6 is counted per network
 * prefix; an IPv4-mapped address (::ffff:192.0.2.1, what a dual-stack socket reports for
 * IPv4) is the IPv4 address it carries.
 */
export function ipKey(ip: string, ipv6PrefixLength: number): string {
  if (isIPv4(ip)) return ip;
  const groups = ipv6Groups(ip);
  if (!groups) return ip;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  const masked = groups.map((group, i) => {
    const kept = ipv6PrefixLength - 16 * i;
    return kept >= 16 ? group : kept <= 0 ? 0 : group & (0xffff << (16 - kept)) & 0xffff;
  });
  return `${masked.map((g) => g.toString(16)).join(':')}/${ipv6PrefixLength}`;
}

/** The eight 16-bit groups of an IPv6 address (zone dropped), or null when it is none. */
function ipv6Groups(ip: string): number[] | null {
  const [address = ''] = ip.split('%');
  if (!isIPv6(address)) return null;
  // a trailing dotted IPv4 part is the last two groups
  const hex = address.replace(/(\d+)\.(\d+)\.(\d+)\.(\d+)$/, (_, a, b, c, d) =>
    [(Number(a) << 8) | Number(b), (Number(c) << 8) | Number(d)].map((g) => g.toString(16)).join(':'),
  );
  const [head, tail] = hex.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? front : [...front, ...new Array(8 - front.length - back.length).fill(0), ...back];
  return groups.length === 8 ? groups : null;
}
