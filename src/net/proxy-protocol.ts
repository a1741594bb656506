/**
 * The PROXY protocol, versions 1 (text) and 2 (binary): an incremental
 * receiver for `bind ... accept-proxy` and the builders behind `send-proxy`,
 * `send-proxy-v2`, `send-proxy-v2-ssl[-cn]` and `proxy-v2-options`.
 *
 * Spec: proxy-protocol.txt (2020/03/05). Verdicts and quirks follow haproxy
 * 2.6 `conn_recv_proxy()` / `make_proxy_line_v1()` / `make_proxy_line_v2()`
 * (src/connection.c), each checked against `/usr/sbin/haproxy` 2.6.12 (see
 * test/unit/net/proxy-protocol.test.ts). Where haproxy is more lenient than the
 * spec (leading zeros, short IPv4 forms, trailing words after a TCP6 port...)
 * we accept what it accepts, so a sender that works with haproxy works here.
 *
 * The parser is pure: it takes the bytes received so far and answers
 * `need-more`, `invalid` (with haproxy's log message) or `ok` with the number
 * of bytes the header takes. It never throws and never looks past
 * `maxLength` bytes. Byte fields are `Buffer` views into the input (no copy).
 */
import { formatIPv4Bytes, formatIPv6 } from './inet-ntop.js';
import { crc32c, crc32cFinish, crc32cUpdate, crc32cUpdateZeros, CRC32C_INIT } from './crc32c.js';

/** proxy-protocol.txt §2.2: the 12-byte v2 signature. */
export const PP2_SIGNATURE: Buffer = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

/** proxy-protocol.txt §2.2: registered TLV types. */
export const PP2_TYPE = {
  ALPN: 0x01,
  AUTHORITY: 0x02,
  CRC32C: 0x03,
  NOOP: 0x04,
  UNIQUE_ID: 0x05,
  SSL: 0x20,
  NETNS: 0x30,
} as const;

/** proxy-protocol.txt §2.2.6: sub-TLV types inside a PP2_TYPE_SSL TLV. */
export const PP2_SUBTYPE_SSL = { VERSION: 0x21, CN: 0x22, CIPHER: 0x23, SIG_ALG: 0x24, KEY_ALG: 0x25 } as const;

/** proxy-protocol.txt §2.2.6: bits of the `client` field of PP2_TYPE_SSL. */
export const PP2_CLIENT = { SSL: 0x01, CERT_CONN: 0x02, CERT_SESS: 0x04 } as const;

/** haproxy include/haproxy/connection-t.h PP2_AUTHORITY_MAX: longer authorities are rejected. */
export const PP2_AUTHORITY_MAX = 255;
/** haproxy include/haproxy/stream-t.h UNIQUEID_LEN: longer unique IDs are rejected. */
export const PP2_UNIQUE_ID_MAX = 128;
/**
 * haproxy reads the whole header with one `recv(MSG_PEEK)` into a trash chunk
 * of `tune.bufsize` bytes (16384 by default), so nothing longer can complete.
 */
export const PROXY_HEADER_MAX = 16384;

/** Failure kinds, one per haproxy CO_ER_PRX_* code (configuration.txt §7.3.3 "fc_err_str"). */
export type ProxyErrorCode =
  | 'PP_EMPTY'
  | 'PP_ABORT'
  | 'PP_TIMEOUT'
  | 'PP_TRUNCATED'
  | 'PP_NOT_HEADER'
  | 'PP_BAD_HEADER'
  | 'PP_BAD_PROTO';

/** haproxy's log / `fc_err_str` message for each failure (configuration.txt §7.3.3, ids 11–17). */
export const PROXY_ERROR_MESSAGES: Readonly<Record<ProxyErrorCode, string>> = {
  PP_EMPTY: 'Connection closed while waiting for PROXY protocol header',
  PP_ABORT: 'Connection error while waiting for PROXY protocol header',
  PP_TIMEOUT: 'Timeout while waiting for PROXY protocol header',
  PP_TRUNCATED: 'Truncated PROXY protocol header received',
  PP_NOT_HEADER: 'Received something which does not look like a PROXY protocol header',
  PP_BAD_HEADER: 'Received an invalid PROXY protocol header',
  PP_BAD_PROTO: 'Received an unhandled protocol in the PROXY protocol header',
};

/** An address carried by a header. Unix paths are latin1 (byte-preserving). */
export type ProxyEndpoint =
  | { readonly family: 'IPv4' | 'IPv6'; readonly address: string; readonly port: number }
  | { readonly family: 'unix'; readonly path: string; readonly abstract: boolean };

/** One TLV; `offset` is where its type byte sits in the input, `value` a view into it. */
export interface ProxyTlv {
  readonly type: number;
  readonly offset: number;
  readonly value: Buffer;
}

/** The decoded PP2_TYPE_SSL TLV (proxy-protocol.txt §2.2.6). Strings are latin1. */
export interface ProxySslInfo {
  readonly client: number;
  readonly verify: number;
  readonly version?: string;
  readonly cn?: string;
  readonly cipher?: string;
  readonly sigAlg?: string;
  readonly keyAlg?: string;
  readonly subTlvs: readonly ProxyTlv[];
  /** The sub-TLVs did not tile the value exactly (haproxy does not check them). */
  readonly malformed: boolean;
}

