import { isIPv4, isIPv6 } from 'node:net';

/** Whether `cidr` is a network an admin may list: an IPv4 or IPv6 address with an optional prefix length. */
export function isCidr(cidr: string): boolean {
  const [address = '', bits, extra] = cidr.split('/');
  if (extra !== undefined) return false;
  const max = isIPv4(address) ? 32 : isIPv6(address) ? 128 : -1;
  if (max < 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
}
