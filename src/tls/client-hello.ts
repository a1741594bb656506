/**
 * TLS ClientHello parser for layer-4 inspection (`tcp-request content` with
 * `inspect-delay`), and the haproxy 2.6 semantics of the `req.ssl_*` /
 * `res.ssl_hello_type` fetches (configuration.txt §7.3.5).
 *
 * Two layers:
 *  - {@link parseClientHello}: a strict, complete parser of the first
 *    handshake message of a TLS stream (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2,
 *    and the SSLv2-compatible hello of RFC 5246 Appendix E.2), reassembling a
 *    hello fragmented over several records. It gives the cipher suites,
 *    extensions, SNI, ALPN, groups, signature algorithms, GREASE values...
 *  - the `*Sample()` functions: the exact decisions of haproxy's fetches
 *    (src/payload.c `smp_fetch_ssl_hello_type`, `smp_fetch_req_ssl_ver`,
 *    `smp_fetch_ssl_hello_sni`, `..._alpn`, `smp_fetch_req_ssl_ec_ext`,
 *    `smp_fetch_req_ssl_st_ext`), which only look at the first record and
 *    have their own gates (see client-hello-fetches section). They are what
 *    the fetches must use to give haproxy's verdicts.
 *
 * Both are pure: bytes in, result out; never throw, never read out of bounds,
 * never loop more than once per byte. `need-more` means "a valid prefix: wait
 * for more data (up to `tcp-request inspect-delay`)".
 */

/** OpenSSL ssl/statem/statem_srvr.c CLIENT_HELLO_MAX_LENGTH: longer hellos are refused. */
export const CLIENT_HELLO_MAX_LENGTH = 131396;
/** RFC 5246 §6.2.3: TLSCiphertext.length is at most 2^14 + 2048 (haproxy's req.ssl_ver bound too). */
export const TLS_RECORD_MAX = (1 << 14) + 2048;

/** One extension: its type and a view of its body. `offset` is relative to the handshake body. */
export interface ClientHelloExtension {
  readonly type: number;
  readonly offset: number;
  readonly data: Buffer;
}

/** What a complete ClientHello carries. Lists keep wire order, GREASE included. */
export interface ClientHello {
  /** An SSLv2-compatible hello (RFC 5246 Appendix E.2): no extensions. */
  readonly sslv2: boolean;
  /** Version of the first record (0x0301 for most clients); 0x0002 for SSLv2. */
  readonly recordVersion: number;
  /** Handshake message type: always 1 here. */
  readonly handshakeType: number;
  /** `legacy_version` (0x0303 for TLS 1.2 and 1.3 clients). */
  readonly clientVersion: number;
  /** `supported_versions` (TLS 1.3), empty when absent. */
  readonly supportedVersions: readonly number[];
  /** Highest non-GREASE version offered: max(supported_versions) or clientVersion. */
  readonly maxVersion: number;
  /** 32 bytes (SSLv2: the 16–32 byte challenge). */
  readonly random: Buffer;
  readonly sessionId: Buffer;
  /** Cipher suite codes; SSLv2 cipher specs are 24-bit values (0x00XXXX is a TLS suite). */
  readonly cipherSuites: readonly number[];
  readonly compressionMethods: Buffer;
  readonly extensions: readonly ClientHelloExtension[];
  /** First `host_name` of the server_name extension (latin1, byte-preserving). */
  readonly serverName?: string;
  /** ALPN protocol names in the client's order (latin1). */
  readonly alpn: readonly string[];
  /** supported_groups (formerly elliptic_curves, type 10); undefined when absent. */
  readonly supportedGroups?: readonly number[];
  /** ec_point_formats (type 11); undefined when absent. */
  readonly ecPointFormats?: readonly number[];
  /** session_ticket (type 35) body; undefined when absent, empty when the client has no ticket. */
  readonly sessionTicket?: Buffer;
  /** signature_algorithms (type 13), empty when absent. */
  readonly signatureAlgorithms: readonly number[];
  /** Groups of key_share entries (type 51), empty when absent. */
  readonly keyShareGroups: readonly number[];
  /** GREASE values (RFC 8701) seen anywhere, in order of appearance. */
  readonly grease: readonly number[];
  /** Extension types seen more than once (RFC 8446 §4.2 forbids it); the first occurrence is used. */
  readonly duplicateExtensions: readonly number[];
  /** Extension types whose body did not parse (their typed field is left empty). */
  readonly malformedExtensions: readonly number[];
  /** Number of records the hello came in. */
  readonly recordCount: number;
  /** Stream offset just past the hello's last byte. */
  readonly length: number;
}

