/** Destinations as shown on pages and in logs: enough to recognise, not to harvest. */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at < 1) return '***';
  return `${address[0]}${'*'.repeat(Math.max(3, at - 1))}${address.slice(at)}`;
}

export function maskPhone(number: string): string {
  return `${number.slice(0, 2)}${'*'.repeat(Math.max(3, number.length - 6))}${number.slice(-4)}`;
}

export const maskDestination = (channel: 'email' | 'sms', to: string) => (channel === 'email' ? maskEmail(to) : maskPhone(to));
