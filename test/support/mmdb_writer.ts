import { writeFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';

/**
 * A small writer of MaxMind DB (format 2.0) files, so GeoIP tests build the database they read
 * instead of shipping MaxMind's. It follows https://maxmind.github.io/MaxMind-DB/: a binary search
 * tree over the address bits, 16 zero bytes, a data section, then a marker and the metadata.
 * Always an IPv6 tree of 32-bit records (the simplest record layout a reader must support), with
 * IPv4 networks at ::a.b.c.d/96+n, where MaxMind's readers look IPv4 addresses up.
 */

type Value = string | number | bigint | boolean | Value[] | { [key: string]: Value };

export interface MmdbNetwork {
  /** CIDR, IPv4 or IPv6: 203.0.113.0/24, 2001:db8::/32 */
  network: string;
  record: Record<string, unknown>;
}

const RECORD_SIZE = 32;
const METADATA_MARKER = Buffer.from('\xab\xcd\xefMaxMind.com', 'latin1');

/** A record of the tree: another node, a network's data, or nothing (the address is unknown). */
type Slot = { node: TreeNode } | { data: number } | null;
interface TreeNode {
  slots: [Slot, Slot];
}

export function writeMmdb(path: string, networks: MmdbNetwork[], options: { databaseType?: string } = {}): void {
  const data: Buffer[] = [];
  let dataSize = 0;
  const root: TreeNode = { slots: [null, null] };
  // broader networks first, so a narrower one inside them splits their leaf instead of being overwritten
  const parsed = networks.map(({ network, record }) => ({ ...parseCidr(network), record }));
  for (const { bits, prefix, record } of parsed.sort((a, b) => a.prefix - b.prefix)) {
    const encoded = encode(record as Value);
    insert(root, bits, prefix, dataSize);
    data.push(encoded);
    dataSize += encoded.length;
  }

  const nodes = numberNodes(root);
  const tree = Buffer.alloc(nodes.length * 8);
  const nodeCount = nodes.length;
  const numbers = new Map(nodes.map((node, index) => [node, index]));
  // a record's value: below node_count a node, node_count itself "no data", above it the data at
  // (value - node_count - 16) in the data section, 16 being the separator's length
  const recordValue = (slot: Slot): number => {
    if (slot === null) return nodeCount;
    if ('node' in slot) return numbers.get(slot.node) as number;
    return nodeCount + 16 + slot.data;
  };
  nodes.forEach((node, index) => {
    tree.writeUInt32BE(recordValue(node.slots[0]), index * 8);
    tree.writeUInt32BE(recordValue(node.slots[1]), index * 8 + 4);
  });

  const metadata = encode({
    node_count: nodeCount,
    record_size: RECORD_SIZE,
    ip_version: 6,
    database_type: options.databaseType ?? 'GeoLite2-City',
    languages: ['en'],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: BigInt(Math.floor(Date.now() / 1000)),
    description: { en: 'Stepup test database' },
  });
  writeFileSync(path, Buffer.concat([tree, Buffer.alloc(16), ...data, METADATA_MARKER, metadata]));
}

function insert(root: TreeNode, bits: number[], prefix: number, dataOffset: number): void {
  let node = root;
  for (let depth = 0; depth < prefix - 1; depth++) {
    const bit = bits[depth] as 0 | 1;
    const slot = node.slots[bit];
    if (slot !== null && 'node' in slot) {
      node = slot.node;
      continue;
    }
    // an empty record, or a broader network's data, which both halves below keep
    const child: TreeNode = { slots: [slot, slot] };
    node.slots[bit] = { node: child };
    node = child;
  }
  node.slots[bits[prefix - 1] as 0 | 1] = { data: dataOffset };
}

/** Breadth first from the root, which must be node 0. */
function numberNodes(root: TreeNode): TreeNode[] {
  const nodes = [root];
  for (let index = 0; index < nodes.length; index++) {
    for (const slot of (nodes[index] as TreeNode).slots) if (slot !== null && 'node' in slot) nodes.push(slot.node);
  }
  return nodes;
}

/** The network's 128 address bits (IPv4 mapped at ::/96) and its prefix length in that tree. */
function parseCidr(cidr: string): { bits: number[]; prefix: number } {
  const [address = '', length = ''] = cidr.split('/');
  let bytes: number[];
  let prefix = Number(length);
  if (isIPv4(address) && prefix >= 1 && prefix <= 32) {
    bytes = [...new Array<number>(12).fill(0), ...address.split('.').map(Number)];
    prefix += 96;
  } else if (isIPv6(address) && !address.includes('.') && prefix >= 1 && prefix <= 128) {
    const [head = '', tail] = address.split('::');
    const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16)));
    const left = groups(head);
    const right = tail === undefined ? [] : groups(tail);
    const words = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
    bytes = words.flatMap((word) => [word >> 8, word & 0xff]);
  } else {
    throw new Error(`not a CIDR network this writer takes: ${cidr}`);
  }
  return { bits: bytes.flatMap((byte) => [7, 6, 5, 4, 3, 2, 1, 0].map((shift) => (byte >> shift) & 1)), prefix };
}

// data types of the format; 8 and above are "extended" and written as 0 plus a second byte
const UTF8 = 2;
const DOUBLE = 3;
const UINT16 = 5;
const UINT32 = 6;
const MAP = 7;
const UINT64 = 9;
const ARRAY = 11;
const BOOLEAN = 14;

/**
 * JavaScript numbers have no integer type, so small whole numbers (geoname ids, accuracy radii)
 * become uint16 or uint32 and every other number a double; a reader gives back the same number.
 */
function encode(value: Value): Buffer {
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([control(UTF8, bytes.length), bytes]);
  }
  if (typeof value === 'boolean') return control(BOOLEAN, value ? 1 : 0);
  if (typeof value === 'bigint') return unsigned(UINT64, value);
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffff) return unsigned(UINT16, BigInt(value));
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) return unsigned(UINT32, BigInt(value));
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleBE(value);
    return Buffer.concat([control(DOUBLE, 8), bytes]);
  }
  if (Array.isArray(value)) return Buffer.concat([control(ARRAY, value.length), ...value.map(encode)]);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value);
    return Buffer.concat([control(MAP, entries.length), ...entries.flatMap(([key, item]) => [encode(key), encode(item)])]);
  }
  throw new Error(`the MaxMind DB writer cannot write ${String(value)}`);
}

/** Unsigned integers are big-endian in as few bytes as hold them (none for 0). */
function unsigned(type: number, value: bigint): Buffer {
  const bytes: number[] = [];
  for (let rest = value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

/**
 * The control byte: type in the top 3 bits, size in the low 5. Sizes of 29 and more spill into
 * 1 to 3 following bytes, which come after the extended type's byte when there is one.
 */
function control(type: number, size: number): Buffer {
  const extended = type > 7;
  let sizeBits: number;
  let sizeBytes: number[];
  if (size < 29) [sizeBits, sizeBytes] = [size, []];
  else if (size < 285) [sizeBits, sizeBytes] = [29, [size - 29]];
  else if (size < 65_821) [sizeBits, sizeBytes] = [30, [(size - 285) >> 8, (size - 285) & 0xff]];
  else [sizeBits, sizeBytes] = [31, [(size - 65_821) >> 16, ((size - 65_821) >> 8) & 0xff, (size - 65_821) & 0xff]];
  const head = ((extended ? 0 : type) << 5) | sizeBits;
  return Buffer.from([head, ...(extended ? [type - 7] : []), ...sizeBytes]);
}