/** A complete, accepted header. */
export interface ProxyHeader {
  readonly version: 1 | 2;
  readonly command: 'proxy' | 'local';
  readonly family: 'unspec' | 'inet' | 'inet6' | 'unix';
  readonly transport: 'unspec' | 'stream' | 'dgram';
  readonly source?: ProxyEndpoint;
  readonly destination?: ProxyEndpoint;
  /**
   * True when haproxy replaces the connection's addresses with `source` and
   * `destination` (v1 TCP4/TCP6, v2 PROXY over TCP/IPv4 or TCP/IPv6). False
   * for v1 UNKNOWN and v2 LOCAL: the real connection addresses stay in use.
   */
  readonly overridesAddresses: boolean;
  /** v2 TLVs of a PROXY command, in order (LOCAL: haproxy skips them, so do we: empty). */
  readonly tlvs: readonly ProxyTlv[];
  readonly alpn?: Buffer;
  /** Last AUTHORITY TLV (haproxy keeps the last one): `fc_pp_authority`. latin1. */
  readonly authority?: string;
  /** Last UNIQUE_ID TLV: `fc_pp_unique_id`. latin1. */
  readonly uniqueId?: string;
  /** Value of the (verified) CRC32C TLV. */
  readonly crc32c?: number;
  readonly netns?: string;
  readonly ssl?: ProxySslInfo;
}

export type ProxyParseResult =
  | { readonly status: 'need-more' }
  | {
      readonly status: 'invalid';
      readonly code: ProxyErrorCode;
      /** haproxy's log message for `code`. */
      readonly reason: string;
      /** What exactly was wrong, for debug output. */
      readonly detail: string;
      /** v2 only: haproxy had already applied these addresses when a TLV failed (its log shows them). */
      readonly source?: ProxyEndpoint;
      readonly destination?: ProxyEndpoint;
    }
  | { readonly status: 'ok'; readonly header: ProxyHeader; readonly length: number };

export interface ProxyParseOptions {
  /** Longest header accepted before failing as truncated (default {@link PROXY_HEADER_MAX}). */
  readonly maxLength?: number;
}

const NEED_MORE: ProxyParseResult = { status: 'need-more' };

function fail(code: ProxyErrorCode, detail: string, src?: ProxyEndpoint, dst?: ProxyEndpoint): ProxyParseResult {
  const r: { status: 'invalid'; code: ProxyErrorCode; reason: string; detail: string; source?: ProxyEndpoint; destination?: ProxyEndpoint } = {
    status: 'invalid',
    code,
    reason: PROXY_ERROR_MESSAGES[code],
    detail,
  };
  if (src !== undefined) r.source = src;
  if (dst !== undefined) r.destination = dst;
  return r;
}

/**
 * Parses a PROXY protocol header (v1 or v2) at the start of `buf`.
 *
 * `need-more`: the bytes so far are a valid prefix, wait for more. haproxy
 * 2.6 itself does not wait: whatever its first read returned is final, and a
 * `need-more` there is logged as PP_TRUNCATED ("Truncated PROXY protocol
 * header received"); an empty read at EOF is PP_EMPTY. A caller that wants
 * haproxy's exact behaviour maps `need-more` after the first read to those.
 *
 * The decision points follow `conn_recv_proxy()`: fewer than 6 bytes or a
 * non-"PROXY " start with fewer than 16 bytes is `need-more`, so the result
 * of any prefix is either `need-more` or the result of the whole input.
 */
export function parseProxyHeader(buf: Uint8Array, opts: ProxyParseOptions = {}): ProxyParseResult {
  const maxLength = opts.maxLength ?? PROXY_HEADER_MAX;
  const b = toBuffer(buf);
  const n = Math.min(b.length, maxLength);
  const r = n < 6 ? NEED_MORE : isV1Start(b) ? parseV1(b, n) : parseV2(b, n, maxLength);
  if (r.status === 'need-more' && b.length >= maxLength) {
    return fail('PP_TRUNCATED', `no complete header within ${maxLength} bytes`);
  }
  return r;
}

function toBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

function isV1Start(b: Buffer): boolean {
  // "PROXY " (connection.c: strncmp(line, "PROXY ", 6))
  return b[0] === 0x50 && b[1] === 0x52 && b[2] === 0x4f && b[3] === 0x58 && b[4] === 0x59 && b[5] === 0x20;
}

// ---------------------------------------------------------------------------
// Version 1
// ---------------------------------------------------------------------------

const SP = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/** Compares `b[at..]` with `word`: 1 match, 0 prefix only (need more), -1 mismatch. */
function matchWord(b: Buffer, at: number, n: number, word: string): 1 | 0 | -1 {
  for (let i = 0; i < word.length; i++) {
    if (at + i >= n) return 0;
    if (b[at + i] !== word.charCodeAt(i)) return -1;
  }
  return 1;
}

