/**
 * Implementations of the encoding and type-shaping converters of
 * configuration.txt §7.3.1 (sample.c, base64.c): base64 variants, hex,
 * bytes, be2dec/be2hex, htonl, ipmask, dates.
 */
import { registerConverterImpls, conv, argBigInt, argInt, argStr, hasArg, type ConverterImpl } from '../impl-registry.js';
import { castSample, parseIpv6, type Sample } from '../sample.js';
import type { SampleArg } from '../types.js';
import { gmtime, localtime, strftime } from './strftime.js';

function bin(v: Buffer, flags: number): Sample {
  return { type: 'bin', value: v, flags };
}
function str(v: string, flags: number): Sample {
  return { type: 'str', value: v, flags };
}
function bytesIn(s: Sample): Buffer {
  return s.type === 'bin' ? s.value : Buffer.from(s.type === 'str' || s.type === 'meth' ? s.value : '', 'latin1');
}
function textIn(s: Sample): string {
  return s.type === 'str' ? s.value : s.type === 'bin' ? s.value.toString('latin1') : '';
}
function intIn(s: Sample): bigint {
  return s.type === 'sint' ? s.value : s.type === 'bool' ? (s.value ? 1n : 0n) : 0n;
}

const HEX = '0123456789ABCDEF';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const REV = new Int8Array(256).fill(-1);
const REVURL = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) {
  REV[B64.charCodeAt(i)] = i;
  REVURL[B64URL.charCodeAt(i)] = i;
}
REV[0x3d] = 64;
// base64.c base64urlrev[] decodes '=' as 63 (verified: `str(aGk=),ub64dec,hex` is 68693F)
REVURL[0x3d] = 63;

/**
 * base64.c base64dec(): a length multiple of 4, padding only at the end of
 * a quantum ("XX==" or "XXX=", never "X===" or "a=k="); undefined on any
 * other input.
 */
export function base64Decode(s: string): Buffer | undefined {
  if (s.length % 4 !== 0) return undefined;
  const out: number[] = [];
  const t = [0, 0, 0, 0];
  let i = 0;
  let pad = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    const b = c < 256 ? REV[c]! : -1;
    if (b < 0) return undefined;
    if (pad > 0 && b !== 64) return undefined;
    if (b === 64 && i < 2) return undefined;
    if (b === 64) pad++;
    t[i++] = b & 63;
    if (i === 4) {
      const bytes = [((t[0]! << 2) + (t[1]! >> 4)) & 0xff, ((t[1]! << 4) + (t[2]! >> 2)) & 0xff, ((t[2]! << 6) + t[3]!) & 0xff];
      for (let j = 0; j < 3 - pad; j++) out.push(bytes[j]!);
      pad = 0;
      i = 0;
    }
  }
  return Buffer.from(out);
}

/** base64.c base64urldec(): the URL alphabet, missing padding implied (length % 4 != 1). */
export function base64UrlDecode(s: string): Buffer | undefined {
  const rem = s.length % 4;
  if (rem === 1) return undefined;
  const n = s.length;
  const total = n + (rem === 0 ? 0 : 4 - rem);
  const out: number[] = [];
  const t = [0, 0, 0, 0];
  const padlen = total - n;
  let i = 0;
  for (let k = 0; k < total; k++) {
    let b = 0;
    if (k < n) {
      const c = s.charCodeAt(k);
      b = c < 256 ? REVURL[c]! : -1;
      if (b < 0) return undefined;
    }
    t[i++] = b;
    if (i === 4) {
      const bytes = [((t[0]! << 2) + (t[1]! >> 4)) & 0xff, ((t[1]! << 4) + (t[2]! >> 2)) & 0xff, ((t[2]! << 6) + t[3]!) & 0xff];
      const keep = k === total - 1 ? 3 - padlen : 3;
      for (let j = 0; j < keep; j++) out.push(bytes[j]!);
      i = 0;
    }
  }
  return Buffer.from(out);
}

