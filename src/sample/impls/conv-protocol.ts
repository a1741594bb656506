/**
 * Protocol decoders of configuration.txt §7.3.1: json_query (sample.c
 * sample_conv_json_query() on top of the bundled mjson). The other protocol
 * converters (protobuf, ungrpc, fix_*, mqtt_*, jwt_*) are not implemented
 * yet and are reported at load time.
 *
 * mjson behaviours kept (verified with haproxy 2.6): the first of duplicate
 * keys wins; numbers are what strtod() accepts (so `0x10` is a number) and
 * print with "%g", or go through strtoll(token, NULL, 0) with output type
 * "int"; booleans are booleans; null, objects and arrays are "not found";
 * strings are unescaped, `\u00XX` giving the byte XX, other `\u` escapes
 * and `\/` making the string invalid.
 */
import { registerConverterImpls, argStr, type ConverterImpl } from '../impl-registry.js';
import { smpBool, type Sample } from '../sample.js';

type Tok = { kind: 'num' | 'str' | 'true' | 'false' | 'null' | 'obj' | 'arr'; start: number; end: number };

function ws(s: string, i: number): number {
  while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  return i;
}

/** The length strtod() would consume at `i` (decimal or hexadecimal floats). */
function numberLength(s: string, i: number): number {
  const rest = s.slice(i, i + 400);
  const m = /^[+-]?(?:0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?\d+)?|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(rest);
  return m === null ? 0 : m[0].length;
}

function stringEnd(s: string, i: number): number {
  // s[i] is the opening quote
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === '\\') j++;
    else if (s[j] === '"') return j + 1;
  }
  return -1;
}

/** Scans one value at `i`; returns its token (containers span to their closing bracket) or undefined. */
function scanValue(s: string, i: number, depth = 0): Tok | undefined {
  if (depth > 64) return undefined;
  i = ws(s, i);
  const c = s[i];
  if (c === undefined) return undefined;
  if (c === '"') {
    const e = stringEnd(s, i);
    return e < 0 ? undefined : { kind: 'str', start: i, end: e };
  }
  if (c === '{' || c === '[') {
    const close = c === '{' ? '}' : ']';
    let j = ws(s, i + 1);
    if (s[j] === close) return { kind: c === '{' ? 'obj' : 'arr', start: i, end: j + 1 };
    for (;;) {
      if (c === '{') {
        if (s[j] !== '"') return undefined;
        const ke = stringEnd(s, j);
        if (ke < 0) return undefined;
        j = ws(s, ke);
        if (s[j] !== ':') return undefined;
        j++;
      }
      const v = scanValue(s, j, depth + 1);
      if (v === undefined) return undefined;
      j = ws(s, v.end);
      if (s[j] === ',') {
        j = ws(s, j + 1);
        continue;
      }
      if (s[j] === close) return { kind: c === '{' ? 'obj' : 'arr', start: i, end: j + 1 };
      return undefined;
    }
  }
  if (c === '-' || (c >= '0' && c <= '9')) {
    const n = numberLength(s, i);
    return n === 0 ? undefined : { kind: 'num', start: i, end: i + n };
  }
  for (const lit of ['true', 'false', 'null'] as const) if (s.startsWith(lit, i)) return { kind: lit, start: i, end: i + lit.length };
  return undefined;
}

type Seg = { key: string } | { index: number };

/** A JSON path: "$", ".key" (a backslash escapes the next character), "[n]". */
export function parseJsonPath(p: string): Seg[] | undefined {
  if (!p.startsWith('$')) return undefined;
  const segs: Seg[] = [];
  let i = 1;
  while (i < p.length) {
    if (p[i] === '.') {
      i++;
      let key = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') {
        if (p[i] === '\\' && i + 1 < p.length) i++;
        key += p[i];
        i++;
      }
      segs.push({ key });
    } else if (p[i] === '[') {
      const m = /^\[(\d+)\]/.exec(p.slice(i));
      if (m === null) return undefined;
      segs.push({ index: Number(m[1]) });
      i += m[0].length;
    } else return undefined;
  }
  return segs;
}

/** mjson_find(): the token at `path`, walking objects key by key (first duplicate wins). */
export function jsonFind(s: string, path: readonly Seg[]): Tok | undefined {
  let i = ws(s, 0);
  for (const seg of path) {
    const c = s[i];
    if ('key' in seg) {
      if (c !== '{') return undefined;
      let j = ws(s, i + 1);
      let found = -1;
      while (s[j] === '"') {
        const ke = stringEnd(s, j);
        if (ke < 0) return undefined;
        const key = s.slice(j + 1, ke - 1);
        j = ws(s, ke);
        if (s[j] !== ':') return undefined;
        j = ws(s, j + 1);
        if (key === seg.key) {
          found = j;
          break;
        }
        const v = scanValue(s, j);
        if (v === undefined) return undefined;
        j = ws(s, v.end);
        if (s[j] !== ',') return undefined;
        j = ws(s, j + 1);
      }
      if (found < 0) return undefined;
      i = found;
    } else {
      if (c !== '[') return undefined;
      let j = ws(s, i + 1);
      for (let n = 0; n < seg.index; n++) {
        const v = scanValue(s, j);
        if (v === undefined) return undefined;
        j = ws(s, v.end);
        if (s[j] !== ',') return undefined;
        j = ws(s, j + 1);
      }
      if (s[j] === ']') return undefined;
      i = j;
    }
  }
  return scanValue(s, i);
}

