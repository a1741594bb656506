/**
 * Implementations of the string converters of configuration.txt §7.3.1
 * (sample.c, http_conv.c). Strings are byte strings; case changes are ASCII
 * only, as in the "C" locale HAProxy runs with.
 */
import { timingSafeEqual } from 'node:crypto';
import { asciiLower, asciiUpper } from '../../acl/match.js';
import { compileRegex } from '../converters/patterns.js';
import { registerConverterImpls, conv, argInt, argRef, argStr, hasArg, type ConverterImpl } from '../impl-registry.js';
import { castSample, smpBool, smpNum, type Sample } from '../sample.js';
import { parseVarRef, readVar, type VarRef } from './util.js';

function str(v: string, flags: number): Sample {
  return { type: 'str', value: v, flags };
}

/** The string value of a sample already cast to `str` (bin input types give their bytes). */
function text(s: Sample): string {
  return s.type === 'str' || s.type === 'meth' ? s.value : s.type === 'bin' ? s.value.toString('latin1') : '';
}

/** A variable read and cast to a string (sample_conv_var2smp_str), or undefined. */
function varString(ctx: Parameters<typeof readVar>[0], ref: VarRef | undefined): string | undefined {
  if (ref === undefined) return undefined;
  const v = readVar(ctx, ref);
  if (v === undefined) return undefined;
  const c = castSample(v, 'str');
  return c === undefined || c.type !== 'str' ? undefined : c.value;
}

function charSet(chars: string): Set<number> {
  const s = new Set<number>();
  for (let i = 0; i < chars.length; i++) s.add(chars.charCodeAt(i));
  return s;
}

/** sample.c sample_conv_field(), ported step by step (negative indexes count from the end). */
export function field(input: string, index: number, delims: string, countArg: number | undefined): string | undefined {
  if (index === 0) return undefined;
  const isDelim = charSet(delims);
  let count = countArg ?? 1;
  let f: number;
  let start: number;
  let end: number;
  if (index < 0) {
    f = -1;
    end = start = input.length;
    let found = false;
    while (start > 0) {
      if (isDelim.has(input.charCodeAt(start - 1))) {
        if (f === index) {
          if (count === 1) {
            found = true;
            break;
          } else if (count > 1) count--;
        } else {
          end = start - 1;
          f--;
        }
      }
      start--;
    }
    if (!found && f !== index) return undefined;
  } else {
    f = 1;
    end = start = 0;
    let found = false;
    while (end < input.length) {
      if (isDelim.has(input.charCodeAt(end))) {
        if (f === index) {
          if (count === 1) {
            found = true;
            break;
          } else if (count > 1) count--;
        } else {
          start = end + 1;
          f++;
        }
      }
      end++;
    }
    if (!found && f !== index) return undefined;
  }
  return input.slice(start, end);
}

/** sample.c sample_conv_word(): like field() but runs of delimiters count as one and edges are ignored. */
export function word(input: string, index: number, delims: string, countArg: number | undefined): string | undefined {
  if (index === 0) return undefined;
  const isDelim = charSet(delims);
  let count = countArg ?? 1;
  let w = 0;
  let inword = false;
  let start: number;
  let end: number;
  if (index < 0) {
    end = start = input.length;
    while (start > 0) {
      const issep = isDelim.has(input.charCodeAt(start - 1));
      if (!inword) {
        if (!issep) {
          if (w !== index) {
            w--;
            end = start;
          }
          inword = true;
        }
      } else if (issep) {
        if (w === index) {
          if (count === 1) return input.slice(start, end);
          else if (count > 1) count--;
        }
        inword = false;
      }
      start--;
    }
  } else {
    end = start = 0;
    while (end < input.length) {
      const issep = isDelim.has(input.charCodeAt(end));
      if (!inword) {
        if (!issep) {
          if (w !== index) {
            w++;
            start = end;
          }
          inword = true;
        }
      } else if (issep) {
        if (w === index) {
          if (count === 1) return input.slice(start, end);
          else if (count > 1) count--;
        }
        inword = false;
      }
      end++;
    }
  }
  if (w !== index) return undefined;
  return input.slice(start, end);
}

/**
 * http_conv.c host_only/port_only: the port is what follows the last ':'
 * unless a ']' comes after it ("[::1]" has no port); verified with haproxy
 * 2.6 on "[::1]:80", "::1", "a:1:2", "[::1]x". Returns the ':' index or -1.
 */
