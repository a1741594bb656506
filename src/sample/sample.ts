/**
 * The run-time sample: a typed value flowing through a compiled expression
 * (HAProxy's `struct sample` / `union sample_value`), and the casts between
 * sample types (sample.c sample_casts[][]).
 *
 * Representation choices, all byte-exact with HAProxy:
 *   - `sint` is a `bigint` kept within signed 64 bits: HAProxy's integers are
 *     `long long` and hashes such as xxh64 use the full range.
 *   - `bool` is a JS boolean (HAProxy keeps 0/1 in `sint`).
 *   - `ipv4` is the address as an unsigned 32-bit number in host order.
 *   - `ipv6` is a 16-byte Buffer in network order.
 *   - `str` and `meth` are byte strings (one UTF-16 unit per byte, "latin1"),
 *     like every string read from the configuration.
 *   - `bin` is a Buffer, possibly a view into a connection buffer: whoever
 *     keeps it beyond the evaluation must copy it.
 * Samples are immutable once built; converters return new ones.
 */
import { formatIPv6 } from '../net/inet-ntop.js';
import { isIpv6 } from './expression.js';
import type { SampleType } from './types.js';

/** sample.h SMP_F_MAY_CHANGE: the value may differ once more data arrives. */
export const F_MAY_CHANGE = 1;

export type Sample =
  | { readonly type: 'bool'; readonly value: boolean; readonly flags: number }
  | { readonly type: 'sint'; readonly value: bigint; readonly flags: number }
  | { readonly type: 'ipv4'; readonly value: number; readonly flags: number }
  | { readonly type: 'ipv6'; readonly value: Buffer; readonly flags: number }
  | { readonly type: 'str'; readonly value: string; readonly flags: number }
  | { readonly type: 'bin'; readonly value: Buffer; readonly flags: number }
  | { readonly type: 'meth'; readonly value: string; readonly flags: number };

/** The types a sample can have at run time (`any` and `addr` only exist at parse time). */
export type RuntimeType = Sample['type'];

export type BoolSample = Extract<Sample, { type: 'bool' }>;
export type IntSample = Extract<Sample, { type: 'sint' }>;
export type Ipv4Sample = Extract<Sample, { type: 'ipv4' }>;
export type Ipv6Sample = Extract<Sample, { type: 'ipv6' }>;
export type StrSample = Extract<Sample, { type: 'str' }>;
export type BinSample = Extract<Sample, { type: 'bin' }>;
export type MethSample = Extract<Sample, { type: 'meth' }>;

export const LLONG_MAX = 0x7fffffffffffffffn;
export const LLONG_MIN = -0x8000000000000000n;

export const SMP_TRUE: BoolSample = Object.freeze({ type: 'bool', value: true, flags: 0 });
export const SMP_FALSE: BoolSample = Object.freeze({ type: 'bool', value: false, flags: 0 });

export function smpBool(v: boolean): BoolSample {
  return v ? SMP_TRUE : SMP_FALSE;
}
/** An integer sample; the value is wrapped to signed 64 bits. */
export function smpInt(v: bigint): IntSample {
  return { type: 'sint', value: BigInt.asIntN(64, v), flags: 0 };
}
/** An integer sample from a JS number (counters, lengths): truncated toward zero. */
export function smpNum(v: number): IntSample {
  return { type: 'sint', value: BigInt(Math.trunc(v)), flags: 0 };
}
export function smpIpv4(v: number): Ipv4Sample {
  return { type: 'ipv4', value: v >>> 0, flags: 0 };
}
export function smpIpv6(v: Buffer): Ipv6Sample {
  return { type: 'ipv6', value: v, flags: 0 };
}
export function smpStr(v: string): StrSample {
  return { type: 'str', value: v, flags: 0 };
}
export function smpBin(v: Buffer): BinSample {
  return { type: 'bin', value: v, flags: 0 };
}
export function smpMeth(v: string): MethSample {
  return { type: 'meth', value: v, flags: 0 };
}

