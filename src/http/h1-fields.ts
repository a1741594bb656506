/**
 * The byte-level grammar of HTTP/1 fields shared by the parser and the head
 * view: character classes, and the value parsers of the fields haproxy
 * interprets while parsing (src/h1.c: Content-Length, Transfer-Encoding,
 * Connection; src/http.c: the authority of a target against Host). Each
 * records what it finds in the head's flags and reports errors through a
 * FieldState, so the parser allocates nothing per field.
 *
 * Split out of h1-parser.ts to keep both files readable.
 */
import type { H1ErrorCode } from './h1-errors.js';
import {
  type H1Head,
  LOWER,
  METHOD_CONNECT,
  METHOD_DELETE,
  METHOD_GET,
  METHOD_HEAD,
  METHOD_OPTIONS,
  METHOD_OTHER,
  METHOD_POST,
  METHOD_PUT,
  METHOD_TRACE,
  MSG_CHUNKED,
  MSG_CLEN,
  MSG_CONN_CLOSE,
  MSG_CONN_KEEPALIVE,
  MSG_CONN_UPGRADE,
  MSG_TE_CHUNKED,
  MSG_TE_OTHER,
  MSG_XFER_ENC,
  TARGET_ABSOLUTE,
  TARGET_ASTERISK,
  TARGET_AUTHORITY,
  TARGET_ORIGIN,
} from './h1-head.js';

/** RFC 9110 §5.6.2 tchar. */
export const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

/** haproxy accepts only these in a version: the letters of "HTTP", '/', '.', digits. */
export const VER = new Uint8Array(256);
for (const c of 'HTP/.0123456789') VER[c.charCodeAt(0)] = 1;

/** Hex digit values, -1 elsewhere. */
export const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

// byte values
export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HT = 9;
export const COLON = 58;

/** haproxy's chunk-size guard (h1_parse_chunk_size): at most 13 hex digits' worth, < 2^52. */
export const CHUNK_SIZE_LIMIT = 2 ** 52;

/**
 * Per-parser scratch state of the field parsers: the error they found, and
 * what the Content-Length parser needs to remember across fields.
 */
export class FieldState {
  error: H1ErrorCode | null = null;
  errorAt = 0;
  detail: string | undefined = undefined;
  /** The last Content-Length value parsed: [clStart, clEnd) (leading zeros kept, as haproxy forwards them). */
  clStart = 0;
  clEnd = 0;
  /** The significant digits of the first Content-Length when it has more than 15. */
  clBig: string | null = null;

  fail(code: H1ErrorCode, at: number, detail?: string): void {
    this.error = code;
    this.errorAt = at;
    this.detail = detail;
  }
}

/**
 * haproxy h1_parse_cont_len_header(): a comma-separated list of digits,
 * all equal to each other and to any previous Content-Length, at most
 * 2^64-1. Returns 1 to keep the field, 0 to drop it (a duplicate), -1 on
 * error. Sets clStart/clEnd to the last value (leading zeros kept, as
 * haproxy 2.6.12 forwards them).
 */
export function parseContentLength(h: H1Head, buf: Buffer, vs: number, ve: number, st: FieldState): number {
  const notFirst = (h.flags & MSG_CLEN) !== 0;
  let w = vs;
  for (;;) {
    if (w >= ve) {
      st.fail('H1_INVALID_CONTENT_LENGTH', w, 'empty Content-Length value');
      return -1;
    }
    const c = buf[w] ?? 0;
    if (isLws(c)) {
      w++;
      continue;
    }
    let n = w;
    let value = 0;
    let z = -1; // first significant digit
    for (; n < ve; n++) {
      const d = (buf[n] ?? 0) - 0x30;
      if (d < 0 || d > 9) break;
      if (z < 0 && d !== 0) z = n;
      value = value * 10 + d;
    }
    if (n === w) {
      st.fail('H1_INVALID_CONTENT_LENGTH', w);
      return -1;
    }
    // Long values: replay haproxy's arithmetic, then refuse what it would wrap.
    let big: string | null = null;
    if (z >= 0 && n - z > 15) {
      big = buf.toString('latin1', z, n);
      const r = haproxyContentLength(big);
      if (r === null) {
        st.fail('H1_INVALID_CONTENT_LENGTH', w, 'Content-Length overflow');
        return -1;
      }
      if (r !== BigInt(big)) {
        // haproxy 2.6.12 accepts these but frames the body with the wrapped
        // value while forwarding the header as written: a desync. Refused
        // here on purpose (documented deviation, see docs/errors.md).
        st.fail('H1_INVALID_CONTENT_LENGTH', w, 'Content-Length of 2^64 or more');
        return -1;
      }
      value = Number(big);
    }
    const wordEnd = n;
    while (n < ve && isLws(buf[n] ?? 0)) n++;
    if (n < ve && buf[n] !== 0x2c) {
      st.fail('H1_INVALID_CONTENT_LENGTH', n);
      return -1;
    }
    if (h.flags & MSG_CLEN) {
      if (big !== st.clBig || (big === null && value !== h.contentLength)) {
        st.fail('H1_CONFLICTING_CONTENT_LENGTH', w);
        return -1;
      }
    } else {
      st.clBig = big;
    }
    h.flags |= MSG_CLEN;
    h.contentLength = value;
    st.clStart = w;
    st.clEnd = wordEnd;
    if (n >= ve) break;
    w = n + 1;
  }
  return notFirst ? 0 : 1;
}