function hostPort(h: string): number {
  for (let p = h.length - 1; p >= 0; p--) {
    const c = h.charCodeAt(p);
    if (c === 0x3a) return p;
    if (c === 0x5d) return -1;
  }
  return -1;
}

/** tools.h __strl2ui(): digits without validation ('x' counts as 72), wrapping at 32 bits. */
function strl2ui(s: string): number {
  let v = 0;
  for (let i = 0; i < s.length; i++) v = (Math.imul(v, 10) + (s.charCodeAt(i) - 48)) >>> 0;
  return v;
}

const HEX = '0123456789ABCDEF';

/**
 * utf8.c utf8_next(): the next code point, the bytes it takes, and error
 * bits (0x10 overlong, 0x20 invalid range, 0x40 bad sequence).
 */
function utf8Next(s: string, i: number): { c: number; len: number; code: number } {
  const left = s.length - i;
  const b = s.charCodeAt(i);
  let c: number;
  let dec: number;
  if (b <= 0x7f) return { c: b, len: 1, code: 0 };
  if (b <= 0xbf) return { c: b, len: 1, code: 0x40 };
  if (b <= 0xdf) {
    if (left < 2) return { c: b, len: 1, code: 0x40 };
    c = b & 0x1f;
    dec = 1;
  } else if (b <= 0xef) {
    if (left < 3) return { c: b, len: 1, code: 0x40 };
    c = b & 0x0f;
    dec = 2;
  } else if (b <= 0xf7) {
    if (left < 4) return { c: b, len: 1, code: 0x40 };
    c = b & 0x07;
    dec = 3;
  } else if (b <= 0xfb) {
    if (left < 5) return { c: b, len: 1, code: 0x40 };
    c = b & 0x03;
    dec = 4;
  } else if (b <= 0xfd) {
    if (left < 6) return { c: b, len: 1, code: 0x40 };
    c = b & 0x01;
    dec = 5;
  } else return { c: b, len: 1, code: 0x40 };
  let p = i + 1;
  while (dec > 0) {
    const n = s.charCodeAt(p);
    if ((n & 0xc0) !== 0x80) return { c, len: (p - i) & 0xf, code: 0x40 };
    c = c * 64 + (n & 0x3f);
    dec--;
    p++;
  }
  const n = p - i;
  let code = 0;
  if ((c <= 0x7f && n > 1) || (c >= 0x80 && c <= 0x7ff && n > 2) || (c >= 0x800 && c <= 0xffff && n > 3) || (c >= 0x10000 && c <= 0x1fffff && n > 4)) code |= 0x10;
  if ((c >= 0xd800 && c <= 0xdfff) || (c >= 0xfffe && c <= 0xffff)) code |= 0x20;
  return { c, len: n & 0xf, code };
}

type JsonInput = 'ascii' | 'utf8' | 'utf8s' | 'utf8p' | 'utf8ps';

/** sample.c sample_conv_json(): JSON string escaping, decoding the input as asked. */
export function jsonEscape(s: string, mode: JsonInput): string | undefined {
  let out = '';
  let i = 0;
  while (i < s.length) {
    let c: number;
    if (mode === 'ascii') {
      c = s.charCodeAt(i);
      i++;
    } else {
      const r = utf8Next(s, i);
      i += r.len === 0 ? 1 : r.len;
      c = r.c;
      if (mode === 'utf8' && r.code !== 0) return undefined;
      if (mode === 'utf8s' && r.code !== 0) continue;
      if (mode === 'utf8p' && r.code & 0x60) return undefined;
      if (mode === 'utf8ps' && r.code & 0x60) continue;
      if (c > 0xffff) {
        if (mode === 'utf8' || mode === 'utf8p') return undefined;
        continue;
      }
    }
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x2f: out += '\\/'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0d: out += '\\r'; break;
      case 0x0a: out += '\\n'; break;
      case 0x09: out += '\\t'; break;
      default:
        // isprint() in the C locale: 0x20..0x7e
        if (c > 0xff || c < 0x20 || c > 0x7e) out += '\\u' + (c & 0xffff).toString(16).padStart(4, '0');
        else out += String.fromCharCode(c);
    }
  }
  return out;
}