/** The same sample with SMP_F_MAY_CHANGE set (a copy: samples are shared and immutable). */
export function withMayChange(s: Sample): Sample {
  return s.flags & F_MAY_CHANGE ? s : ({ ...s, flags: s.flags | F_MAY_CHANGE } as Sample);
}

/** The sample's data as a byte string: the contents of str/bin/meth samples (casting others). */
export function bytesOf(s: Sample): Buffer {
  switch (s.type) {
    case 'bin':
      return s.value;
    case 'str':
    case 'meth':
      return Buffer.from(s.value, 'latin1');
    default: {
      const c = castSample(s, 'bin');
      return c !== undefined && c.type === 'bin' ? c.value : Buffer.alloc(0);
    }
  }
}

// ---------------------------------------------------------------------------
// Conversions used by the casts (tools.c, sample.c)
// ---------------------------------------------------------------------------

/**
 * tools.c read_int64(): optional sign, then digits up to the first other
 * character; saturates at LLONG_MIN/LLONG_MAX (read_uint64 clamps to ULLONG_MAX).
 */
export function readInt64(s: string): bigint {
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  } else if (s.charCodeAt(0) === 43) i = 1;
  const start = i;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) break;
    i++;
  }
  if (i === start) return 0n;
  // Short numbers are exact as doubles: avoid BigInt parsing on the common path.
  let v = i - start <= 15 ? BigInt(Number(s.slice(start, i))) : BigInt(s.slice(start, i));
  if (v > 0xffffffffffffffffn) v = 0xffffffffffffffffn;
  if (neg) return v > 0x8000000000000000n ? LLONG_MIN : -v;
  return v > LLONG_MAX ? LLONG_MAX : v;
}

/**
 * tools.c buf2ip(): four dotted decimal numbers (leading zeros allowed);
 * parsing stops at the first character that is neither a digit nor a dot
 * ("1.2.3.4abc" is 1.2.3.4). Returns the address in host order.
 */
export function buf2ip(s: string): number | undefined {
  let octets = 0;
  let saw = false;
  let cur = 0;
  let acc = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    const d = ch - 48;
    if ((d < 0 || d > 9) && ch !== 46) break;
    if (d >= 0 && d <= 9) {
      cur = cur * 10 + d;
      if (cur > 255) return undefined;
      if (!saw) {
        if (++octets > 4) return undefined;
        saw = true;
      }
    } else if (saw) {
      if (octets === 4) return undefined;
      acc = acc * 256 + cur;
      cur = 0;
      saw = false;
    } else return undefined;
  }
  if (octets < 4) return undefined;
  return (acc * 256 + cur) >>> 0;
}

/** inet_pton(AF_INET6) into 16 bytes; undefined when `s` is not an IPv6 address. */
export function parseIpv6(s: string): Buffer | undefined {
  if (!isIpv6(s)) return undefined;
  const out = Buffer.alloc(16);
  let text = s;
  let tail4: number | undefined;
  if (s.includes('.')) {
    const c = s.lastIndexOf(':');
    tail4 = buf2ip(s.slice(c + 1));
    if (tail4 === undefined) return undefined;
    text = s.slice(0, c + 1) + '0:0';
  }
  const dbl = text.indexOf('::');
  const part = (x: string): number[] => (x === '' ? [] : x.split(':').map((h) => parseInt(h, 16)));
  let words: number[];
  if (dbl >= 0) {
    const l = part(text.slice(0, dbl));
    const r = part(text.slice(dbl + 2));
    words = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  } else words = part(text);
  if (words.length !== 8) return undefined;
  for (let i = 0; i < 8; i++) out.writeUInt16BE(words[i]!, i * 2);
  if (tail4 !== undefined) out.writeUInt32BE(tail4, 12);
  return out;
}