function parseV1(b: Buffer, n: number): ProxyParseResult {
  const tcp4 = matchWord(b, 6, n, 'TCP4 ');
  if (tcp4 === 1) return parseV1Tcp4(b, n);
  const tcp6 = matchWord(b, 6, n, 'TCP6 ');
  if (tcp6 === 1) return parseV1Tcp6(b, n);
  // connection.c compares "UNKNOWN\r\n" as a whole: the long UNKNOWN form that
  // proxy-protocol.txt §2.1 allows ("PROXY UNKNOWN <addresses>") is rejected by
  // haproxy 2.6 as an unhandled protocol (checked against haproxy 2.6.12).
  const unknown = matchWord(b, 6, n, 'UNKNOWN\r\n');
  if (unknown === 1) {
    return ok({ version: 1, command: 'proxy', family: 'unspec', transport: 'unspec', overridesAddresses: false, tlvs: [] }, 15);
  }
  if (tcp4 === 0 || tcp6 === 0 || unknown === 0) return NEED_MORE;
  return fail('PP_BAD_PROTO', 'protocol is not TCP4, TCP6 or UNKNOWN');
}

function ok(header: ProxyHeader, length: number): ProxyParseResult {
  return { status: 'ok', header, length };
}

/**
 * haproxy's `inetaddr_host_lim_ret()` (src/standard.c / tools.c): up to four
 * dot-separated digit groups; each group keeps its last three digits and is
 * added (not range-checked) at its byte position, modulo 2^32. So "1.2" is
 * 1.2.0.0, "001.2.3.4" is 1.2.3.4 and "999.0.0.1" is 231.0.0.1. Returns the
 * value and the position of the first byte not consumed.
 */
function inetaddrHostLim(b: Buffer, start: number, end: number): { value: number; pos: number } {
  let value = 0;
  let shift = 24;
  let text = start;
  let p = start;
  for (;;) {
    while (p < end && (b[p] as number) >= 0x30 && (b[p] as number) <= 0x39) p++;
    let group = 0;
    if (p > text) group += (b[p - 1] as number) - 0x30;
    if (p - 1 > text) group += ((b[p - 2] as number) - 0x30) * 10;
    if (p - 2 > text) group += ((b[p - 3] as number) - 0x30) * 100;
    value = (value + group * 2 ** shift) % 2 ** 32;
    if (shift === 0 || p >= end || b[p] !== 0x2e) break;
    shift -= 8;
    text = ++p;
  }
  return { value, pos: p };
}

/** haproxy's `read_uint()`: decimal digits, wrapping modulo 2^32, stops at the first non-digit. */
function readUint(b: Buffer, start: number, end: number): { value: number; pos: number } {
  let v = 0;
  let p = start;
  while (p < end) {
    const d = (b[p] as number) - 0x30;
    if (d < 0 || d > 9) break;
    v = (v * 10 + d) % 2 ** 32;
    p++;
  }
  return { value: v, pos: p };
}

function parseV1Tcp4(b: Buffer, end: number): ProxyParseResult {
  let line = 11;
  const src = inetaddrHostLim(b, line, end);
  line = src.pos;
  if (line >= end) return NEED_MORE;
  if (b[line++] !== SP) return fail('PP_BAD_HEADER', 'bad TCP4 source address');
  const dst = inetaddrHostLim(b, line, end);
  line = dst.pos;
  if (line >= end) return NEED_MORE;
  if (b[line++] !== SP) return fail('PP_BAD_HEADER', 'bad TCP4 destination address');
  const sport = readUint(b, line, end);
  line = sport.pos;
  if (line >= end) return NEED_MORE;
  if (b[line++] !== SP) return fail('PP_BAD_HEADER', 'bad source port');
  const dport = readUint(b, line, end);
  line = dport.pos;
  if (line > end - 2) return NEED_MORE;
  if (b[line++] !== CR || b[line++] !== LF) return fail('PP_BAD_HEADER', 'line does not end with CRLF after the destination port');
  return ok(
    {
      version: 1,
      command: 'proxy',
      family: 'inet',
      transport: 'stream',
      // the port goes through htons(): only its low 16 bits are kept
      source: { family: 'IPv4', address: formatIPv4Number(src.value), port: sport.value & 0xffff },
      destination: { family: 'IPv4', address: formatIPv4Number(dst.value), port: dport.value & 0xffff },
      overridesAddresses: true,
      tlvs: [],
    },
    line,
  );
}

/**
 * connection.c TCP6: every space before the CR becomes a NUL and the first
 * three mark where the destination and the two ports start; each field is
 * then read up to the next NUL. Extra words after the destination port are
 * therefore ignored, as haproxy does.
 */