/** Why a stream is not a ClientHello (docs/errors.md). */
export type ClientHelloErrorCode =
  | 'TLS_NOT_HANDSHAKE'
  | 'TLS_BAD_RECORD'
  | 'TLS_NOT_CLIENT_HELLO'
  | 'TLS_HELLO_TOO_LONG'
  | 'TLS_BAD_CLIENT_HELLO'
  | 'TLS_BAD_SSLV2_HELLO';

export type ClientHelloResult =
  | { readonly status: 'need-more' }
  | { readonly status: 'invalid'; readonly code: ClientHelloErrorCode; readonly reason: string }
  | { readonly status: 'ok'; readonly hello: ClientHello };

export interface ClientHelloOptions {
  /** Largest handshake body accepted (default {@link CLIENT_HELLO_MAX_LENGTH}). */
  readonly maxHelloLength?: number;
}

/** Extension type numbers used here (IANA TLS ExtensionType registry). */
export const TLS_EXT = {
  SERVER_NAME: 0,
  SUPPORTED_GROUPS: 10,
  EC_POINT_FORMATS: 11,
  SIGNATURE_ALGORITHMS: 13,
  ALPN: 16,
  SESSION_TICKET: 35,
  SUPPORTED_VERSIONS: 43,
  KEY_SHARE: 51,
} as const;

/** RFC 8701: GREASE values are 0x?A?A with both bytes equal. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** "SSLv3", "TLSv1.2"... as OpenSSL names a protocol version (ssl_fc_protocol). */
export function tlsVersionName(v: number): string {
  switch (v) {
    case 0x0002:
      return 'SSLv2';
    case 0x0300:
      return 'SSLv3';
    case 0x0301:
      return 'TLSv1';
    case 0x0302:
      return 'TLSv1.1';
    case 0x0303:
      return 'TLSv1.2';
    case 0x0304:
      return 'TLSv1.3';
    default:
      return `0x${v.toString(16).padStart(4, '0')}`;
  }
}

const NEED_MORE = { status: 'need-more' } as const;

function invalid(code: ClientHelloErrorCode, reason: string): ClientHelloResult {
  return { status: 'invalid', code, reason };
}

/**
 * Parses the ClientHello at the start of a client's byte stream.
 *
 * Any prefix of a stream gives `need-more` or the same result as the whole
 * stream: errors are reported as soon as the bytes that prove them are there.
 */
export function parseClientHello(buf: Uint8Array, opts: ClientHelloOptions = {}): ClientHelloResult {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  if (b.length === 0) return NEED_MORE;
  const first = b[0] as number;
  if (first === 0x16) return parseTlsRecords(b, opts.maxHelloLength ?? CLIENT_HELLO_MAX_LENGTH);
  if (first & 0x80) return parseSslv2Hello(b);
  if (first >= 0x14 && first <= 0x18) return invalid('TLS_NOT_HANDSHAKE', `record type ${first} is not handshake (22)`);
  return invalid('TLS_NOT_HANDSHAKE', 'not a TLS handshake record nor an SSLv2 ClientHello');
}

