/**
 * The hash functions of HAProxy's hash.c and import/xxhash.h, bit-exact:
 * `balance hash`, `hash-type`, stick tables and the sdbm/djb2/wt6/crc32/
 * crc32c/xxh32/xxh64/xxh3 converters must give the values HAProxy gives
 * (verified against haproxy 2.6 with `%[str(...),xxh3]`-style formats, see
 * test/compat/sample/eval.test.ts).
 *
 * 32-bit hashes return unsigned numbers; 64-bit ones return unsigned bigints
 * (callers turn them into signed samples with BigInt.asIntN(64, h)).
 */

/** hash.c hash_sdbm(). */
export function sdbm(b: Uint8Array): number {
  let h = 0;
  for (let i = 0; i < b.length; i++) h = (b[i]! + (h << 6) + (h << 16) - h) >>> 0;
  return h;
}

/** hash.c hash_djb2(): h * 33 + c, from 5381. */
export function djb2(b: Uint8Array): number {
  let h = 5381;
  for (let i = 0; i < b.length; i++) h = (((h << 5) >>> 0) + h + b[i]!) >>> 0;
  return h;
}

/**
 * hash.c hash_wt6(). The rotations use C shifts by (32 - step) where step may
 * be 0: x86 masks the count, which `>>>` does too.
 */
export function wt6(b: Uint8Array): number {
  let h0 = 0xa53c965a;
  let h1 = 0x5ca6953a;
  let step0 = 6;
  let step1 = 18;
  for (let i = 0; i < b.length; i++) {
    let t = b[i]!;
    h0 = ~(h0 ^ t) >>> 0;
    h1 = ~(h1 + t) >>> 0;
    t = ((h1 << step0) | (h1 >>> (32 - step0))) >>> 0;
    h1 = ((h0 << step1) | (h0 >>> (32 - step1))) >>> 0;
    h0 = t;
    t = ((h0 >>> 16) ^ h1) & 0xffff;
    step0 = t & 0x1f;
    step1 = t >>> 11;
  }
  return (h0 ^ h1) >>> 0;
}

function crcTable(poly: number): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ poly : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}
const CRC32_TABLE = crcTable(0xedb88320);
const CRC32C_TABLE = crcTable(0x82f63b78);