function parseV1Tcp6(b: Buffer, end: number): ProxyParseResult {
  const srcStart = 11;
  let dstStart = -1;
  let sportStart = -1;
  let dportStart = -1;
  let line = srcStart;
  let cr = -1;
  for (;;) {
    if (line > end - 2) return NEED_MORE;
    const c = b[line] as number;
    if (c === CR) {
      cr = line;
      if (b[line + 1] !== LF) return fail('PP_BAD_HEADER', 'CR not followed by LF');
      line += 2;
      break;
    }
    if (c === SP) {
      if (dstStart < 0) dstStart = line + 1;
      else if (sportStart < 0) sportStart = line + 1;
      else if (dportStart < 0) dportStart = line + 1;
    }
    line++;
  }
  if (dstStart < 0 || sportStart < 0 || dportStart < 0) return fail('PP_BAD_HEADER', 'TCP6 line has fewer than four fields');
  // A field ends at the first space, NUL or the CR (all NUL in haproxy's copy).
  const fieldEnd = (from: number): number => {
    let p = from;
    while (p < cr && b[p] !== SP && b[p] !== 0) p++;
    return p;
  };
  const sport = readUint(b, sportStart, dportStart - 1);
  if (sport.pos !== fieldEnd(sportStart)) return fail('PP_BAD_HEADER', 'bad source port');
  const dport = readUint(b, dportStart, cr);
  if (dport.pos !== fieldEnd(dportStart)) return fail('PP_BAD_HEADER', 'bad destination port');
  const src = parseIPv6(b, srcStart, fieldEnd(srcStart));
  if (src === null) return fail('PP_BAD_HEADER', 'bad TCP6 source address');
  const dst = parseIPv6(b, dstStart, fieldEnd(dstStart));
  if (dst === null) return fail('PP_BAD_HEADER', 'bad TCP6 destination address');
  return ok(
    {
      version: 1,
      command: 'proxy',
      family: 'inet6',
      transport: 'stream',
      source: { family: 'IPv6', address: formatIPv6(src, 0), port: sport.value & 0xffff },
      destination: { family: 'IPv6', address: formatIPv6(dst, 0), port: dport.value & 0xffff },
      overridesAddresses: true,
      tlvs: [],
    },
    line,
  );
}

// ---------------------------------------------------------------------------
// Version 2
// ---------------------------------------------------------------------------

function parseV2(b: Buffer, n: number, maxLength: number): ProxyParseResult {
  if (n < 16) return NEED_MORE;
  // connection.c: signature and version (high nibble of byte 13) must match.
  if (b.compare(PP2_SIGNATURE, 0, 12, 0, 12) !== 0 || ((b[12] as number) & 0xf0) !== 0x20) {
    return fail('PP_NOT_HEADER', 'neither "PROXY " nor the v2 signature with version 2');
  }
  const len = b.readUInt16BE(14);
  const total = 16 + len;
  if (total > maxLength) return fail('PP_TRUNCATED', `header of ${total} bytes exceeds ${maxLength}`);
  if (n < total) return NEED_MORE;
  const cmd = (b[12] as number) & 0x0f;
  const fam = b[13] as number;
  const family = familyOf(fam);
  const transport = transportOf(fam);
  if (cmd === 0x00) {
    // LOCAL: "the receiver must use the real connection endpoints and discard
    // the protocol block" (§2.2); haproxy does not even walk the TLVs.
    const addrs = decodeAddresses(b, fam, len);
    return ok({ version: 2, command: 'local', family, transport, ...addrs, overridesAddresses: false, tlvs: [] }, total);
  }
  if (cmd !== 0x01) return fail('PP_BAD_HEADER', `unknown command 0x${cmd.toString(16)}`);

  let tlvOffset: number;
  let overrides = false;
  let addrs: { source?: ProxyEndpoint; destination?: ProxyEndpoint } = {};
  if (fam === 0x11) {
    if (len < 12) return fail('PP_BAD_HEADER', 'TCP/IPv4 address block shorter than 12 bytes');
    addrs = decodeAddresses(b, fam, len);
    tlvOffset = 28;
    overrides = true;
  } else if (fam === 0x21) {
    if (len < 36) return fail('PP_BAD_HEADER', 'TCP/IPv6 address block shorter than 36 bytes');
    addrs = decodeAddresses(b, fam, len);
    tlvOffset = 52;
    overrides = true;
  } else {
    // haproxy 2.6 keeps the local addresses for other families but then walks
    // the TLVs from offset 0, i.e. over the signature: with any header shorter
    // than 2576 bytes that fails, so PROXY over UDP, UNIX or UNSPEC is
    // rejected as an invalid header (checked against haproxy 2.6.12).
    tlvOffset = 0;
  }

  const tlvs: ProxyTlv[] = [];
  const zeroed: number[] = [];
  let alpn: Buffer | undefined;
  let authority: string | undefined;
  let uniqueId: string | undefined;
  let crc: number | undefined;
  let netns: string | undefined;
  let ssl: ProxySslInfo | undefined;
  const bad = (detail: string): ProxyParseResult => fail('PP_BAD_HEADER', detail, addrs.source, addrs.destination);
  while (tlvOffset < total) {
    if (tlvOffset + 3 > total) return bad('truncated TLV header');
    const type = b[tlvOffset] as number;
    const vlen = b.readUInt16BE(tlvOffset + 1);
    const vstart = tlvOffset + 3;
    const next = vstart + vlen;
    if (next > total) return bad(`TLV 0x${hex2(type)} overflows the header`);
    const value = b.subarray(vstart, next);
    tlvs.push({ type, offset: tlvOffset, value });
    switch (type) {
      case PP2_TYPE.CRC32C: {
        if (vlen !== 4) return bad('CRC32C TLV is not 4 bytes long');
        const want = b.readUInt32BE(vstart);
        // haproxy zeroes the field in its copy before hashing; earlier CRC
        // fields stay zeroed, so several CRC TLVs are checked cumulatively.
        zeroed.push(vstart);
        if (crcWithZeroes(b, total, zeroed) !== want) return bad('CRC32C mismatch');
        crc = want;
        break;
      }
      case PP2_TYPE.AUTHORITY:
        if (vlen > PP2_AUTHORITY_MAX) return bad(`AUTHORITY TLV longer than ${PP2_AUTHORITY_MAX} bytes`);
        authority = value.toString('latin1');
        break;
      case PP2_TYPE.UNIQUE_ID:
        if (vlen > PP2_UNIQUE_ID_MAX) return bad(`UNIQUE_ID TLV longer than ${PP2_UNIQUE_ID_MAX} bytes`);
        uniqueId = value.toString('latin1');
        break;
      case PP2_TYPE.ALPN:
        alpn = value;
        break;
      case PP2_TYPE.NETNS:
        netns = value.toString('latin1');
        break;
      case PP2_TYPE.SSL:
        ssl = decodeSslTlv(value, vstart);
        break;
      default:
        // NOOP, custom and unknown types are skipped (§2.2: "A receiver may
        // choose to skip over and ignore the TLVs it is not interested in").
        break;
    }
    tlvOffset = next;
  }
  const header: ProxyHeader = {
    version: 2,
    command: 'proxy',
    family,
    transport,
    ...addrs,
    overridesAddresses: overrides,
    tlvs,
    ...(alpn !== undefined ? { alpn } : {}),
    ...(authority !== undefined ? { authority } : {}),
    ...(uniqueId !== undefined ? { uniqueId } : {}),
    ...(crc !== undefined ? { crc32c: crc } : {}),
    ...(netns !== undefined ? { netns } : {}),
    ...(ssl !== undefined ? { ssl } : {}),
  };
  return ok(header, total);
}