/** Walks handshake records, gathering the first handshake message. */
function parseTlsRecords(b: Buffer, maxHello: number): ClientHelloResult {
  const fragments: Buffer[] = [];
  let gathered = 0;
  let pos = 0;
  let records = 0;
  let recordVersion = -1;
  let hsLen = -1; // declared handshake body length, once known
  // Errors are reported in stream order: a fault in the hello bytes gathered
  // so far wins over a fault in a later record header, so that any prefix of
  // a stream gives `need-more` or the result of the whole stream. The partial
  // hello is checked at most once per call (no quadratic work on tiny records).
  const partial = (): ClientHelloResult => {
    if (hsLen < 0) return NEED_MORE;
    const body = Buffer.concat(fragments).subarray(4);
    const r = parseHelloBody(body, hsLen, { sslv2: false, recordVersion, records, length: 0 });
    return r.status === 'invalid' ? r : NEED_MORE;
  };
  const recordError = (code: ClientHelloErrorCode, reason: string): ClientHelloResult => {
    const earlier = partial();
    return earlier.status === 'invalid' ? earlier : invalid(code, reason);
  };
  for (;;) {
    // record header, checked byte by byte so that errors show up early
    const avail = b.length - pos;
    if (avail >= 1 && b[pos] !== 0x16) return recordError('TLS_NOT_HANDSHAKE', `record type ${b[pos]} is not handshake (22)`);
    if (avail >= 2 && b[pos + 1] !== 3) return recordError('TLS_BAD_RECORD', `record version major ${b[pos + 1]} is not 3`);
    if (avail < 5) break;
    const recLen = b.readUInt16BE(pos + 3);
    if (recLen === 0) return recordError('TLS_BAD_RECORD', 'empty handshake record'); // RFC 8446 §5.1
    if (recLen > TLS_RECORD_MAX) return recordError('TLS_BAD_RECORD', `record length ${recLen} exceeds ${TLS_RECORD_MAX}`);
    if (recordVersion < 0) recordVersion = b.readUInt16BE(pos + 1);
    records++;
    const bodyStart = pos + 5;
    const bodyEnd = Math.min(b.length, bodyStart + recLen);
    const before = gathered; // handshake bytes carried by earlier records
    fragments.push(b.subarray(bodyStart, bodyEnd));
    gathered += bodyEnd - bodyStart;
    if (before === 0 && bodyEnd > bodyStart && b[bodyStart] !== 1) {
      return invalid('TLS_NOT_CLIENT_HELLO', `handshake type ${b[bodyStart]} is not ClientHello (1)`);
    }
    if (hsLen < 0 && gathered >= 4) {
      const head = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments);
      hsLen = head.readUIntBE(1, 3);
      if (hsLen > maxHello) return invalid('TLS_HELLO_TOO_LONG', `ClientHello length ${hsLen} exceeds ${maxHello}`);
    }
    if (hsLen >= 0 && gathered >= 4 + hsLen) {
      // complete: the hello ends inside this record
      const all = fragments.length === 1 ? (fragments[0] as Buffer) : Buffer.concat(fragments);
      const body = all.subarray(4, 4 + hsLen);
      return parseHelloBody(body, body.length, {
        sslv2: false,
        recordVersion,
        records,
        length: bodyStart + (4 + hsLen - before),
      });
    }
    if (bodyEnd < bodyStart + recLen) break; // record incomplete
    pos = bodyStart + recLen;
  }
  // Not complete: validate what we have, so that a broken hello fails early.
  return partial();
}

interface Framing {
  readonly sslv2: boolean;
  readonly recordVersion: number;
  readonly records: number;
  readonly length: number;
}

/**
 * Parses a ClientHello body of declared length `declared`, of which `body`
 * holds the first bytes. Structural errors are `invalid`; running out of
 * bytes before `declared` is `need-more`.
 */
function parseHelloBody(body: Buffer, declared: number, framing: Framing): ClientHelloResult {
  const have = body.length;
  // A field [at, at+len) must fit the declared length; else it is an error.
  // It must also be in the bytes we have; else we need more.
  const check = (at: number, len: number, what: string): ClientHelloResult | null => {
    if (at + len > declared) return invalid('TLS_BAD_CLIENT_HELLO', `${what} overflows the ClientHello`);
    if (at + len > have) return NEED_MORE;
    return null;
  };
  let p = 0;
  let e = check(p, 2 + 32 + 1, 'version and random');
  if (e) return e;
  const clientVersion = body.readUInt16BE(0);
  if (clientVersion >> 8 !== 3) return invalid('TLS_BAD_CLIENT_HELLO', `client version 0x${clientVersion.toString(16)} is not SSLv3/TLS`);
  const random = body.subarray(2, 34);
  const sidLen = body[34] as number;
  if (sidLen > 32) return invalid('TLS_BAD_CLIENT_HELLO', `session id length ${sidLen} exceeds 32`);
  p = 35;
  e = check(p, sidLen + 2, 'session id');
  if (e) return e;
  const sessionId = body.subarray(p, p + sidLen);
  p += sidLen;
  const csLen = body.readUInt16BE(p);
  p += 2;
  if (csLen < 2 || csLen % 2 !== 0) return invalid('TLS_BAD_CLIENT_HELLO', `cipher suites length ${csLen} is not a positive even number`);
  e = check(p, csLen + 1, 'cipher suites');
  if (e) return e;
  const cipherSuites: number[] = [];
  const grease: number[] = [];
  for (let i = 0; i < csLen; i += 2) {
    const cs = body.readUInt16BE(p + i);
    cipherSuites.push(cs);
    if (isGrease(cs)) grease.push(cs);
  }
  p += csLen;
  const cmLen = body[p] as number;
  p += 1;
  if (cmLen < 1) return invalid('TLS_BAD_CLIENT_HELLO', 'no compression method');
  e = check(p, cmLen, 'compression methods');
  if (e) return e;
  const compressionMethods = body.subarray(p, p + cmLen);
  p += cmLen;

  const extensions: ClientHelloExtension[] = [];
  if (p < declared) {
    e = check(p, 2, 'extensions length');
    if (e) return e;
    const extTotal = body.readUInt16BE(p);
    p += 2;
    if (p + extTotal !== declared) return invalid('TLS_BAD_CLIENT_HELLO', `extensions length ${extTotal} does not match the ClientHello length`);
    const end = p + extTotal;
    while (p < end) {
      e = check(p, 4, 'extension header');
      if (e) return e;
      const type = body.readUInt16BE(p);
      const len = body.readUInt16BE(p + 2);
      if (p + 4 + len > end) return invalid('TLS_BAD_CLIENT_HELLO', `extension ${type} overflows the extensions block`);
      e = check(p + 4, len, 'extension');
      if (e) return e;
      extensions.push({ type, offset: p, data: body.subarray(p + 4, p + 4 + len) });
      p += 4 + len;
    }
  }
  return { status: 'ok', hello: decodeExtensions(framing, clientVersion, random, sessionId, cipherSuites, compressionMethods, extensions, grease) };
}