/**
 * haproxy h1_parse_xfer_enc_header(): chunked must be the last coding, at
 * most once; on requests nothing may follow it (RFC 9112 §6.3).
 */
export function parseTransferEncoding(h: H1Head, buf: Buffer, vs: number, ve: number, isResponse: boolean, st: FieldState): boolean {
  h.flags |= MSG_XFER_ENC;
  let w = vs - 1;
  while (++w < ve) {
    const c = buf[w];
    if (c === SP || c === HT || c === CR || c === LF) continue;
    const n = valueEnd(buf, w, ve);
    let e = n;
    while (e > w && isLws(buf[e - 1] ?? 0)) e--;
    h.flags &= ~MSG_CHUNKED;
    if (e - w === 7 && nameEq(buf, w, 'chunked')) {
      if (h.flags & MSG_TE_CHUNKED) {
        st.fail('H1_INVALID_TRANSFER_ENCODING', w, 'chunked applied twice');
        return false;
      }
      h.flags |= MSG_CHUNKED | MSG_TE_CHUNKED;
    } else {
      if (!isResponse && h.flags & MSG_TE_CHUNKED) {
        st.fail('H1_INVALID_TRANSFER_ENCODING', w, 'a transfer-coding after chunked');
        return false;
      }
      h.flags |= MSG_TE_OTHER;
    }
    w = n;
  }
  return true;
}

/**
 * haproxy h1_parse_connection_header(): records close / keep-alive /
 * upgrade. Returns the length of the value once close and keep-alive are
 * removed (tokens joined by ", "), or -1 when nothing is left (dropped).
 */
export function parseConnection(h: H1Head, buf: Buffer, vs: number, ve: number): number {
  let kept = 0;
  let keptTokens = 0;
  let w = vs - 1;
  while (++w < ve) {
    const c = buf[w] ?? 0;
    if (isLws(c)) continue;
    const n = valueEnd(buf, w, ve);
    let e = n;
    while (e > w && isLws(buf[e - 1] ?? 0)) e--;
    const len = e - w;
    if (len === 10 && nameEq(buf, w, 'keep-alive')) h.flags |= MSG_CONN_KEEPALIVE;
    else if (len === 5 && nameEq(buf, w, 'close')) h.flags |= MSG_CONN_CLOSE;
    else {
      if (len === 7 && nameEq(buf, w, 'upgrade')) h.flags |= MSG_CONN_UPGRADE;
      kept += (keptTokens > 0 ? 2 : 0) + len;
      keptTokens++;
    }
    w = n;
  }
  return keptTokens === 0 ? -1 : kept;
}

/**
 * haproxy h1_validate_connect_authority() / h1_validate_mismatch_authority():
 * the authority of a CONNECT or absolute-form target against Host.
 * Returns the error code, or null when they agree.
 */