/** hash.c hash_crc32(): the Ethernet/gzip CRC32 (computed here with a table, same result). */
export function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC32_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** hash.c hash_crc32c(): CRC32C (Castagnoli, RFC 4960 appendix B). */
export function crc32c(b: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC32C_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** lb_*.h full_hash(): Bob Jenkins' full avalanche, then a multiplication by 3221225473. */
export function fullHash(a: number): number {
  a = (a + 0x7ed55d16 + (a << 12)) >>> 0;
  a = (a ^ 0xc761c23c ^ (a >>> 19)) >>> 0;
  a = (a + 0x165667b1 + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = (a + 0xfd7046c5 + (a << 3)) >>> 0;
  a = (a ^ 0xb55a4f09 ^ (a >>> 16)) >>> 0;
  return Math.imul(a, 3221225473 | 0) >>> 0;
}

// ---------------------------------------------------------------------------
// xxHash (import/xxhash.h, v0.8)
// ---------------------------------------------------------------------------

const P32_1 = 0x9e3779b1;
const P32_2 = 0x85ebca77;
const P32_3 = 0xc2b2ae3d;
const P32_4 = 0x27d4eb2f;
const P32_5 = 0x165667b1;

function rotl32(x: number, r: number): number {
  return ((x << r) | (x >>> (32 - r))) >>> 0;
}
function rd32(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}
function round32(acc: number, input: number): number {
  acc = (acc + Math.imul(input, P32_2)) >>> 0;
  return Math.imul(rotl32(acc, 13), P32_1) >>> 0;
}

/** XXH32(input, seed). */
export function xxh32(b: Uint8Array, seed = 0): number {
  seed >>>= 0;
  const len = b.length;
  let i = 0;
  let h: number;
  if (len >= 16) {
    let v1 = (seed + P32_1 + P32_2) >>> 0;
    let v2 = (seed + P32_2) >>> 0;
    let v3 = seed;
    let v4 = (seed - P32_1) >>> 0;
    for (; i + 16 <= len; i += 16) {
      v1 = round32(v1, rd32(b, i));
      v2 = round32(v2, rd32(b, i + 4));
      v3 = round32(v3, rd32(b, i + 8));
      v4 = round32(v4, rd32(b, i + 12));
    }
    h = (rotl32(v1, 1) + rotl32(v2, 7) + rotl32(v3, 12) + rotl32(v4, 18)) >>> 0;
  } else h = (seed + P32_5) >>> 0;
  h = (h + len) >>> 0;
  for (; i + 4 <= len; i += 4) {
    h = (h + Math.imul(rd32(b, i), P32_3)) >>> 0;
    h = Math.imul(rotl32(h, 17), P32_4) >>> 0;
  }
  for (; i < len; i++) {
    h = (h + Math.imul(b[i]!, P32_5)) >>> 0;
    h = Math.imul(rotl32(h, 11), P32_1) >>> 0;
  }
  h ^= h >>> 15;
  h = Math.imul(h, P32_2) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, P32_3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

const M64 = 0xffffffffffffffffn;
const P64_1 = 0x9e3779b185ebca87n;
const P64_2 = 0xc2b2ae3d27d4eb4fn;
const P64_3 = 0x165667b19e3779f9n;
const P64_4 = 0x85ebca77c2b2ae63n;
const P64_5 = 0x27d4eb2f165667c5n;

function rotl64(x: bigint, r: bigint): bigint {
  return ((x << r) | (x >> (64n - r))) & M64;
}
function rd64(b: Uint8Array, i: number): bigint {
  return (BigInt(rd32(b, i + 4)) << 32n) | BigInt(rd32(b, i));
}
function round64(acc: bigint, input: bigint): bigint {
  acc = (acc + input * P64_2) & M64;
  return (rotl64(acc, 31n) * P64_1) & M64;
}
function mergeRound64(acc: bigint, val: bigint): bigint {
  acc ^= round64(0n, val);
  return (acc * P64_1 + P64_4) & M64;
}
function avalanche64(h: bigint): bigint {
  h ^= h >> 33n;
  h = (h * P64_2) & M64;
  h ^= h >> 29n;
  h = (h * P64_3) & M64;
  h ^= h >> 32n;
  return h;
}

/** XXH64(input, seed), unsigned. */
export function xxh64(b: Uint8Array, seed: bigint = 0n): bigint {
  seed &= M64;
  const len = b.length;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P64_1 + P64_2) & M64;
    let v2 = (seed + P64_2) & M64;
    let v3 = seed;
    let v4 = (seed - P64_1) & M64;
    for (; i + 32 <= len; i += 32) {
      v1 = round64(v1, rd64(b, i));
      v2 = round64(v2, rd64(b, i + 8));
      v3 = round64(v3, rd64(b, i + 16));
      v4 = round64(v4, rd64(b, i + 24));
    }
    h = (rotl64(v1, 1n) + rotl64(v2, 7n) + rotl64(v3, 12n) + rotl64(v4, 18n)) & M64;
    h = mergeRound64(h, v1);
    h = mergeRound64(h, v2);
    h = mergeRound64(h, v3);
    h = mergeRound64(h, v4);
  } else h = (seed + P64_5) & M64;
  h = (h + BigInt(len)) & M64;
  for (; i + 8 <= len; i += 8) {
    h ^= round64(0n, rd64(b, i));
    h = (rotl64(h, 27n) * P64_1 + P64_4) & M64;
  }
  if (i + 4 <= len) {
    h ^= (BigInt(rd32(b, i)) * P64_1) & M64;
    h = (rotl64(h, 23n) * P64_2 + P64_3) & M64;
    i += 4;
  }
  for (; i < len; i++) {
    h ^= (BigInt(b[i]!) * P64_5) & M64;
    h = (rotl64(h, 11n) * P64_1) & M64;
  }
  return avalanche64(h);
}

/** xxhash.h XXH3_kSecret: the default 192-byte secret. */
const K_SECRET = Buffer.from(
  'b8fe6c3923a44bbe7c01812cf721ad1cded46de9839097db7240a4a4b7b3671fcb79e64eccc0e578825ad07dccff7221' +
    'b8084674f743248ee03590e6813a264c3c2852bb91c300cb88d0658b1b532ea371644897a20df94e3819ef46a9deacd8' +
    'a8fa763fe39c343ff9dcbbc7c70b4f1d8a51e04bcdb45931c89f7ec9d9787364eac5ac8334d3ebc3c581a0fffa1363eb' +
    '170ddd51b7f0da49d316552629d4689e2b16be587d47a1fc8ff8b8d17ad031ce45cb3a8f95160428afd7fbcabb4b407e',
  'hex',
);
const PRIME_MX1 = 0x165667919e3779f9n;
const PRIME_MX2 = 0x9fb21c651e98df25n;
const P32_1n = BigInt(P32_1);
const P32_2n = BigInt(P32_2);
const P32_3n = BigInt(P32_3);

function mulFold64(a: bigint, b: bigint): bigint {
  const p = a * b;
  return (p & M64) ^ ((p >> 64n) & M64);
}
function xxh3Avalanche(h: bigint): bigint {
  h ^= h >> 37n;
  h = (h * PRIME_MX1) & M64;
  return h ^ (h >> 32n);
}
function swap32(x: number): number {
  return (((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
}
function swap64(x: bigint): bigint {
  let r = 0n;
  for (let i = 0; i < 8; i++) {
    r = (r << 8n) | (x & 0xffn);
    x >>= 8n;
  }
  return r;
}
function mix16B(b: Uint8Array, i: number, s: Uint8Array, si: number, seed: bigint): bigint {
  const lo = rd64(b, i);
  const hi = rd64(b, i + 8);
  return mulFold64(lo ^ ((rd64(s, si) + seed) & M64), hi ^ ((rd64(s, si + 8) - seed) & M64));
}

function xxh3Len0to16(b: Uint8Array, s: Uint8Array, seed: bigint): bigint {
  const len = b.length;
  if (len > 8) {
    const bitflip1 = ((rd64(s, 24) ^ rd64(s, 32)) + seed) & M64;
    const bitflip2 = ((rd64(s, 40) ^ rd64(s, 48)) - seed) & M64;
    const lo = rd64(b, 0) ^ bitflip1;
    const hi = rd64(b, len - 8) ^ bitflip2;
    const acc = (BigInt(len) + swap64(lo) + hi + mulFold64(lo, hi)) & M64;
    return xxh3Avalanche(acc);
  }
  if (len >= 4) {
    const sd = seed ^ (BigInt(swap32(Number(seed & 0xffffffffn))) << 32n);
    const in1 = BigInt(rd32(b, 0));
    const in2 = BigInt(rd32(b, len - 4));
    const bitflip = ((rd64(s, 8) ^ rd64(s, 16)) - sd) & M64;
    const input64 = (in2 + (in1 << 32n)) & M64;
    let h = input64 ^ bitflip;
    // XXH3_rrmxmx
    h ^= rotl64(h, 49n) ^ rotl64(h, 24n);
    h = (h * PRIME_MX2) & M64;
    h ^= ((h >> 35n) + BigInt(len)) & M64;
    h = (h * PRIME_MX2) & M64;
    return h ^ (h >> 28n);
  }
  if (len > 0) {
    const c1 = b[0]!;
    const c2 = b[len >> 1]!;
    const c3 = b[len - 1]!;
    const combined = ((c1 << 16) | (c2 << 24) | c3 | (len << 8)) >>> 0;
    const bitflip = (BigInt((rd32(s, 0) ^ rd32(s, 4)) >>> 0) + seed) & M64;
    return avalanche64(BigInt(combined) ^ bitflip);
  }
  return avalanche64(seed ^ rd64(s, 56) ^ rd64(s, 64));
}

function xxh3Len17to128(b: Uint8Array, s: Uint8Array, seed: bigint): bigint {
  const len = b.length;
  let acc = (BigInt(len) * P64_1) & M64;
  if (len > 32) {
    if (len > 64) {
      if (len > 96) {
        acc += mix16B(b, 48, s, 96, seed);
        acc += mix16B(b, len - 64, s, 112, seed);
      }
      acc += mix16B(b, 32, s, 64, seed);
      acc += mix16B(b, len - 48, s, 80, seed);
    }
    acc += mix16B(b, 16, s, 32, seed);
    acc += mix16B(b, len - 32, s, 48, seed);
  }
  acc += mix16B(b, 0, s, 0, seed);
  acc += mix16B(b, len - 16, s, 16, seed);
  return xxh3Avalanche(acc & M64);
}

function xxh3Len129to240(b: Uint8Array, s: Uint8Array, seed: bigint): bigint {
  const len = b.length;
  let acc = (BigInt(len) * P64_1) & M64;
  const nbRounds = len >> 4;
  for (let i = 0; i < 8; i++) acc += mix16B(b, 16 * i, s, 16 * i, seed);
  acc = xxh3Avalanche(acc & M64);
  // XXH3_MIDSIZE_STARTOFFSET = 3, XXH3_MIDSIZE_LASTOFFSET = 17, XXH3_SECRET_SIZE_MIN = 136
  for (let i = 8; i < nbRounds; i++) acc += mix16B(b, 16 * i, s, 16 * (i - 8) + 3, seed);
  acc += mix16B(b, len - 16, s, 136 - 17, seed);
  return xxh3Avalanche(acc & M64);
}

function accumulate512(acc: bigint[], b: Uint8Array, i: number, s: Uint8Array, si: number): void {
  for (let k = 0; k < 8; k++) {
    const dataVal = rd64(b, i + 8 * k);
    const dataKey = dataVal ^ rd64(s, si + 8 * k);
    acc[k ^ 1] = (acc[k ^ 1]! + dataVal) & M64;
    acc[k] = (acc[k]! + (dataKey & 0xffffffffn) * (dataKey >> 32n)) & M64;
  }
}

function scrambleAcc(acc: bigint[], s: Uint8Array, si: number): void {
  for (let k = 0; k < 8; k++) {
    let a = acc[k]!;
    a ^= a >> 47n;
    a ^= rd64(s, si + 8 * k);
    acc[k] = (a * P32_1n) & M64;
  }
}

function xxh3HashLong(b: Uint8Array, s: Uint8Array): bigint {
  const len = b.length;
  const secretSize = s.length;
  const acc = [P32_3n, P64_1, P64_2, P64_3, P64_4, P32_2n, P64_5, P32_1n];
  const stripesPerBlock = (secretSize - 64) >> 3;
  const blockLen = 64 * stripesPerBlock;
  const nbBlocks = Math.floor((len - 1) / blockLen);
  for (let n = 0; n < nbBlocks; n++) {
    for (let st = 0; st < stripesPerBlock; st++) accumulate512(acc, b, n * blockLen + st * 64, s, st * 8);
    scrambleAcc(acc, s, secretSize - 64);
  }
  const nbStripes = Math.floor((len - 1 - blockLen * nbBlocks) / 64);
  for (let st = 0; st < nbStripes; st++) accumulate512(acc, b, nbBlocks * blockLen + st * 64, s, st * 8);
  // XXH_SECRET_LASTACC_START = 7
  accumulate512(acc, b, len - 64, s, secretSize - 64 - 7);
  // XXH3_mergeAccs with XXH_SECRET_MERGEACCS_START = 11
  let result = (BigInt(len) * P64_1) & M64;
  for (let k = 0; k < 4; k++) result += mulFold64(acc[2 * k]! ^ rd64(s, 11 + 16 * k), acc[2 * k + 1]! ^ rd64(s, 11 + 16 * k + 8));
  return xxh3Avalanche(result & M64);
}

/** XXH3_64bits_withSeed(input, seed), unsigned. */
export function xxh3(b: Uint8Array, seed: bigint = 0n): bigint {
  seed &= M64;
  const len = b.length;
  if (len <= 16) return xxh3Len0to16(b, K_SECRET, seed);
  if (len <= 128) return xxh3Len17to128(b, K_SECRET, seed);
  if (len <= 240) return xxh3Len129to240(b, K_SECRET, seed);
  if (seed === 0n) return xxh3HashLong(b, K_SECRET);
  // XXH3_initCustomSecret: the default secret shifted by the seed
  const custom = Buffer.allocUnsafe(K_SECRET.length);
  for (let i = 0; i < K_SECRET.length; i += 16) {
    custom.writeBigUInt64LE((K_SECRET.readBigUInt64LE(i) + seed) & M64, i);
    custom.writeBigUInt64LE((K_SECRET.readBigUInt64LE(i + 8) - seed) & M64, i + 8);
  }
  return xxh3HashLong(b, custom);
}