/** sample.c sample_conv_be2dec(): one unsigned number per `chunk` bytes, separated. */
export function be2dec(b: Uint8Array, sep: string, chunk: number, truncate: boolean): string {
  const last = truncate ? b.length - chunk + 1 : b.length;
  let out = '';
  let ptr = 0;
  while (ptr < last) {
    if (ptr) out += sep;
    let n = 0n;
    for (let i = 0; i < chunk && ptr < b.length; i++) n = (n << 8n) + BigInt(b[ptr++]!);
    out += n.toString();
  }
  return out;
}

/** sample.c sample_conv_be2hex(): uppercase hex, a separator every `chunk` bytes. */
export function be2hex(b: Uint8Array, sep: string, chunkArg: number, truncate: boolean): string {
  let chunk = chunkArg;
  const last = truncate ? b.length - chunk + 1 : b.length;
  if ((sep.length === 0 && !truncate) || chunk <= 0) chunk = b.length;
  let out = '';
  let ptr = 0;
  while (ptr < last) {
    if (ptr) out += sep;
    for (let i = 0; i < chunk && ptr < b.length; i++) {
      const c = b[ptr++]!;
      out += HEX[c >> 4]! + HEX[c & 15]!;
    }
  }
  return out;
}

/** The 16-byte mask of an `ipmask` IPv6 argument (prefix length or address form). */
function mask6(args: readonly SampleArg[]): Buffer | undefined {
  const a = args[1];
  if (a === undefined || a.type !== 'msk6') return undefined;
  if (a.bits >= 0) {
    const m = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) {
      const keep = Math.max(0, Math.min(8, a.bits - i * 8));
      m[i] = (0xff << (8 - keep)) & 0xff;
    }
    return m;
  }
  return parseIpv6(a.value);
}

const DAY = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** ltime/utime: strftime() of the input date plus an offset in seconds. */
function timeConv(local: boolean): ConverterImpl {
  return {
    compile: (args) => {
      const fmt = argStr(args, 0);
      const offset = argBigInt(args, 1);
      return (s) => {
        const t = intIn(s) + offset;
        if (t > 8640000000000n || t < -8640000000000n) return undefined;
        const tm = local ? localtime(Number(t)) : gmtime(Number(t));
        return tm === undefined ? undefined : str(strftime(fmt, tm), s.flags);
      };
    },
  };
}

/**
 * glibc gmtime() beyond the range of JS dates: negative inputs masked to 55
 * bits land there (`int(-12),http_date` is "Sun, 13 Jun 1141709097 06:25:56
 * GMT" in haproxy 2.6). Days to civil date after H. Hinnant's days_from_civil
 * inverse; every intermediate value stays below 2^53.
 */
function farGmtime(v: bigint): { year: number; month: number; mday: number; hour: number; min: number; sec: number; wday: number } {
  const days = Number(v / 86400n);
  const rem = Number(v % 86400n);
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const mday = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 2 : mp - 10;
  const year = yoe + era * 400 + (month <= 1 ? 1 : 0);
  return { year, month, mday, hour: Math.floor(rem / 3600), min: Math.floor(rem / 60) % 60, sec: rem % 60, wday: (days + 4) % 7 };
}