/** The 16-bit values of `d[from..from+len)` (GREASE ones also noted), or null when it does not fit. */
function u16List(d: Buffer, from: number, len: number, grease: number[]): number[] | null {
  if (len % 2 !== 0 || from + len > d.length) return null;
  const out: number[] = [];
  for (let i = from; i < from + len; i += 2) {
    const v = d.readUInt16BE(i);
    out.push(v);
    if (isGrease(v)) grease.push(v);
  }
  return out;
}

/** An extension that is exactly one `uint16 list<2..2^16-2>` vector (supported_groups, signature_algorithms). */
function u16Vector(d: Buffer, grease: number[]): number[] | null {
  return d.length >= 2 && d.readUInt16BE(0) === d.length - 2 ? u16List(d, 2, d.length - 2, grease) : null;
}

function decodeExtensions(
  framing: Framing,
  clientVersion: number,
  random: Buffer,
  sessionId: Buffer,
  cipherSuites: number[],
  compressionMethods: Buffer,
  extensions: ClientHelloExtension[],
  grease: number[],
): ClientHello {
  const seen = new Set<number>();
  const duplicateExtensions: number[] = [];
  const malformed: number[] = [];
  let serverName: string | undefined;
  let alpn: string[] = [];
  let supportedVersions: number[] = [];
  let supportedGroups: number[] | undefined;
  let ecPointFormats: number[] | undefined;
  let sessionTicket: Buffer | undefined;
  let signatureAlgorithms: number[] = [];
  let keyShareGroups: number[] = [];
  for (const ext of extensions) {
    if (isGrease(ext.type)) grease.push(ext.type);
    if (seen.has(ext.type)) {
      if (!duplicateExtensions.includes(ext.type)) duplicateExtensions.push(ext.type);
      continue; // the first occurrence wins, as haproxy's fetches find it first
    }
    seen.add(ext.type);
    const d = ext.data;
    let okExt = true;
    switch (ext.type) {
      case TLS_EXT.SERVER_NAME: {
        // RFC 6066 §3: ServerNameList <1..2^16-1> of { NameType; opaque HostName<1..2^16-1> }
        if (d.length < 2 || d.readUInt16BE(0) !== d.length - 2) {
          okExt = false;
          break;
        }
        for (let i = 2; i < d.length; ) {
          if (i + 3 > d.length) {
            okExt = false;
            break;
          }
          const nt = d[i] as number;
          const nl = d.readUInt16BE(i + 1);
          if (i + 3 + nl > d.length) {
            okExt = false;
            break;
          }
          if (nt === 0 && serverName === undefined) serverName = d.toString('latin1', i + 3, i + 3 + nl);
          i += 3 + nl;
        }
        break;
      }
      case TLS_EXT.ALPN: {
        // RFC 7301 §3.1: ProtocolNameList <2..2^16-1> of opaque ProtocolName<1..2^8-1>
        const names: string[] = [];
        if (d.length < 2 || d.readUInt16BE(0) !== d.length - 2) {
          okExt = false;
          break;
        }
        for (let i = 2; i < d.length; ) {
          const l = d[i] as number;
          if (l === 0 || i + 1 + l > d.length) {
            okExt = false;
            break;
          }
          names.push(d.toString('latin1', i + 1, i + 1 + l));
          i += 1 + l;
        }
        if (okExt) alpn = names;
        break;
      }
      case TLS_EXT.SUPPORTED_VERSIONS: {
        // RFC 8446 §4.2.1: ProtocolVersion versions<2..254>
        const l = d[0];
        const list = l !== undefined && l + 1 === d.length ? u16List(d, 1, l, grease) : null;
        if (list === null) okExt = false;
        else supportedVersions = list;
        break;
      }
      case TLS_EXT.SUPPORTED_GROUPS: {
        const list = u16Vector(d, grease);
        if (list === null) okExt = false;
        else supportedGroups = list;
        break;
      }
      case TLS_EXT.EC_POINT_FORMATS: {
        const l = d[0];
        if (l === undefined || l + 1 !== d.length) okExt = false;
        else ecPointFormats = [...d.subarray(1)];
        break;
      }
      case TLS_EXT.SESSION_TICKET:
        sessionTicket = d;
        break;
      case TLS_EXT.SIGNATURE_ALGORITHMS: {
        const list = u16Vector(d, grease);
        if (list === null) okExt = false;
        else signatureAlgorithms = list;
        break;
      }
      case TLS_EXT.KEY_SHARE: {
        // RFC 8446 §4.2.8: KeyShareEntry client_shares<0..2^16-1> of { group; key_exchange<1..2^16-1> }
        const groups: number[] = [];
        if (d.length < 2 || d.readUInt16BE(0) !== d.length - 2) {
          okExt = false;
          break;
        }
        for (let i = 2; i < d.length; ) {
          if (i + 4 > d.length) {
            okExt = false;
            break;
          }
          const g = d.readUInt16BE(i);
          const kl = d.readUInt16BE(i + 2);
          if (i + 4 + kl > d.length) {
            okExt = false;
            break;
          }
          groups.push(g);
          if (isGrease(g)) grease.push(g);
          i += 4 + kl;
        }
        if (okExt) keyShareGroups = groups;
        break;
      }
      default:
        break;
    }
    if (!okExt) malformed.push(ext.type);
  }
  let maxVersion = clientVersion;
  for (const v of supportedVersions) if (!isGrease(v) && v > maxVersion) maxVersion = v;
  return {
    sslv2: framing.sslv2,
    recordVersion: framing.recordVersion,
    handshakeType: 1,
    clientVersion,
    supportedVersions,
    maxVersion,
    random,
    sessionId,
    cipherSuites,
    compressionMethods,
    extensions,
    ...(serverName !== undefined ? { serverName } : {}),
    alpn,
    ...(supportedGroups !== undefined ? { supportedGroups } : {}),
    ...(ecPointFormats !== undefined ? { ecPointFormats } : {}),
    ...(sessionTicket !== undefined ? { sessionTicket } : {}),
    signatureAlgorithms,
    keyShareGroups,
    grease,
    duplicateExtensions,
    malformedExtensions: malformed,
    recordCount: framing.records,
    length: framing.length,
  };
}