/** tools.c url_decode(): '%XX' decoded ('+' is a space in forms or after '?'); stops at NUL; bad escapes fail. */
export function urlDecode(s: string, inForm: boolean): string | undefined {
  let out = '';
  let form = inForm;
  const isHex = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) break;
    if (c === 0x2b) out += form ? ' ' : '+';
    else if (c === 0x25) {
      const h1 = s.charCodeAt(i + 1);
      const h2 = s.charCodeAt(i + 2);
      if (!isHex(h1) || !isHex(h2)) return undefined;
      out += String.fromCharCode(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      if (c === 0x3f) form = true;
      out += s[i];
    }
  }
  return out;
}

/** http_conv.c sample_conv_url_enc(): everything but RFC 3986 unreserved characters as %XX. */
export function urlEncode(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x7e) out += s[i];
    else out += '%' + HEX[c >> 4]! + HEX[c & 15]!;
  }
  return out;
}

/**
 * regex.c exp_replace(): `\N` is group N (empty when it did not match),
 * `\xHH` a byte, `\c` the character c.
 */
export function expReplace(subst: string, m: RegExpExecArray): string {
  let out = '';
  for (let i = 0; i < subst.length; i++) {
    const ch = subst[i]!;
    if (ch !== '\\') {
      out += ch;
      continue;
    }
    i++;
    if (i >= subst.length) break;
    const c = subst.charCodeAt(i);
    if (c >= 48 && c <= 57) out += m[c - 48] ?? '';
    else if (subst[i] === 'x') {
      const hx = (k: number): number => {
        let v = subst.charCodeAt(k);
        if (v >= 97 && v <= 122) v -= 32;
        v -= 48;
        if (v > 9) v -= 7;
        return v & 0xff;
      };
      if (i + 2 >= subst.length) break;
      out += String.fromCharCode(((hx(i + 1) << 4) + hx(i + 2)) & 0xff);
      i += 2;
    } else out += subst[i];
  }
  return out;
}

/**
 * sample.c sample_conv_regsub(): replaces the first match (every match with
 * "g"), an empty match copying one character before moving on; later
 * matches cannot match '^' (REG_NOTBOL).
 */
export function regsub(input: string, re: RegExp, subst: string, global: boolean): string {
  let out = '';
  let start = 0;
  let first = true;
  for (;;) {
    let m: RegExpExecArray | null = null;
    if (global || first) {
      re.lastIndex = start;
      m = re.exec(input);
    }
    if (m === null) {
      out += input.slice(start);
      break;
    }
    out += input.slice(start, m.index) + expReplace(subst, m);
    let eo = m.index + m[0].length;
    if (start >= input.length) break;
    if (eo === start) {
      out += input[start] ?? '';
      eo++;
    }
    start = eo;
    first = false;
  }
  return out;
}

/** sample.c smp_conv_concat / add_item operand: a variable name, or nothing. */
function optVar(args: Parameters<typeof argStr>[0], i: number): VarRef | undefined {
  const n = argStr(args, i);
  return n === '' ? undefined : parseVarRef(n);
}

/** `field(<index>,<delimiters>[,<count>])` and `word(...)`: the same arguments, another splitter. */
function splitter(split: typeof field): ConverterImpl {
  return {
    compile: (args) => {
      const idx = argInt(args, 0);
      const delims = argStr(args, 1);
      const count = hasArg(args, 2) ? argInt(args, 2) : undefined;
      return (s) => {
        const r = split(text(s), idx, delims, count);
        return r === undefined ? undefined : str(r, s.flags);
      };
    },
  };
}