function hex2(v: number): string {
  return v.toString(16).padStart(2, '0');
}

function familyOf(fam: number): ProxyHeader['family'] {
  switch (fam >> 4) {
    case 1:
      return 'inet';
    case 2:
      return 'inet6';
    case 3:
      return 'unix';
    default:
      return 'unspec';
  }
}

function transportOf(fam: number): ProxyHeader['transport'] {
  const t = fam & 0x0f;
  return t === 1 ? 'stream' : t === 2 ? 'dgram' : 'unspec';
}

/** CRC32C of `b[0..total)` with the 4-byte fields at `zeroed` replaced by zeroes. */
function crcWithZeroes(b: Buffer, total: number, zeroed: readonly number[]): number {
  const starts = [...zeroed].sort((x, y) => x - y);
  let c = CRC32C_INIT;
  let pos = 0;
  for (const z of starts) {
    if (z < pos) {
      // overlapping fields (only possible in haproxy's walk-from-zero quirk)
      const overlapEnd = Math.min(total, z + 4);
      if (overlapEnd > pos) {
        c = crc32cUpdateZeros(c, overlapEnd - pos);
        pos = overlapEnd;
      }
      continue;
    }
    c = crc32cUpdate(c, b, pos, z);
    const zEnd = Math.min(total, z + 4);
    c = crc32cUpdateZeros(c, zEnd - z);
    pos = zEnd;
  }
  c = crc32cUpdate(c, b, pos, total);
  return crc32cFinish(c);
}

/** Addresses of the v2 block when it is long enough for the family (else none). */
function decodeAddresses(b: Buffer, fam: number, len: number): { source?: ProxyEndpoint; destination?: ProxyEndpoint } {
  const kind = fam >> 4;
  if (kind === 1 && len >= 12) {
    return {
      source: { family: 'IPv4', address: formatIPv4Bytes(b, 16), port: b.readUInt16BE(24) },
      destination: { family: 'IPv4', address: formatIPv4Bytes(b, 20), port: b.readUInt16BE(26) },
    };
  }
  if (kind === 2 && len >= 36) {
    return {
      source: { family: 'IPv6', address: formatIPv6(b, 16), port: b.readUInt16BE(48) },
      destination: { family: 'IPv6', address: formatIPv6(b, 32), port: b.readUInt16BE(50) },
    };
  }
  if (kind === 3 && len >= 216) {
    return { source: unixPath(b, 16), destination: unixPath(b, 124) };
  }
  return {};
}

/** §2.2: a 108-byte sun_path; a leading NUL marks a Linux abstract socket. */
function unixPath(b: Buffer, at: number): ProxyEndpoint {
  const abstract = b[at] === 0;
  const from = abstract ? at + 1 : at;
  let end = from;
  while (end < at + 108 && b[end] !== 0) end++;
  return { family: 'unix', path: b.toString('latin1', from, end), abstract: abstract && end > from };
}

/** §2.2.6: `client` (1 byte), `verify` (4 bytes), then sub-TLVs. */
function decodeSslTlv(v: Buffer, base: number): ProxySslInfo {
  if (v.length < 5) return { client: v[0] ?? 0, verify: 0, subTlvs: [], malformed: true };
  const client = v[0] as number;
  const verify = v.readUInt32BE(1);
  const subTlvs: ProxyTlv[] = [];
  const fields: { version?: string; cn?: string; cipher?: string; sigAlg?: string; keyAlg?: string } = {};
  let off = 5;
  let malformed = false;
  while (off < v.length) {
    if (off + 3 > v.length) {
      malformed = true;
      break;
    }
    const type = v[off] as number;
    const len = v.readUInt16BE(off + 1);
    if (off + 3 + len > v.length) {
      malformed = true;
      break;
    }
    const value = v.subarray(off + 3, off + 3 + len);
    subTlvs.push({ type, offset: base + off, value });
    const s = value.toString('latin1');
    if (type === PP2_SUBTYPE_SSL.VERSION) fields.version = s;
    else if (type === PP2_SUBTYPE_SSL.CN) fields.cn = s;
    else if (type === PP2_SUBTYPE_SSL.CIPHER) fields.cipher = s;
    else if (type === PP2_SUBTYPE_SSL.SIG_ALG) fields.sigAlg = s;
    else if (type === PP2_SUBTYPE_SSL.KEY_ALG) fields.keyAlg = s;
    off += 3 + len;
  }
  return { client, verify, ...fields, subTlvs, malformed };
}