/**
 * RFC 5246 Appendix E.2 / SSLv2 CLIENT-HELLO with a 2-byte header: msg type
 * 1, version, cipher_spec_length (multiple of 3), session_id_length (0 or
 * 16), challenge_length (16..32), then the three fields. The checks are those
 * of haproxy's `smp_fetch_req_ssl_ver()`.
 */
function parseSslv2Hello(b: Buffer): ClientHelloResult {
  const rlen = (((b[0] as number) & 0x7f) << 8) | (b[1] ?? 0);
  if (b.length >= 3 && b[2] !== 1) return invalid('TLS_BAD_SSLV2_HELLO', `SSLv2 message type ${b[2]} is not CLIENT-HELLO (1)`);
  if (b.length < 11) return NEED_MORE;
  const version = b.readUInt16BE(3);
  const cilen = b.readUInt16BE(5);
  const silen = b.readUInt16BE(7);
  const chlen = b.readUInt16BE(9);
  if (cilen % 3 !== 0) return invalid('TLS_BAD_SSLV2_HELLO', `SSLv2 cipher spec length ${cilen} is not a multiple of 3`);
  if (silen !== 0 && silen !== 16) return invalid('TLS_BAD_SSLV2_HELLO', `SSLv2 session id length ${silen} is not 0 or 16`);
  if (chlen < 16 || chlen > 32) return invalid('TLS_BAD_SSLV2_HELLO', `SSLv2 challenge length ${chlen} is not within 16..32`);
  if (rlen !== 9 + cilen + silen + chlen) return invalid('TLS_BAD_SSLV2_HELLO', 'SSLv2 record length does not match its fields');
  const end = 2 + rlen;
  if (b.length < end) return NEED_MORE;
  const cipherSuites: number[] = [];
  const grease: number[] = [];
  for (let i = 11; i < 11 + cilen; i += 3) cipherSuites.push(b.readUIntBE(i, 3));
  const sessionId = b.subarray(11 + cilen, 11 + cilen + silen);
  const random = b.subarray(11 + cilen + silen, end);
  return {
    status: 'ok',
    hello: decodeExtensions(
      { sslv2: true, recordVersion: 0x0002, records: 1, length: end },
      version,
      random,
      sessionId,
      cipherSuites,
      Buffer.alloc(1),
      [],
      grease,
    ),
  };
}