export const STRING_CONVERTER_IMPLS: Readonly<Record<string, ConverterImpl>> = {
  lower: conv((s) => str(asciiLower(text(s)), s.flags)),
  upper: conv((s) => str(asciiUpper(text(s)), s.flags)),
  length: conv((s) => smpNum(text(s).length)),
  cut_crlf: conv((s) => {
    const t = text(s);
    const i = t.search(/[\r\n]/);
    return i < 0 ? s : str(t.slice(0, i), s.flags);
  }),
  ltrim: {
    compile: (args) => {
      const set = charSet(argStr(args, 0));
      return (s) => {
        const t = text(s);
        let i = 0;
        while (i < t.length && set.has(t.charCodeAt(i))) i++;
        return i === 0 ? s : str(t.slice(i), s.flags);
      };
    },
  },
  rtrim: {
    compile: (args) => {
      const set = charSet(argStr(args, 0));
      return (s) => {
        const t = text(s);
        let i = t.length;
        while (i > 0 && set.has(t.charCodeAt(i - 1))) i--;
        return i === t.length ? s : str(t.slice(0, i), s.flags);
      };
    },
  },
  field: splitter(field),
  word: splitter(word),
  // sample.c sample_conv_concat(): input + start + variable (as a string, when set) + end
  concat: {
    compile: (args) => {
      const pre = argStr(args, 0);
      const ref = optVar(args, 1);
      const post = argStr(args, 2);
      return (s, ctx) => str(text(s) + pre + (varString(ctx, ref) ?? '') + post, s.flags);
    },
  },
  // sample.c sample_conv_add_item(): the delimiter only between a non-empty input and a non-empty item
  add_item: {
    compile: (args) => {
      const delim = argStr(args, 0);
      const ref = optVar(args, 1);
      const suffix = argStr(args, 2);
      return (s, ctx) => {
        const t = text(s);
        const v = varString(ctx, ref);
        const sep = t.length > 0 && ((v !== undefined && v.length > 0) || suffix.length > 0) ? delim : '';
        return str(t + sep + (v ?? '') + suffix, s.flags);
      };
    },
  },
  // http_conv.c sample_conv_host_only(): the host without its port, lowercased
  host_only: conv((s) => {
    const t = text(s);
    const p = hostPort(t);
    return str(asciiLower(p < 0 ? t : t.slice(0, p)), s.flags);
  }),
  // http_conv.c sample_conv_port_only(): the port, 0 when there is none
  port_only: conv((s) => {
    const t = text(s);
    const p = hostPort(t);
    return smpNum(p < 0 ? 0 : strl2ui(t.slice(p + 1)));
  }),
  iif: {
    compile: (args) => {
      const yes = argStr(args, 0);
      const no = argStr(args, 1);
      return (s) => str(s.type === 'bool' ? (s.value ? yes : no) : s.type === 'sint' && s.value !== 0n ? yes : no, s.flags);
    },
  },
  json: {
    compile: (args) => {
      const mode = (argStr(args, 0) || 'ascii') as JsonInput;
      return (s) => {
        const r = jsonEscape(text(s), mode);
        return r === undefined ? undefined : str(r, s.flags);
      };
    },
  },
  regsub: {
    compile: (args) => {
      const source = argRef(args, 0) ?? '';
      // sample.c smp_resolve_args(): an empty regex is an error
      if (source === '') return "missing regex in arg 1 of conversion keyword 'regsub'";
      const flags = argStr(args, 2);
      const r = compileRegex(source, flags.includes('i'));
      if (!r.ok) return r.message;
      if (r.regex === undefined) return `regex '${source}' uses a syntax JavaScript cannot run`;
      const re = new RegExp(r.regex.source, r.regex.flags + 'g');
      const subst = argStr(args, 1);
      const global = flags.includes('g');
      return (s) => str(regsub(text(s), re, subst, global), s.flags);
    },
  },
  // sample.c sample_conv_secure_memcmp(): equal length and contents, in constant time
  secure_memcmp: {
    compile: (args) => {
      const ref = parseVarRef(argStr(args, 0));
      return (s, ctx) => {
        if (ref === undefined || s.type !== 'bin') return undefined;
        const v = readVar(ctx, ref);
        const b = v === undefined ? undefined : castSample(v, 'bin');
        if (b === undefined || b.type !== 'bin') return undefined;
        if (b.value.length !== s.value.length) return smpBool(false);
        return smpBool(timingSafeEqual(b.value, s.value));
      };
    },
  },
  // sample.c sample_conv_strcmp(): strncmp() over the shorter length, then the shorter string is smaller
  strcmp: {
    compile: (args) => {
      const ref = parseVarRef(argStr(args, 0));
      return (s, ctx) => {
        const other = varString(ctx, ref);
        if (other === undefined) return undefined;
        const a = text(s);
        const n = Math.min(a.length, other.length);
        let r = 0;
        for (let i = 0; i < n && r === 0; i++) {
          const x = a.charCodeAt(i);
          const y = other.charCodeAt(i);
          if (x === 0 || y === 0) {
            r = x - y;
            break;
          }
          r = x - y;
        }
        if (r === 0 && a.length !== other.length) r = a.length < other.length ? -1 : 1;
        return smpNum(r);
      };
    },
  },
  url_dec: {
    compile: (args) => {
      const inForm = argInt(args, 0) !== 0;
      return (s) => {
        const r = urlDecode(text(s), inForm);
        return r === undefined ? undefined : str(r, s.flags);
      };
    },
  },
  url_enc: conv((s) => str(urlEncode(text(s)), s.flags)),
};

registerConverterImpls(STRING_CONVERTER_IMPLS);
