/**
 * The hash functions of the hash-based balance algorithms, bit-exact with
 * haproxy 2.6 (src/hash.c, include/haproxy/hash.h) so that a key lands on the
 * same server as in haproxy: `hash-type <method> <function> [avalanche]`
 * (configuration.txt §4.2 "hash-type") picks one of sdbm, djb2, wt6, crc32,
 * and `avalanche` passes the result through full_hash().
 *
 * Keys are bytes. A key given as a string is taken one byte per character
 * (latin1), which is how the HTTP parser keeps header and URI text, so no
 * Buffer is built on the pick path. All results are unsigned 32-bit numbers.
 *
 * Vectors recorded from haproxy 2.6 (`%[str(abc),sdbm]`...) are checked in
 * test/unit/lb/hash-functions.test.ts.
 */
import type { HashTypeConfig } from '../config/model/proxy.js';

/** A hash key: raw bytes, or a latin1 string (one byte per character). */
export type HashKey = Uint8Array | string;

/** The hash functions of `hash-type` (`none` is haproxy 2.7's, kept for `balance hash` on integers). */
export type HashFunctionName = 'sdbm' | 'djb2' | 'wt6' | 'crc32' | 'none';

/** A function from a key (or its bytes `[start, end)`) to its unsigned 32-bit hash. */
export type KeyHasher = (key: HashKey, start?: number, end?: number) => number;

/** hash.c hash_sdbm(): `hash = c + (hash << 6) + (hash << 16) - hash`, from 0. */
export function hashSdbm(key: HashKey, start = 0, end: number = key.length): number {
  let h = 0;
  if (typeof key === 'string') {
    for (let i = start; i < end; i++) h = ((key.charCodeAt(i) & 0xff) + (h << 6) + (h << 16) - h) | 0;
  } else {
    for (let i = start; i < end; i++) h = (key[i]! + (h << 6) + (h << 16) - h) | 0;
  }
  return h >>> 0;
}

/** hash.c hash_djb2(): `hash * 33 + c`, from 5381 (the C version is unrolled; same result). */
export function hashDjb2(key: HashKey, start = 0, end: number = key.length): number {
  let h = 5381;
  if (typeof key === 'string') {
    for (let i = start; i < end; i++) h = ((h << 5) + h + (key.charCodeAt(i) & 0xff)) | 0;
  } else {
    for (let i = start; i < end; i++) h = ((h << 5) + h + key[i]!) | 0;
  }
  return h >>> 0;
}

/**
 * hash.c hash_wt6(). The rotations shift by `32 - step` where step may be 0;
 * x86 masks shift counts to 5 bits, and so do JavaScript's shift operators,
 * so `x >>> 32` is `x` in both.
 */
export function hashWt6(key: HashKey, start = 0, end: number = key.length): number {
  let h0 = 0xa53c965a | 0;
  let h1 = 0x5ca6953a | 0;
  let step0 = 6;
  let step1 = 18;
  const str = typeof key === 'string';
  for (let i = start; i < end; i++) {
    let t = str ? (key as string).charCodeAt(i) & 0xff : (key as Uint8Array)[i]!;
    h0 = ~(h0 ^ t);
    h1 = ~((h1 + t) | 0);
    t = (h1 << step0) | (h1 >>> (32 - step0));
    h1 = (h0 << step1) | (h0 >>> (32 - step1));
    h0 = t;
    t = ((h0 >>> 16) ^ h1) & 0xffff;
    step0 = t & 0x1f;
    step1 = t >>> 11;
  }
  return (h0 ^ h1) >>> 0;
}

/**
 * hash.c hash_crc32(): the reflected CRC-32 (polynomial 0xedb88320, the
 * Ethernet/gzip one). hash.c computes it bit by bit to spare the cache; a
 * table gives the same values faster here.
 */
const CRC32_TABLE = ((): Int32Array => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** hash.c hash_crc32(). */
export function hashCrc32(key: HashKey, start = 0, end: number = key.length): number {
  let c = -1;
  if (typeof key === 'string') {
    for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ key.charCodeAt(i)) & 0xff]! ^ (c >>> 8);
  } else {
    for (let i = start; i < end; i++) c = CRC32_TABLE[(c ^ key[i]!) & 0xff]! ^ (c >>> 8);
  }
  return ~c >>> 0;
}

/**
 * The `none` hash function (haproxy 2.7+, backend.c gen_hash()): the key is
 * its own hash, read as a decimal integer like tools.c read_int64() (an
 * optional sign, then digits up to the first non-digit; saturated at
 * 2^64-1 like read_uint64), truncated to 32 bits.
 */