export const ENCODING_CONVERTER_IMPLS: Readonly<Record<string, ConverterImpl>> = {
  base64: conv((s) => str(bytesIn(s).toString('base64'), s.flags)),
  b64dec: conv((s) => {
    const b = base64Decode(textIn(s));
    return b === undefined ? undefined : bin(b, s.flags);
  }),
  ub64enc: conv((s) => str(bytesIn(s).toString('base64url'), s.flags)),
  ub64dec: conv((s) => {
    const b = base64UrlDecode(textIn(s));
    return b === undefined ? undefined : bin(b, s.flags);
  }),
  // sample.c sample_conv_bin2hex(): uppercase
  hex: conv((s) => str(bytesIn(s).toString('hex').toUpperCase(), s.flags)),
  // sample.c sample_conv_hex2int(): any non-hex character fails; wraps at 64 bits
  hex2i: conv((s) => {
    const t = textIn(s);
    if (!/^[0-9A-Fa-f]*$/.test(t)) return undefined;
    return { type: 'sint', value: t === '' ? 0n : BigInt.asIntN(64, BigInt('0x' + t)), flags: s.flags };
  }),
  // sample.c sample_conv_htonl(): the low 32 bits, big endian
  htonl: conv((s) => {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(Number(BigInt.asUintN(32, intIn(s))));
    return bin(b, s.flags);
  }),
  // sample.c sample_conv_bytes(): from offset, at most length bytes (a view, no copy)
  bytes: {
    compile: (args) => {
      const off = argInt(args, 0);
      const len = hasArg(args, 1) ? argInt(args, 1) : undefined;
      return (s) => {
        const b = bytesIn(s);
        if (off < 0 || b.length <= off) return bin(b.subarray(0, 0), s.flags);
        let end = b.length;
        if (len !== undefined && len >= 0 && len < end - off) end = off + len;
        return bin(b.subarray(off, end), s.flags);
      };
    },
  },
  be2dec: {
    compile: (args) => {
      const sep = argStr(args, 0);
      const chunk = argInt(args, 1, 1);
      const trunc = argInt(args, 2) !== 0;
      return (s) => str(be2dec(bytesIn(s), sep, chunk, trunc), s.flags);
    },
  },
  be2hex: {
    compile: (args) => {
      const sep = argStr(args, 0);
      const chunk = argInt(args, 1);
      const trunc = argInt(args, 2) !== 0;
      return (s) => str(be2hex(bytesIn(s), sep, chunk, trunc), s.flags);
    },
  },
  // sample.c sample_conv_ipmask(): IPv4-mapped addresses are masked as IPv4; other IPv6 need <mask6>
  ipmask: {
    compile: (args) => {
      const a0 = args[0];
      const m4 = a0 !== undefined && a0.type === 'msk4' ? a0.mask >>> 0 : 0xffffffff;
      const m6 = mask6(args);
      return (s) => {
        let x: Sample | undefined = s;
        if (s.type === 'ipv6') {
          const v4 = castSample(s, 'ipv4');
          if (v4 !== undefined) x = v4;
        }
        if (x.type === 'ipv4') return { type: 'ipv4', value: (x.value & m4) >>> 0, flags: s.flags };
        if (x.type === 'ipv6') {
          if (m6 === undefined) return undefined;
          const out = Buffer.allocUnsafe(16);
          for (let i = 0; i < 16; i++) out[i] = x.value[i]! & m6[i]!;
          return { type: 'ipv6', value: out, flags: s.flags };
        }
        return undefined;
      };
    },
  },
  ltime: timeConv(true),
  utime: timeConv(false),
  // sample.c sample_conv_http_date(): IMF-fixdate; with ms/us units the fraction follows the seconds
  http_date: {
    compile: (args) => {
      const offset = argBigInt(args, 0);
      const unit = argStr(args, 1, 's');
      return (s) => {
        let v = intIn(s) + offset;
        let frac = 0n;
        if (unit === 'ms') {
          frac = v % 1000n;
          v /= 1000n;
        } else if (unit === 'us') {
          frac = v % 1000000n;
          v /= 1000000n;
        }
        // "with high numbers, the date returned can be negative, the 55 bits mask prevent this"
        v &= 0x007fffffffffffffn;
        const tm = v > 8640000000000n ? farGmtime(v) : gmtime(Number(v));
        if (tm === undefined) return undefined;
        const p2 = (n: number): string => String(n).padStart(2, '0');
        const base = `${DAY[tm.wday]!}, ${p2(tm.mday)} ${MON[tm.month]!} ${String(tm.year).padStart(4, '0')} ${p2(tm.hour)}:${p2(tm.min)}:${p2(tm.sec)}`;
        return str(unit === 's' ? `${base} GMT` : `${base}.${frac} GMT`, s.flags);
      };
    },
  },
};

registerConverterImpls(ENCODING_CONVERTER_IMPLS);