// ---------------------------------------------------------------------------
// haproxy 2.6 fetch semantics (src/payload.c)
// ---------------------------------------------------------------------------

/**
 * The outcome of a layer-4 fetch on the bytes received so far: a value,
 * `need-more` (haproxy's SMP_F_MAY_CHANGE: a rule waits, up to
 * inspect-delay, for more data) or `none` (no sample, final).
 */
export type HelloSample<T> = { readonly status: 'ok'; readonly value: T } | { readonly status: 'need-more' } | { readonly status: 'none' };

const S_MORE = { status: 'need-more' } as const;
const S_NONE = { status: 'none' } as const;

function sample<T>(value: T): HelloSample<T> {
  return { status: 'ok', value };
}

/**
 * `req.ssl_hello_type` / `res.ssl_hello_type` (`smp_fetch_ssl_hello_type`):
 * for a record of type 20..23 or 255 with major version >= 3 and a length of
 * at least 4, the byte after the record header (the handshake type: 1 for a
 * ClientHello, 2 for a ServerHello) once `9 + handshake length` bytes are
 * there. The record type itself is not checked against 22, and a hello
 * split over records counts every byte received, headers included.
 */
export function sslHelloTypeSample(buf: Uint8Array): HelloSample<number> {
  const n = buf.length;
  if (n === 0) return S_MORE;
  const t = buf[0] as number;
  if (!((t >= 0x14 && t <= 0x17) || t === 0xff)) return S_NONE;
  if (n < 9) return S_MORE;
  if ((buf[1] as number) < 3) return S_NONE;
  if ((((buf[3] as number) << 8) | (buf[4] as number)) < 4) return S_NONE;
  const hsLen = ((buf[6] as number) << 16) | ((buf[7] as number) << 8) | (buf[8] as number);
  if (n < hsLen + 9) return S_MORE;
  return sample(buf[5] as number);
}

/** `rep_ssl_hello_type` / `res.ssl_hello_type`: the same function on the response buffer. */
export const parseServerHelloType = sslHelloTypeSample;

/**
 * `req.ssl_ver` (`smp_fetch_req_ssl_ver`): major * 65536 + minor of the
 * *ClientHello* version (bytes 9–10, not the record version), so 0x0303 gives
 * 196611 ("3.3") for TLS 1.2 and TLS 1.3 clients alike. Needs the whole first
 * record (length 6..2^14+2048), or `recvLimit` bytes when the record is larger
 * than the buffer (haproxy's `channel_recv_limit()`: bufsize - maxrewrite).
 * SSLv2 hellos (2- or 3-byte header) give their version, e.g. 0x0002 → 2.
 */
