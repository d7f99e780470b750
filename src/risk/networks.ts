import { BlockList, isIPv4, isIPv6 } from 'node:net';

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as Node reports IPv4 peers on a dual-stack socket) as IPv4. */
export function plainIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return mapped ? (mapped[1] as string) : ip;
}

/**
 * The network an address is in, as adaptive step-up compares them: its IPv4 /24 or IPv6 /48
 * (a home or office keeps its prefix as the last bits change). Null for what is not an address.
 */
export function networkOf(address: string): string | null {
  const ip = plainIp(address);
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(ip)) return null;
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 3)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/48`;
}

/** An admin's list of networks (CIDR), for "always ask" and "never ask". */
export function networkList(cidrs: string[]): { has(address: string): boolean } {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [address = '', bits] = cidr.split('/');
    const family = isIPv4(address) ? 'ipv4' : 'ipv6';
    list.addSubnet(address, Number(bits ?? (family === 'ipv4' ? 32 : 128)), family);
  }
  return {
    has(address: string) {
      const ip = plainIp(address);
      if (isIPv4(ip)) return list.check(ip, 'ipv4');
      return isIPv6(ip) && list.check(ip, 'ipv6');
    },
  };
}