// ---------------------------------------------------------------------------
// Addresses: parsing and formatting as glibc does (inet_pton / inet_ntop)
// ---------------------------------------------------------------------------

function formatIPv4Number(v: number): string {
  return `${(v >>> 24) & 0xff}.${(v >>> 16) & 0xff}.${(v >>> 8) & 0xff}.${v & 0xff}`;
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** glibc `inet_pton4`: exactly four decimal parts 0..255, no leading zero. */
function parseIPv4Into(b: Uint8Array, start: number, end: number, out: Uint8Array, at: number): boolean {
  let sawDigit = false;
  let octets = 0;
  let cur = 0;
  let idx = at;
  for (let p = start; p < end; p++) {
    const ch = b[p] as number;
    if (ch >= 0x30 && ch <= 0x39) {
      const v = cur * 10 + (ch - 0x30);
      if (sawDigit && cur === 0) return false;
      if (v > 255) return false;
      cur = v;
      if (!sawDigit) {
        if (++octets > 4) return false;
        sawDigit = true;
      }
    } else if (ch === 0x2e && sawDigit) {
      if (octets === 4) return false;
      out[idx++] = cur;
      cur = 0;
      sawDigit = false;
    } else return false;
  }
  if (octets < 4) return false;
  out[idx] = cur;
  return true;
}

/** glibc `inet_pton(AF_INET6)` over `b[start..end)`: 16 bytes, or null. */
export function parseIPv6(b: Uint8Array, start: number, end: number): Uint8Array | null {
  const out = new Uint8Array(16);
  let tp = 0;
  let colon = -1;
  let p = start;
  if (p === end) return null;
  if (b[p] === 0x3a) {
    p++;
    if (p === end || b[p] !== 0x3a) return null;
  }
  let curtok = p;
  let seen = 0;
  let val = 0;
  while (p < end) {
    const ch = b[p++] as number;
    const d = hexDigit(ch);
    if (d >= 0) {
      if (seen === 4) return null;
      val = (val << 4) | d;
      seen++;
      continue;
    }
    if (ch === 0x3a) {
      curtok = p;
      if (seen === 0) {
        if (colon >= 0) return null;
        colon = tp;
        continue;
      } else if (p === end) return null;
      if (tp + 2 > 16) return null;
      out[tp++] = (val >> 8) & 0xff;
      out[tp++] = val & 0xff;
      seen = 0;
      val = 0;
      continue;
    }
    if (ch === 0x2e && tp + 4 <= 16 && parseIPv4Into(b, curtok, end, out, tp)) {
      tp += 4;
      seen = 0;
      break;
    }
    return null;
  }
  if (seen > 0) {
    if (tp + 2 > 16) return null;
    out[tp++] = (val >> 8) & 0xff;
    out[tp++] = val & 0xff;
  }
  if (colon >= 0) {
    if (tp === 16) return null;
    const moved = tp - colon;
    out.copyWithin(16 - moved, colon, tp);
    out.fill(0, colon, 16 - moved);
    tp = 16;
  }
  return tp === 16 ? out : null;
}

// ---------------------------------------------------------------------------
// Builders (the sending side)
// ---------------------------------------------------------------------------

/**
 * An endpoint as Node reports it (`socket.remoteAddress`, `remotePort`,
 * `remoteFamily`). The family is taken from the address text (a `:` means
 * IPv6, so Node's "::ffff:a.b.c.d" stays IPv6 as haproxy's AF_INET6 socket
 * would); `family` is informational.
 */
export interface ProxyAddressInput {
  readonly address: string;
  readonly port: number;
  readonly family?: string | undefined;
}

/** The connection a header describes: the client side as the proxy sees it. */
export interface ProxyConnectionInfo {
  /** Client address; absent (or not IP) for unix sockets, giving UNKNOWN / LOCAL. */
  readonly source?: ProxyAddressInput | null | undefined;
  /** Address the client connected to. */
  readonly destination?: ProxyAddressInput | null | undefined;
  /**
   * A connection the proxy opened for itself, i.e. a health check: v2 sends
   * LOCAL (haproxy 2.2+, unless `pp2-never-send-local`) and no UNIQUE_ID
   * (there is no stream to take it from).
   */
  readonly local?: boolean | undefined;
}

/** Which optional TLVs to send: `proxy-v2-options` (configuration.txt §5.2). */
export interface ProxyV2Options {
  readonly crc32c?: boolean;
  readonly authority?: boolean;
  readonly uniqueId?: boolean;
  /** `ssl` / `send-proxy-v2-ssl`: the PP2_TYPE_SSL TLV. */
  readonly ssl?: boolean;
  /** `cert-cn` / `send-proxy-v2-ssl-cn`. */
  readonly certCn?: boolean;
  readonly sslCipher?: boolean;
  readonly certSig?: boolean;
  readonly certKey?: boolean;
}

/** What the client connection offers to the TLVs. Strings are written as latin1. */
export interface ProxyV2Values {
  /** Negotiated ALPN (sent whenever there is one, as haproxy does). */
  readonly alpn?: string | Uint8Array | undefined;
  /** A received PROXY authority, else the client's SNI. */
  readonly authority?: string | Uint8Array | undefined;
  /** The frontend's `unique-id-format` result ('' when it has none). */
  readonly uniqueId?: string | Uint8Array | undefined;
  /** Present when the client connection is TLS. */
  readonly ssl?: ProxySslValues | undefined;
  /** Network namespace the client connection came through. */
  readonly netns?: string | undefined;
}

export interface ProxySslValues {
  /** e.g. "TLSv1.3" (ssl_fc_protocol). */
  readonly version?: string | undefined;
  /** The client presented a certificate on this TLS session / this connection. */
  readonly certUsedSess?: boolean | undefined;
  readonly certUsedConn?: boolean | undefined;
  /** X509 verify result, 0 when verified (only sent with a client certificate). */
  readonly verify?: number | undefined;
  /** Client certificate subject CN. */
  readonly cn?: string | undefined;
  /** e.g. "TLS_AES_256_GCM_SHA384" (ssl_fc_cipher). */
  readonly cipher?: string | undefined;
  /** Frontend certificate signature algorithm, e.g. "RSA-SHA256". */
  readonly sigAlg?: string | undefined;
  /** Frontend certificate key, e.g. "RSA2048" or "EC256". */
  readonly keyAlg?: string | undefined;
}

/**
 * Maps a server's `proxy-v2-options` words and `send-proxy-v2-ssl[-cn]` to
 * {@link ProxyV2Options}. As in haproxy's `srv_parse_proxy_v2_options()`,
 * every SSL sub-option (cert-cn, ssl-cipher, cert-sig, cert-key) implies
 * `ssl`. Unknown words are ignored here (the config parser rejects them).
 */
export function proxyV2OptionsFrom(words: readonly string[], keyword?: 'send-proxy-v2' | 'send-proxy-v2-ssl' | 'send-proxy-v2-ssl-cn'): ProxyV2Options {
  const o: { -readonly [K in keyof ProxyV2Options]: boolean } = {};
  if (keyword === 'send-proxy-v2-ssl' || keyword === 'send-proxy-v2-ssl-cn') o.ssl = true;
  if (keyword === 'send-proxy-v2-ssl-cn') o.certCn = true;
  for (const w of words) {
    if (w === 'ssl') o.ssl = true;
    else if (w === 'cert-cn') o.ssl = o.certCn = true;
    else if (w === 'ssl-cipher') o.ssl = o.sslCipher = true;
    else if (w === 'cert-sig') o.ssl = o.certSig = true;
    else if (w === 'cert-key') o.ssl = o.certKey = true;
    else if (w === 'authority') o.authority = true;
    else if (w === 'crc32c') o.crc32c = true;
    else if (w === 'unique-id') o.uniqueId = true;
  }
  return o;
}

interface BinaryEndpoint {
  readonly v6: boolean;
  readonly bytes: Uint8Array;
  readonly port: number;
}

/** Parses an endpoint to 4 or 16 bytes; null when it is not an IP address. */
function toBinary(e: ProxyAddressInput | null | undefined): BinaryEndpoint | null {
  if (e === null || e === undefined || typeof e.address !== 'string') return null;
  let a = e.address;
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct); // scope id ("fe80::1%eth0")
  const bytes = Buffer.from(a, 'latin1');
  const port = Number.isInteger(e.port) ? e.port & 0xffff : 0;
  if (a.includes(':')) {
    const v6 = parseIPv6(bytes, 0, bytes.length);
    return v6 === null ? null : { v6: true, bytes: v6, port };
  }
  const v4 = new Uint8Array(4);
  return parseIPv4Into(bytes, 0, bytes.length, v4, 0) ? { v6: false, bytes: v4, port } : null;
}