/** inet_ntop(AF_INET) of a host-order address. */
export function ipv4ToString(v: number): string {
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

/**
 * glibc inet_ntop(AF_INET6): lowercase, the longest run (first on ties) of
 * two or more zero words becomes "::", and an IPv4 tail is printed dotted for
 * "::a.b.c.d" (96 zero bits) and "::ffff:a.b.c.d".
 */
export function ipv6ToString(b: Uint8Array): string {
  return formatIPv6(b, 0);
}

/** tools.c v4tov6(): the IPv4-mapped IPv6 address ::ffff:a.b.c.d. */
export function v4tov6(v: number): Buffer {
  const b = Buffer.alloc(16);
  b[10] = 0xff;
  b[11] = 0xff;
  b.writeUInt32BE(v >>> 0, 12);
  return b;
}

/**
 * tools.c v6tov4() as used by the casts: only IPv4-mapped addresses
 * (::ffff:a.b.c.d) convert (verified: `ipv6(2002:102:304::),ipmask(8)` and
 * `ipv6(::1.2.3.4),ipmask(8)` fail with HAProxy 2.6).
 */
export function v6tov4(b: Uint8Array): number | undefined {
  for (let i = 0; i < 10; i++) if (b[i] !== 0) return undefined;
  if (b[10] !== 0xff || b[11] !== 0xff) return undefined;
  return ((b[12]! << 24) | (b[13]! << 16) | (b[14]! << 8) | b[15]!) >>> 0;
}

/** sample.c c_int2bin(): the 64-bit big-endian representation. */
function int2bin(v: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigInt64BE(v);
  return b;
}

/** HTTP methods HAProxy knows by name (http.c http_known_methods[]); others are "OTHER". */
export const KNOWN_METHODS: ReadonlySet<string> = new Set(['OPTIONS', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT']);

// ---------------------------------------------------------------------------
// sample_casts[][]
// ---------------------------------------------------------------------------

/**
 * Converts `s` to the requested type as sample.c sample_convert() does, or
 * returns undefined when there is no cast or it fails (e.g. an empty string
 * to an integer, a non-address string to an address). Casting to `any`, or
 * to the sample's own type, returns it unchanged. `addr` accepts IPv4 and
 * IPv6 samples as they are.
 */
export function castSample(s: Sample, to: SampleType): Sample | undefined {
  if (to === 'any' || to === s.type) return s;
  const f = s.flags;
  switch (s.type) {
    case 'bool':
      switch (to) {
        case 'sint':
          return { type: 'sint', value: s.value ? 1n : 0n, flags: f };
        case 'str':
          return { type: 'str', value: s.value ? '1' : '0', flags: f };
        case 'bin':
          return { type: 'bin', value: int2bin(s.value ? 1n : 0n), flags: f };
        default:
          return undefined;
      }
    case 'sint':
      switch (to) {
        case 'bool':
          return s.value !== 0n ? (f ? { type: 'bool', value: true, flags: f } : SMP_TRUE) : f ? { type: 'bool', value: false, flags: f } : SMP_FALSE;
        case 'addr':
        case 'ipv4':
          // c_int2ip: the low 32 bits
          return { type: 'ipv4', value: Number(BigInt.asUintN(32, s.value)), flags: f };
        case 'ipv6':
          return { type: 'ipv6', value: v4tov6(Number(BigInt.asUintN(32, s.value))), flags: f };
        case 'str':
          return { type: 'str', value: s.value.toString(), flags: f };
        case 'bin':
          return { type: 'bin', value: int2bin(s.value), flags: f };
        default:
          return undefined;
      }
    case 'ipv4':
      switch (to) {
        case 'sint':
          return { type: 'sint', value: BigInt(s.value), flags: f };
        case 'addr':
          return s;
        case 'ipv6':
          return { type: 'ipv6', value: v4tov6(s.value), flags: f };
        case 'str':
          return { type: 'str', value: ipv4ToString(s.value), flags: f };
        case 'bin': {
          const b = Buffer.allocUnsafe(4);
          b.writeUInt32BE(s.value);
          return { type: 'bin', value: b, flags: f };
        }
        default:
          return undefined;
      }
    case 'ipv6':
      switch (to) {
        case 'addr':
          return s;
        case 'ipv4': {
          const v = v6tov4(s.value);
          return v === undefined ? undefined : { type: 'ipv4', value: v, flags: f };
        }
        case 'str':
          return { type: 'str', value: ipv6ToString(s.value), flags: f };
        case 'bin':
          return { type: 'bin', value: s.value, flags: f };
        default:
          return undefined;
      }
    case 'str':
      switch (to) {
        case 'bool':
        case 'sint':
          // c_str2int: an empty string does not convert; the result stays an integer
          if (s.value.length === 0) return undefined;
          return { type: 'sint', value: readInt64(s.value), flags: f };
        case 'addr': {
          const v4 = buf2ip(s.value);
          if (v4 !== undefined) return { type: 'ipv4', value: v4, flags: f };
          const v6 = parseIpv6(s.value);
          return v6 === undefined ? undefined : { type: 'ipv6', value: v6, flags: f };
        }
        case 'ipv4': {
          const v4 = buf2ip(s.value);
          return v4 === undefined ? undefined : { type: 'ipv4', value: v4, flags: f };
        }
        case 'ipv6': {
          const v6 = parseIpv6(s.value);
          return v6 === undefined ? undefined : { type: 'ipv6', value: v6, flags: f };
        }
        case 'bin':
          return { type: 'bin', value: Buffer.from(s.value, 'latin1'), flags: f };
        case 'meth':
          return s.value.length === 0 ? undefined : { type: 'meth', value: s.value, flags: f };
        default:
          return undefined;
      }
    case 'bin':
      switch (to) {
        case 'str': {
          // c_bin2str: the string stops at the first NUL byte (verified:
          // `bin(41004243),length` is 1 with HAProxy 2.6)
          const z = s.value.indexOf(0);
          return { type: 'str', value: s.value.toString('latin1', 0, z < 0 ? s.value.length : z), flags: f };
        }
        case 'meth':
          return s.value.length === 0 ? undefined : { type: 'meth', value: s.value.toString('latin1'), flags: f };
        default:
          return undefined;
      }
    case 'meth':
      switch (to) {
        case 'str':
          return { type: 'str', value: s.value, flags: f };
        case 'bin':
          return { type: 'bin', value: Buffer.from(s.value, 'latin1'), flags: f };
        default:
          return undefined;
      }
  }
}

/**
 * The string a sample prints as in a log-format or a header value
 * (`sample_fetch_as_type(..., SMP_T_STR)`): the str cast, so binary samples
 * stop at their first NUL byte. Undefined when there is no cast.
 */
export function sampleToString(s: Sample): string | undefined {
  if (s.type === 'str') return s.value;
  const c = castSample(s, 'str');
  return c !== undefined && c.type === 'str' ? c.value : undefined;
}

/** Whether a value of run-time type `from` can be cast to `to` (sample_casts[from][to] != NULL). */
export function hasCast(from: RuntimeType, to: SampleType): boolean {
  if (to === 'any' || from === to) return true;
  switch (from) {
    case 'bool':
      return to === 'sint' || to === 'str' || to === 'bin';
    case 'sint':
      return to !== 'meth';
    case 'ipv4':
      return to !== 'bool' && to !== 'meth';
    case 'ipv6':
      return to === 'addr' || to === 'ipv4' || to === 'str' || to === 'bin';
    case 'str':
      return true;
    case 'bin':
      return to === 'str' || to === 'meth';
    case 'meth':
      return to === 'str' || to === 'bin';
  }
}

/** A short human-readable form of a sample, for tests and debug output. */
export function describeSample(s: Sample): string {
  switch (s.type) {
    case 'bin':
      return `bin:${s.value.toString('hex')}`;
    case 'ipv6':
      return `ipv6:${ipv6ToString(s.value)}`;
    case 'ipv4':
      return `ipv4:${ipv4ToString(s.value)}`;
    default:
      return `${s.type}:${String(s.value)}`;
  }
}