export function authorityError(h: H1Head): H1ErrorCode | null {
  const buf = h.buf;
  const ts = h.targetStart;
  const te = h.targetEnd;
  // http_parse_scheme / http_parse_authority (no userinfo)
  let schemeEnd = -1;
  let a = ts;
  if (h.targetForm === TARGET_ABSOLUTE) {
    schemeEnd = buf.indexOf('://', ts, 'latin1');
    a = schemeEnd + 3;
  } else if (h.targetForm !== TARGET_AUTHORITY) {
    return h.method === METHOD_CONNECT ? 'H1_INVALID_CONNECT_AUTHORITY' : null;
  }
  let as = a;
  let ae = a;
  while (ae < te && buf[ae] !== 0x2f) {
    if (buf[ae] === 0x40) as = ae + 1;
    ae++;
  }
  const hi = h.hostIndex;
  const hs = hi >= 0 ? (h.hdr[hi * 4 + 2] ?? 0) : 0;
  const he = hi >= 0 ? (h.hdr[hi * 4 + 3] ?? 0) : 0;
  if (h.method === METHOD_CONNECT) {
    const up = hostPort(buf, as, ae);
    if (up < 0 || up === ae) return 'H1_INVALID_CONNECT_AUTHORITY';
    if (hi < 0) return null;
    const hp = hostPort(buf, hs, he);
    if (hp >= 0 && hp < he) {
      if (!bytesEqI(buf, hs, hp - 1, as, up - 1) || !bytesEqI(buf, hp, he, up, ae)) return 'H1_INVALID_CONNECT_AUTHORITY';
      // the Host port is the default one: haproxy normalizes Host to the bare host name
      if (isDefaultPort(buf, -1, -1, up, ae)) h.hdr[hi * 4 + 3] = hp - 1;
      return null;
    }
    const hostEnd = hp >= 0 ? hp - 1 : he;
    if (!isDefaultPort(buf, -1, -1, up, ae) || !bytesEqI(buf, hs, hostEnd, as, up - 1)) return 'H1_INVALID_CONNECT_AUTHORITY';
    return null;
  }
  if (hi < 0 || ae === as) return null;
  if (bytesEqI(buf, as, ae, hs, he)) return null;
  if (schemeEnd < 0) return 'H1_AUTHORITY_MISMATCH';
  const up = hostPort(buf, as, ae);
  const hp = hostPort(buf, hs, he);
  if (up < 0 && hp < 0) return 'H1_AUTHORITY_MISMATCH';
  if (up >= 0 && !isDefaultPort(buf, ts, schemeEnd, up, ae)) return 'H1_AUTHORITY_MISMATCH';
  if (hp >= 0 && !isDefaultPort(buf, ts, schemeEnd, hp, he)) return 'H1_AUTHORITY_MISMATCH';
  const uhEnd = up >= 0 ? up - 1 : ae;
  const hhEnd = hp >= 0 ? hp - 1 : he;
  return bytesEqI(buf, as, uhEnd, hs, hhEnd) ? null : 'H1_AUTHORITY_MISMATCH';
}

/** An ASCII digit. */
export function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** haproxy's HTTP_IS_LWS: SP, HT, CR, LF. */
export function isLws(c: number): boolean {
  return c === SP || c === HT || c === CR || c === LF;
}

/** haproxy's H1_MF_VER_11 test on an 8-byte version: major > 1, or 1 and minor >= 1 (byte comparisons). */
export function isVer11(buf: Buffer, vs: number): boolean {
  const major = buf[vs + 5] ?? 0;
  return major > 0x31 || (major === 0x31 && (buf[vs + 7] ?? 0) >= 0x31);
}