export function hashNone(key: HashKey, start = 0, end: number = key.length): number {
  const at = (i: number): number => (typeof key === 'string' ? key.charCodeAt(i) : key[i]!);
  let i = start;
  let neg = false;
  if (i < end && at(i) === 0x2d) {
    neg = true;
    i++;
  } else if (i < end && at(i) === 0x2b) {
    i++;
  }
  let v = 0n;
  const MAX = 0xffffffffffffffffn;
  for (; i < end; i++) {
    const d = at(i) - 0x30;
    if (d < 0 || d > 9) break;
    v = v * 10n + BigInt(d);
    if (v > MAX) v = MAX;
  }
  if (neg) v = -v;
  return Number(BigInt.asUintN(32, v));
}

/**
 * hash.h full_hash(): Bob Jenkins' full avalanche integer hash, then a
 * multiplication by 3221225473 ("a large prime close to 3/4 of the tree") so
 * that values spread all around the consistent-hashing tree.
 */
export function fullHash(x: number): number {
  let a = x | 0;
  a = (a + 0x7ed55d16 + (a << 12)) | 0;
  a = a ^ 0xc761c23c ^ (a >>> 19);
  a = (a + 0x165667b1 + (a << 5)) | 0;
  a = ((a + 0xd3a2646c) | 0) ^ (a << 9);
  a = (a + 0xfd7046c5 + (a << 3)) | 0;
  a = a ^ 0xb55a4f09 ^ (a >>> 16);
  return Math.imul(a, 3221225473 | 0) >>> 0;
}

const FUNCTIONS: Record<HashFunctionName, KeyHasher> = {
  sdbm: hashSdbm,
  djb2: hashDjb2,
  wt6: hashWt6,
  crc32: hashCrc32,
  none: hashNone,
};

/** The hash function named by `hash-type` (sdbm when none is given, §4.2 "hash-type"). */
export function hashFunction(name: HashFunctionName | undefined): KeyHasher {
  return FUNCTIONS[name ?? 'sdbm'];
}

/**
 * backend.c gen_hash(): the backend's hash function, followed by full_hash()
 * when `avalanche` is set. Without a `hash-type` line haproxy uses
 * `map-based sdbm` without avalanche.
 */
export function keyHasher(hashType: HashTypeConfig | undefined): KeyHasher {
  const fn = hashFunction(hashType?.function);
  if (hashType?.avalanche !== true) return fn;
  return (key, start, end) => fullHash(fn(key, start, end));
}

function parseIPv4(s: string, from = 0): number {
  let v = 0;
  let part = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      v = ((v << 8) | (part & 0xff)) >>> 0;
      part = 0;
    } else {
      part = part * 10 + (c - 0x30);
    }
  }
  return ((v << 8) | (part & 0xff)) >>> 0;
}

/** The 16 bytes of an IPv6 literal as four big-endian 32-bit words (zone id dropped). */
function ipv6Words(addr: string): [number, number, number, number] {
  let text = addr;
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  const groups: number[] = [];
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  let body = text;
  let v4: number | undefined;
  if (last.includes('.')) {
    // "::ffff:1.2.3.4": the dotted quad fills the last two groups.
    v4 = parseIPv4(last);
    body = text.slice(0, lastColon + 1);
    if (body.endsWith(':') && !body.endsWith('::')) body = body.slice(0, -1);
  }
  const dbl = body.indexOf('::');
  const parse = (s: string, out: number[]): void => {
    if (s === '') return;
    for (const g of s.split(':')) out.push(parseInt(g, 16) & 0xffff);
  };
  if (dbl >= 0) {
    parse(body.slice(0, dbl), groups);
    parse(body.slice(dbl + 2), tail);
  } else {
    parse(body, groups);
  }
  if (v4 !== undefined) tail.push(v4 >>> 16, v4 & 0xffff);
  while (groups.length + tail.length < 8) groups.push(0);
  const all = groups.concat(tail);
  const w = (i: number): number => (((all[i] ?? 0) << 16) | (all[i + 1] ?? 0)) >>> 0;
  return [w(0), w(2), w(4), w(6)];
}

/**
 * backend.c get_server_sh(): the client address folded by XOR of its 32-bit
 * big-endian words: one word for IPv4, four for IPv6 (an IPv4-mapped address
 * on a dual-stack listener is IPv6 to haproxy too). `hash-type`'s function is
 * not applied ("FIXME: why don't we use gen_hash() here as well?"), only
 * `avalanche`, by the caller. Takes the address as Node reports it.
 */
export function sourceAddressHash(address: string): number {
  if (address.indexOf(':') < 0) return parseIPv4(address);
  const [a, b, c, d] = ipv6Words(address);
  return (a ^ b ^ c ^ d) >>> 0;
}