export function sslVerSample(buf: Uint8Array, recvLimit = 16384 - 1024): HelloSample<number> {
  const n = buf.length;
  if (n === 0) return S_MORE;
  const t = buf[0] as number;
  let version: number;
  let msgLen: number;
  let left: number;
  if ((t >= 0x14 && t <= 0x17) || t === 0xff) {
    if (n < 11) return S_MORE;
    const recVersion = ((buf[1] as number) << 16) + (buf[2] as number);
    msgLen = ((buf[3] as number) << 8) + (buf[4] as number);
    if (recVersion < 0x30000) return S_NONE;
    if (msgLen < 6 || msgLen > TLS_RECORD_MAX) return S_NONE;
    left = n - 5;
    version = ((buf[9] as number) << 16) + (buf[10] as number);
  } else {
    let rlen: number;
    let plen: number;
    let at: number;
    if (t & 0x80) {
      if (n < 3) return S_MORE;
      rlen = ((t & 0x7f) << 8) | (buf[1] as number);
      plen = 0;
      at = 2;
    } else {
      if (n < 4) return S_MORE;
      rlen = ((t & 0x3f) << 8) | (buf[1] as number);
      plen = buf[2] as number;
      at = 3;
    }
    if (buf[at] !== 0x01) return S_NONE;
    at++;
    if (n - at < 8) return S_MORE;
    version = ((buf[at] as number) << 16) + (buf[at + 1] as number);
    const cilen = ((buf[at + 2] as number) << 8) + (buf[at + 3] as number);
    const silen = ((buf[at + 4] as number) << 8) + (buf[at + 5] as number);
    const chlen = ((buf[at + 6] as number) << 8) + (buf[at + 7] as number);
    at += 8;
    if (cilen % 3 !== 0) return S_NONE;
    if (silen && silen !== 16) return S_NONE;
    if (chlen < 16 || chlen > 32) return S_NONE;
    if (rlen !== 9 + cilen + silen + chlen) return S_NONE;
    msgLen = cilen + silen + chlen + plen;
    left = n - at;
  }
  if (msgLen > recvLimit) msgLen = recvLimit;
  if (left < msgLen) return S_MORE;
  return sample(version);
}

/**
 * The common walk of haproxy's SNI / ALPN / EC / ticket fetches: a handshake
 * record (major >= 3, length >= 49) holding a ClientHello (length >= 45,
 * version >= 3.1) whose session id, cipher suites and compression methods
 * fit; returns the bounds of the extensions list. Only the first record is
 * looked at, and the hello is taken as complete once the record payload
 * holds `handshake length` bytes (haproxy does not count the 4-byte
 * handshake header); we answer `need-more` rather than read past the data.
 */
function helloExtensions(buf: Uint8Array): HelloSample<{ start: number; end: number }> {
  const n = buf.length;
  if (n === 0) return S_MORE;
  if (buf[0] !== 0x16) return S_NONE;
  if (n < 3) return S_MORE;
  if ((buf[1] as number) < 3) return S_NONE;
  if (n < 5) return S_MORE;
  const recLen = ((buf[3] as number) << 8) + (buf[4] as number);
  if (recLen < 1 + 3 + 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + 2) return S_NONE;
  if (n < 6) return S_MORE;
  if (buf[5] !== 0x01) return S_NONE;
  if (n < 9) return S_MORE;
  let hsLen = ((buf[6] as number) << 16) + ((buf[7] as number) << 8) + (buf[8] as number);
  if (hsLen < 2 + 32 + 1 + 2 + 2 + 1 + 1 + 2 + 2) return S_NONE;
  if (n - 5 < hsLen) return S_MORE;
  let d = 9;
  // From here haproxy may read up to 4 bytes past the data; we wait instead.
  const past = (i: number): boolean => i >= n;
  if (past(d + 34)) return S_MORE;
  if ((buf[d] as number) < 3 || (buf[d + 1] as number) < 1) return S_NONE;
  const sid = buf[d + 34] as number;
  if (sid > 32 || sid > hsLen - 35) return S_NONE;
  hsLen -= 35 + sid;
  d += 35 + sid;
  if (hsLen < 4) return S_NONE;
  if (past(d + 1)) return S_MORE;
  const cs = ((buf[d] as number) << 8) + (buf[d + 1] as number);
  if (cs < 2 || cs > hsLen) return S_NONE;
  hsLen -= 2 + cs;
  d += 2 + cs;
  if (hsLen < 2) return S_NONE;
  if (past(d)) return S_MORE;
  const cm = buf[d] as number;
  if (cm < 1 || cm > hsLen) return S_NONE;
  hsLen -= 1 + cm;
  d += 1 + cm;
  if (hsLen < 2) return S_NONE;
  if (past(d + 1)) return S_MORE;
  const extLen = ((buf[d] as number) << 8) + (buf[d + 1] as number);
  if (extLen > hsLen - 2) return S_NONE;
  return sample({ start: d + 2, end: d + 2 + extLen });
}

/**
 * haproxy's extension loop: the first extension of `type` as its body offset,
 * length and what was left of the list at its header; `null` when the walk
 * ends without finding it; `none` when an extension overflows the list.
 */