/** Case-insensitive comparison of buf[p, p + lower.length) with a lowercase literal. */
export function nameEq(buf: Buffer, p: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if (LOWER[buf[p + i] ?? 0] !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Case-insensitive equality of two byte ranges. */
export function bytesEqI(buf: Buffer, as: number, ae: number, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) {
    if (LOWER[buf[as + i] ?? 0] !== LOWER[buf[bs + i] ?? 0]) return false;
  }
  return true;
}

/** haproxy http_find_hdr_value_end(): the next comma outside a quoted string. */
export function valueEnd(buf: Buffer, s: number, e: number): number {
  let quoted = false;
  let qdpair = false;
  for (; s < e; s++) {
    const c = buf[s];
    if (qdpair) qdpair = false;
    else if (quoted) {
      if (c === 0x5c) qdpair = true;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x2c) return s;
  }
  return s;
}

/** Whether the comma-separated list buf[vs, ve) holds `lower` as a whole token (case-insensitive). */
export function hasToken(buf: Buffer, vs: number, ve: number, lower: string): boolean {
  let w = vs - 1;
  while (++w < ve) {
    if (isLws(buf[w] ?? 0)) continue;
    const n = valueEnd(buf, w, ve);
    let e = n;
    while (e > w && isLws(buf[e - 1] ?? 0)) e--;
    if (e - w === lower.length && nameEq(buf, w, lower)) return true;
    w = n;
  }
  return false;
}

/**
 * haproxy http_get_host_port(): the offset of the port after the last ':'
 * when only digits follow it (possibly none), or -1.
 */
export function hostPort(buf: Buffer, s: number, e: number): number {
  let p = e;
  while (p > s && isDigit(buf[p - 1] ?? 0)) p--;
  if (p > s && buf[p - 1] === COLON) return p;
  return -1;
}

/**
 * haproxy http_is_default_port(): an empty port is the default; without a
 * scheme 80 and 443 are; http -> 80, https -> 443.
 */
export function isDefaultPort(buf: Buffer, ss: number, se: number, ps: number, pe: number): boolean {
  const len = pe - ps;
  if (len === 0) return true;
  const is80 = len === 2 && buf[ps] === 0x38 && buf[ps + 1] === 0x30;
  const is443 = len === 3 && buf[ps] === 0x34 && buf[ps + 1] === 0x34 && buf[ps + 2] === 0x33;
  if (ss < 0) return is80 || is443;
  if (se - ss === 4 && nameEq(buf, ss, 'http')) return is80;
  if (se - ss === 5 && nameEq(buf, ss, 'https')) return is443;
  return false;
}

/** The request-target form (haproxy http_uri_parser_init / http_parse_scheme). */
export function targetForm(buf: Buffer, s: number, e: number): number {
  if (s >= e) return TARGET_ORIGIN;
  const c = buf[s] ?? 0;
  if (c === 0x2f) return TARGET_ORIGIN;
  if (c === 0x2a) return TARGET_ASTERISK;
  if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a) {
    let p = s + 1;
    while (p < e) {
      const d = buf[p] ?? 0;
      if ((d | 0x20) >= 0x61 && (d | 0x20) <= 0x7a) p++;
      else if (isDigit(d) || d === 0x2b || d === 0x2d || d === 0x2e) p++;
      else break;
    }
    if (p + 2 < e && buf[p] === COLON && buf[p + 1] === 0x2f && buf[p + 2] === 0x2f) return TARGET_ABSOLUTE;
  }
  return TARGET_AUTHORITY;
}

/** haproxy find_http_meth(): the well-known methods, case-sensitive. */
export function methodCode(buf: Buffer, s: number, e: number): number {
  const len = e - s;
  const c = buf[s];
  switch (len) {
    case 3:
      if (c === 0x47 && buf[s + 1] === 0x45 && buf[s + 2] === 0x54) return METHOD_GET;
      if (c === 0x50 && buf[s + 1] === 0x55 && buf[s + 2] === 0x54) return METHOD_PUT;
      return METHOD_OTHER;
    case 4:
      if (c === 0x48 && buf[s + 1] === 0x45 && buf[s + 2] === 0x41 && buf[s + 3] === 0x44) return METHOD_HEAD;
      if (c === 0x50 && buf[s + 1] === 0x4f && buf[s + 2] === 0x53 && buf[s + 3] === 0x54) return METHOD_POST;
      return METHOD_OTHER;
    case 5:
      return buf.toString('latin1', s, e) === 'TRACE' ? METHOD_TRACE : METHOD_OTHER;
    case 6:
      return buf.toString('latin1', s, e) === 'DELETE' ? METHOD_DELETE : METHOD_OTHER;
    case 7: {
      const m = buf.toString('latin1', s, e);
      return m === 'CONNECT' ? METHOD_CONNECT : m === 'OPTIONS' ? METHOD_OPTIONS : METHOD_OTHER;
    }
    default:
      return METHOD_OTHER;
  }
}

const U64 = (1n << 64n) - 1n;
const CL_MUL_LIMIT = U64 / 10n;

/** Signed 64-bit wrap-around. */
export function asI64(v: bigint): bigint {
  return BigInt.asIntN(64, v);
}

/**
 * haproxy 2.6.12 h1_parse_cont_len_header() arithmetic on a digit string,
 * as compiled: the value is a signed 64-bit integer; a digit is refused when
 * the value so far, seen as unsigned, exceeds (2^64-1)/10, or when adding it
 * makes the value smaller (the multiplication itself wraps silently).
 * Returns the resulting length as haproxy uses it (unsigned), or null when
 * haproxy refuses the value.
 */
export function haproxyContentLength(digits: string): bigint | null {
  let cl = 0n;
  for (let i = 0; i < digits.length; i++) {
    const c = BigInt(digits.charCodeAt(i) - 0x30);
    if (BigInt.asUintN(64, cl) > CL_MUL_LIMIT) return null;
    cl = asI64(cl * 10n);
    const next = asI64(cl + c);
    if (next < cl) return null;
    cl = next;
  }
  return BigInt.asUintN(64, cl) & U64;
}