/** mjson_unescape(): `\u00XX` is one byte, other `\u` escapes and unknown escapes (`\/`) fail. */
function unescape(raw: string): string | undefined {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = raw[i + 1];
    if (n === 'u' && i + 5 < raw.length) {
      if (raw[i + 2] !== '0' || raw[i + 3] !== '0') return undefined;
      const h = raw.slice(i + 4, i + 6);
      if (!/^[0-9a-fA-F]{2}$/.test(h)) return undefined;
      out += String.fromCharCode(parseInt(h, 16));
      i += 5;
      continue;
    }
    const map: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', '\\': '\\', '"': '"' };
    const m = n === undefined ? undefined : map[n];
    if (m === undefined) return undefined;
    out += m;
    i++;
  }
  return out;
}

/**
 * The exact decimal digits of a double (no leading zeros) and the power of
 * ten of the first one. toFixed() gives exact digits for the magnitudes
 * JSON bodies carry; others fall back to 21 significant digits.
 */
function exactDigits(v: number): { digits: string; exp: number } {
  const a = Math.abs(v);
  if (a < 1e21 && a >= 1e-80) {
    const t = a.toFixed(100);
    const dot = t.indexOf('.');
    const all = t.slice(0, dot) + t.slice(dot + 1);
    const lead = all.search(/[1-9]/);
    return { digits: all.slice(lead).replace(/0+$/, ''), exp: dot - lead - 1 };
  }
  const [m, e] = a.toExponential(20).split('e') as [string, string];
  return { digits: m.replace('.', '').replace(/0+$/, ''), exp: Number(e) };
}

/**
 * printf("%g", v) as glibc prints it: 6 significant digits rounded half to
 * even on the exact binary value, exponent form below 1e-4 or from 1e6,
 * trailing zeros removed.
 */
export function formatG(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const P = 6;
  let { digits, exp } = exactDigits(v);
  if (digits.length > P) {
    const head = digits.slice(0, P);
    const rest = digits.slice(P);
    let up = rest[0]! > '5' || (rest[0] === '5' && (/[1-9]/.test(rest.slice(1)) || Number(head[P - 1]) % 2 === 1));
    if (rest[0]! < '5') up = false;
    let n = BigInt(head);
    if (up) n += 1n;
    digits = n.toString();
    if (digits.length > P) {
      exp++;
      digits = digits.slice(0, P);
    }
  }
  digits = digits.padEnd(P, '0');
  const sign = v < 0 ? '-' : '';
  const trim = (t: string): string => (t.includes('.') ? t.replace(/0+$/, '').replace(/\.$/, '') : t);
  if (exp < -4 || exp >= P) {
    const m = trim(`${digits[0]!}.${digits.slice(1)}`);
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  let fixed: string;
  if (exp >= 0) fixed = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else fixed = `0.${'0'.repeat(-exp - 1)}${digits}`;
  return sign + trim(fixed);
}

/** strtoll(token, NULL, 0): sign, 0x hex, 0 octal, decimal; undefined on overflow (ERANGE). */
function strtoll0(t: string): bigint | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)?/.exec(t);
  const body = m?.[2];
  if (body === undefined) return 0n;
  const v = body.startsWith('0x') || body.startsWith('0X') ? BigInt(body) : body.length > 1 && body.startsWith('0') ? BigInt(`0o${body.slice(1)}`) : BigInt(body);
  const r = m![1] === '-' ? -v : v;
  if (r > 0x7fffffffffffffffn || r < -0x8000000000000000n) return undefined;
  return r;
}

export const PROTOCOL_CONVERTER_IMPLS: Readonly<Record<string, ConverterImpl>> = {
  json_query: {
    compile: (args) => {
      const path = parseJsonPath(argStr(args, 0));
      if (path === undefined) return `invalid JSON path '${argStr(args, 0)}'`;
      const asInt = argStr(args, 1) === 'int';
      return (s): Sample | undefined => {
        if (s.type !== 'str') return undefined;
        const t = jsonFind(s.value, path);
        if (t === undefined) return undefined;
        const raw = s.value.slice(t.start, t.end);
        switch (t.kind) {
          case 'num': {
            if (asInt) {
              const v = strtoll0(raw);
              return v === undefined ? undefined : { type: 'sint', value: v, flags: s.flags };
            }
            const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)/.exec(raw);
            const d = hex !== null ? (hex[1] === '-' ? -1 : 1) * parseInt(hex[2] || '0', 16) : Number(raw);
            return { type: 'str', value: formatG(d), flags: s.flags };
          }
          case 'true':
            return smpBool(true);
          case 'false':
            return smpBool(false);
          case 'str': {
            const u = unescape(raw.slice(1, -1));
            return u === undefined ? undefined : { type: 'str', value: u, flags: s.flags };
          }
          default:
            return undefined;
        }
      };
    },
  },
};

registerConverterImpls(PROTOCOL_CONVERTER_IMPLS);