/** haproxy `v4tov6()`: ::ffff:a.b.c.d. */
function mapped(e: BinaryEndpoint): Uint8Array {
  if (e.v6) return e.bytes;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(e.bytes, 12);
  return out;
}

/**
 * The v1 line haproxy's `make_proxy_line_v1()` writes for `send-proxy`:
 * "PROXY TCP4 src dst sport dport\r\n" when both ends are IPv4, TCP6 (IPv4
 * ends written as ::ffff:a.b.c.d) when either is IPv6, and "PROXY UNKNOWN\r\n"
 * when an end is missing or not IP (e.g. a unix socket client).
 */
export function buildProxyV1(info: ProxyConnectionInfo): Buffer {
  const src = toBinary(info.source);
  const dst = toBinary(info.destination);
  if (src === null || dst === null) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  if (!src.v6 && !dst.v6) {
    return Buffer.from(`PROXY TCP4 ${formatIPv4Bytes(src.bytes, 0)} ${formatIPv4Bytes(dst.bytes, 0)} ${src.port} ${dst.port}\r\n`, 'latin1');
  }
  return Buffer.from(`PROXY TCP6 ${formatIPv6(mapped(src), 0)} ${formatIPv6(mapped(dst), 0)} ${src.port} ${dst.port}\r\n`, 'latin1');
}