function findExtension(buf: Uint8Array, type: number): HelloSample<{ at: number; len: number; left: number } | null> {
  const w = helloExtensions(buf);
  if (w.status !== 'ok') return w;
  let d = w.value.start;
  let left = w.value.end - w.value.start;
  while (left >= 4) {
    if (d + 4 > buf.length) return S_MORE;
    const t = ((buf[d] as number) << 8) + (buf[d + 1] as number);
    const len = ((buf[d + 2] as number) << 8) + (buf[d + 3] as number);
    if (len > left - 4) return S_NONE;
    if (t === type) return sample({ at: d + 4, len, left });
    left -= 4 + len;
    d += 4 + len;
  }
  return sample(null);
}

/**
 * `req.ssl_sni` (`smp_fetch_ssl_hello_sni`): the name of the first
 * server_name extension whose first entry is a host_name (type 0), as
 * latin1. An extension whose first entry has another type is skipped and the
 * walk goes on (a later server_name extension may match). The list length is
 * bounded by what is left of the extensions, not by the extension, and the
 * name length is not bounded at all (haproxy returns the bytes that follow).
 */
export function sslSniSample(buf: Uint8Array): HelloSample<string> {
  const w = helloExtensions(buf);
  if (w.status !== 'ok') return w;
  let d = w.value.start;
  let left = w.value.end - w.value.start;
  while (left >= 4) {
    if (d + 4 > buf.length) return S_MORE;
    const t = ((buf[d] as number) << 8) + (buf[d + 1] as number);
    const len = ((buf[d + 2] as number) << 8) + (buf[d + 3] as number);
    if (len > left - 4) return S_NONE;
    if (t === TLS_EXT.SERVER_NAME) {
      if (len < 2) return S_NONE;
      if (d + 9 > buf.length) return S_MORE;
      const listLen = ((buf[d + 4] as number) << 8) + (buf[d + 5] as number);
      if (listLen < 4 || listLen > left - 6) return S_NONE;
      if (buf[d + 6] === 0) {
        const nameLen = ((buf[d + 7] as number) << 8) + (buf[d + 8] as number);
        if (d + 9 + nameLen > buf.length) return S_MORE;
        return sample(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', d + 9, d + 9 + nameLen));
      }
    }
    left -= 4 + len;
    d += 4 + len;
  }
  return S_NONE;
}

/**
 * `req.ssl_alpn`: the protocol names of the first ALPN extension, in order
 * (a multi-value fetch: a log or a variable gets the first, an ACL matches
 * any). As haproxy 2.6 does (checked against 2.6.12): the 2-byte list length
 * is skipped without being checked, names are read up to the end of the
 * extension, a zero-length name gives an empty string, and the walk stops at
 * the first name that overflows the extension.
 */
export function sslAlpnSample(buf: Uint8Array): HelloSample<string[]> {
  const f = findExtension(buf, TLS_EXT.ALPN);
  if (f.status !== 'ok') return f;
  if (f.value === null) return S_NONE;
  const { at, len } = f.value;
  const end = at + len;
  if (end > buf.length) return S_MORE;
  const view = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const names: string[] = [];
  for (let p = at + 2; p < end; ) {
    const l = buf[p] as number;
    if (p + 1 + l > end) break;
    names.push(view.toString('latin1', p + 1, p + 1 + l));
    p += 1 + l;
  }
  return names.length > 0 ? sample(names) : S_NONE;
}

/**
 * `req.ssl_ec_ext` (`smp_fetch_req_ssl_ec_ext`): true when the hello has the
 * supported_groups (elliptic_curves, type 10) extension. Without it the fetch
 * fails (`none`) rather than returning false.
 */
export function sslEcExtSample(buf: Uint8Array): HelloSample<boolean> {
  const f = findExtension(buf, TLS_EXT.SUPPORTED_GROUPS);
  if (f.status !== 'ok') return f;
  return f.value === null ? S_NONE : sample(true);
}

/**
 * `req.ssl_st_ext` (`smp_fetch_req_ssl_st_ext`): 0 without a SessionTicket
 * extension, 1 when it is empty, 2 when it carries a ticket.
 */
export function sslStExtSample(buf: Uint8Array): HelloSample<number> {
  const f = findExtension(buf, TLS_EXT.SESSION_TICKET);
  if (f.status !== 'ok') return f;
  return sample(f.value === null ? 0 : f.value.len > 0 ? 2 : 1);
}