function bytesOf(v: string | Uint8Array): Uint8Array {
  return typeof v === 'string' ? Buffer.from(v, 'latin1') : v;
}

/**
 * The v2 header haproxy's `make_proxy_line_v2()` writes for `send-proxy-v2`
 * and its options. TLV order is haproxy's: CRC32C, ALPN, AUTHORITY,
 * UNIQUE_ID, SSL (sub-TLVs VERSION, CN, KEY_ALG, SIG_ALG, CIPHER), NETNS.
 * The SSL TLV is always present when `options.ssl` is set (5 zero bytes for a
 * plain-TCP client); UNIQUE_ID is sent even when empty.
 *
 * @throws RangeError when the TLVs do not fit the 16-bit length field.
 */
export function buildProxyV2(info: ProxyConnectionInfo, values: ProxyV2Values = {}, options: ProxyV2Options = {}): Buffer {
  const src = toBinary(info.source);
  const dst = toBinary(info.destination);
  const parts: Uint8Array[] = [];
  const head = Buffer.alloc(16);
  PP2_SIGNATURE.copy(head, 0);
  parts.push(head);
  if (info.local === true || src === null || dst === null) {
    head[12] = 0x20; // version 2, LOCAL
    head[13] = 0x00; // AF_UNSPEC, UNSPEC
  } else if (!src.v6 && !dst.v6) {
    head[12] = 0x21;
    head[13] = 0x11;
    const a = Buffer.alloc(12);
    a.set(src.bytes, 0);
    a.set(dst.bytes, 4);
    a.writeUInt16BE(src.port, 8);
    a.writeUInt16BE(dst.port, 10);
    parts.push(a);
  } else {
    head[12] = 0x21;
    head[13] = 0x21;
    const a = Buffer.alloc(36);
    a.set(mapped(src), 0);
    a.set(mapped(dst), 16);
    a.writeUInt16BE(src.port, 32);
    a.writeUInt16BE(dst.port, 34);
    parts.push(a);
  }
  const tlv = (type: number, value: Uint8Array): void => {
    const h = Buffer.alloc(3);
    h[0] = type;
    h.writeUInt16BE(value.length & 0xffff, 1);
    if (value.length > 0xffff) throw new RangeError(`PROXY v2 TLV 0x${hex2(type)} longer than 65535 bytes`);
    parts.push(h, value);
  };
  if (options.crc32c) tlv(PP2_TYPE.CRC32C, new Uint8Array(4));
  if (values.alpn !== undefined && values.alpn.length > 0) tlv(PP2_TYPE.ALPN, bytesOf(values.alpn));
  if (options.authority && values.authority !== undefined) tlv(PP2_TYPE.AUTHORITY, bytesOf(values.authority));
  if (options.uniqueId && info.local !== true) tlv(PP2_TYPE.UNIQUE_ID, bytesOf(values.uniqueId ?? ''));
  if (options.ssl) {
    const sub: Uint8Array[] = [];
    let client = 0;
    let verify = 0;
    const s = values.ssl;
    const subTlv = (type: number, v: string | undefined): void => {
      if (v === undefined || v.length === 0) return;
      const val = Buffer.from(v, 'latin1');
      const h = Buffer.alloc(3);
      h[0] = type;
      h.writeUInt16BE(val.length & 0xffff, 1);
      sub.push(h, val);
    };
    if (s !== undefined) {
      client |= PP2_CLIENT.SSL;
      subTlv(PP2_SUBTYPE_SSL.VERSION, s.version);
      if (s.certUsedSess) {
        client |= PP2_CLIENT.CERT_SESS;
        verify = (s.verify ?? 0) >>> 0;
        if (s.certUsedConn) client |= PP2_CLIENT.CERT_CONN;
      }
      if (options.certCn) subTlv(PP2_SUBTYPE_SSL.CN, s.cn);
      if (options.certKey) subTlv(PP2_SUBTYPE_SSL.KEY_ALG, s.keyAlg);
      if (options.certSig) subTlv(PP2_SUBTYPE_SSL.SIG_ALG, s.sigAlg);
      if (options.sslCipher) subTlv(PP2_SUBTYPE_SSL.CIPHER, s.cipher);
    }
    const fixed = Buffer.alloc(5);
    fixed[0] = client;
    fixed.writeUInt32BE(verify, 1);
    tlv(PP2_TYPE.SSL, Buffer.concat([fixed, ...sub]));
  }
  if (values.netns !== undefined && values.netns.length > 0) tlv(PP2_TYPE.NETNS, Buffer.from(values.netns, 'latin1'));

  const out = Buffer.concat(parts);
  if (out.length - 16 > 0xffff) throw new RangeError('PROXY v2 header longer than 65551 bytes');
  out.writeUInt16BE(out.length - 16, 14);
  if (options.crc32c) {
    // §2.2.3: computed over the whole header with the checksum field zeroed;
    // the CRC32C TLV is the first one, right after the address block.
    const at = addressEnd(out) + 3;
    out.writeUInt32BE(crc32c(out), at);
  }
  return out;
}

function addressEnd(out: Buffer): number {
  const fam = out[13];
  return fam === 0x11 ? 28 : fam === 0x21 ? 52 : 16;
}

export { formatIPv6 };
