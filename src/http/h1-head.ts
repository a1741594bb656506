/**
 * A parsed HTTP/1 head (request line or status line, then header fields), or
 * a trailer section, kept as offsets into the Buffer it was parsed from.
 *
 * Nothing is turned into a string until asked: `getHeader('host')` compares
 * the name bytes in place and builds only the value it returns. One H1Head
 * object is owned by each parser and reused for every message; it is valid
 * until the parser parses the next head, and only while the bytes of the
 * Buffer it points at are left untouched. `detach()` copies it out when it
 * must outlive them.
 *
 * The parser marks the normalizations haproxy applies (see H1_NORMALIZATIONS
 * in h1-errors.ts) on the head instead of rewriting bytes: a header haproxy
 * would not forward carries HDR_DROPPED, a Connection header that still lists
 * close/keep-alive among other tokens carries HDR_CONN_CLEAN. The writer
 * (h1-writer.ts) honours both. Obs-fold is the exception: as in haproxy
 * (src/h1.c, H1_MSG_HDR_L2_LWS), the CR and LF of a folded line are
 * overwritten with spaces in the input Buffer.
 */

// ---- per-header flags ------------------------------------------------------

/** Not forwarded: duplicate Content-Length/Host, Content-Length beside Transfer-Encoding, Connection left empty... */
export const HDR_DROPPED = 1;
/** A Connection header whose value must be written without its close / keep-alive tokens. */
export const HDR_CONN_CLEAN = 2;

// ---- message flags (haproxy's H1_MF_* where one exists) --------------------

/** HTTP/1.1 or above (H1_MF_VER_11): persistent by default. */
export const MSG_VER_11 = 1 << 0;
/** A valid Content-Length was seen (H1_MF_CLEN). */
export const MSG_CLEN = 1 << 1;
/** chunked is the final transfer coding (H1_MF_CHNK). */
export const MSG_CHUNKED = 1 << 2;
/** A Transfer-Encoding header was seen (H1_MF_XFER_ENC). */
export const MSG_XFER_ENC = 1 << 3;
/** chunked appeared in Transfer-Encoding (H1_MF_TE_CHUNKED). */
export const MSG_TE_CHUNKED = 1 << 4;
/** A coding other than chunked appeared in Transfer-Encoding (H1_MF_TE_OTHER). */
export const MSG_TE_OTHER = 1 << 5;
/** Connection: close (H1_MF_CONN_CLO). */
export const MSG_CONN_CLOSE = 1 << 6;
/** Connection: keep-alive (H1_MF_CONN_KAL). */
export const MSG_CONN_KEEPALIVE = 1 << 7;
/** Connection: upgrade (H1_MF_CONN_UPG); cleared on requests with a body. */
export const MSG_CONN_UPGRADE = 1 << 8;
/** Upgrade lists websocket (H1_MF_UPG_WEBSOCKET). */
export const MSG_UPGRADE_WEBSOCKET = 1 << 9;
/** An Upgrade header is present (and kept). */
export const MSG_HAS_UPGRADE = 1 << 10;
/** A non-empty Sec-WebSocket-Key (requests) or Sec-WebSocket-Accept (responses). */
export const MSG_WS_KEY = 1 << 11;
/** An HTTP/0.9 request turned into HTTP/1.0 (accept-invalid-http-request only). */
export const MSG_HTTP09 = 1 << 12;
/** Content-Length and Transfer-Encoding together on a request: haproxy closes the client connection after this transaction. */
export const MSG_FORCE_CLOSE = 1 << 13;
/** A 1xx response other than 101: another head follows. */
export const MSG_INTERIM = 1 << 14;
/** A 101 response accepted as a protocol switch: the connection becomes a tunnel. */
export const MSG_SWITCHING = 1 << 15;

// ---- body framing -----------------------------------------------------------

export const BODY_NONE = 0;
export const BODY_LENGTH = 1;
export const BODY_CHUNKED = 2;
/** Response delimited by the server closing the connection. */
export const BODY_UNTIL_CLOSE = 3;
/** Everything after the head belongs to another protocol (101, or CONNECT once the stream says so). */
export const BODY_TUNNEL = 4;
export type BodyKind = typeof BODY_NONE | typeof BODY_LENGTH | typeof BODY_CHUNKED | typeof BODY_UNTIL_CLOSE | typeof BODY_TUNNEL;

// ---- request methods (haproxy's enum http_meth_t; case-sensitive) ----------

export const METHOD_OTHER = 0;
export const METHOD_GET = 1;
export const METHOD_HEAD = 2;
export const METHOD_POST = 3;
export const METHOD_PUT = 4;
export const METHOD_DELETE = 5;
export const METHOD_CONNECT = 6;
export const METHOD_OPTIONS = 7;
export const METHOD_TRACE = 8;

// ---- request-target forms (RFC 9112 §3.2) -----------------------------------

export const TARGET_ORIGIN = 0;
export const TARGET_ABSOLUTE = 1;
export const TARGET_AUTHORITY = 2;
export const TARGET_ASTERISK = 3;

/** ASCII lowercase of every byte value (other bytes unchanged). */
export const LOWER: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let i = 0; i < 256; i++) t[i] = i >= 0x41 && i <= 0x5a ? i + 0x20 : i;
  return t;
})();

/** A head turned into plain strings, for heavy rewriting (see `H1Head.toCanonical`). */
export interface CanonicalHead {
  readonly isResponse: boolean;
  method: string;
  target: string;
  /** As it goes on the wire (`HTTP/1.1` for any 1.1+ version, as in haproxy's output). */
  version: string;
  status: number;
  /** The status code as received (haproxy forwards `099` or `2000` as written). */
  statusText: string;
  reason: string;
  /** Names as received (the writer lowercases them); dropped headers are left out. */
  headers: Array<[name: string, value: string]>;
}

/**
 * The view of one head. Fields are public for the parser and the writer;
 * everyone else should use the methods.
 */
export class H1Head {
  buf: Buffer = Buffer.alloc(0);
  isResponse: boolean;
  /** First byte of the start line (after skipped empty lines), or of the first trailer. */
  start = 0;
  /** One past the LF that ends the head. */
  end = 0;
  flags = 0;
  bodyKind: BodyKind = BODY_NONE;
  /** Declared Content-Length (meaningful when MSG_CLEN); precise up to 2^53. */
  contentLength = 0;

  // request line
  method = METHOD_OTHER;
  methodStart = 0;
  methodEnd = 0;
  targetStart = 0;
  targetEnd = 0;
  targetForm = TARGET_ORIGIN;
  // status line
  status = 0;
  statusStart = 0;
  statusEnd = 0;
  reasonStart = 0;
  reasonEnd = 0;
  // both (empty for HTTP/0.9)
  versionStart = 0;
  versionEnd = 0;

  /** Header fields: [nameStart, nameEnd, valueStart, valueEnd] per field, `count` of them. */
  hdr: Int32Array;
  /** HDR_* flags per field. */
  hdrFlags: Uint8Array;
  count = 0;
  /** Index of the first Host header, -1 when none. */
  hostIndex = -1;

  constructor(isResponse: boolean, capacity = 101) {
    this.isResponse = isResponse;
    this.hdr = new Int32Array(Math.max(1, capacity) * 4);
    this.hdrFlags = new Uint8Array(Math.max(1, capacity));
  }

  /** Forgets the previous message (keeps the arrays). */
  reset(buf: Buffer, start: number): void {
    this.buf = buf;
    this.start = start;
    this.end = start;
    this.flags = 0;
    this.bodyKind = BODY_NONE;
    this.contentLength = 0;
    this.method = METHOD_OTHER;
    this.methodStart = this.methodEnd = this.targetStart = this.targetEnd = start;
    this.targetForm = TARGET_ORIGIN;
    this.status = 0;
    this.statusStart = this.statusEnd = this.reasonStart = this.reasonEnd = start;
    this.versionStart = this.versionEnd = start;
    this.count = 0;
    this.hostIndex = -1;
  }

  /** Moves every offset by `delta` (the parser calls it when the unparsed bytes moved). */
  rebase(buf: Buffer, delta: number): void {
    this.buf = buf;
    if (delta === 0) return;
    this.start += delta;
    this.end += delta;
    this.methodStart += delta;
    this.methodEnd += delta;
    this.targetStart += delta;
    this.targetEnd += delta;
    this.statusStart += delta;
    this.statusEnd += delta;
    this.reasonStart += delta;
    this.reasonEnd += delta;
    this.versionStart += delta;
    this.versionEnd += delta;
    const h = this.hdr;
    for (let i = 0, n = this.count * 4; i < n; i++) h[i] = (h[i] ?? 0) + delta;
  }

  /** Grows the field arrays (only when the parser is configured above the initial capacity). */
  ensureCapacity(n: number): void {
    if (n <= this.hdrFlags.length) return;
    const hdr = new Int32Array(n * 4);
    hdr.set(this.hdr);
    const fl = new Uint8Array(n);
    fl.set(this.hdrFlags);
    this.hdr = hdr;
    this.hdrFlags = fl;
  }

  // ---- start line -----------------------------------------------------------

  /** The method as received (requests). */
  methodName(): string {
    return this.buf.toString('latin1', this.methodStart, this.methodEnd);
  }

  /** The request-target as received (requests). */
  target(): string {
    return this.buf.toString('latin1', this.targetStart, this.targetEnd);
  }

  /** The version as received (`HTTP/1.0` for an HTTP/0.9 request). */
  versionText(): string {
    if (this.flags & MSG_HTTP09) return 'HTTP/1.0';
    return this.buf.toString('latin1', this.versionStart, this.versionEnd);
  }

  /** The status code as received (responses). */
  statusText(): string {
    return this.buf.toString('latin1', this.statusStart, this.statusEnd);
  }

  /** The reason phrase (responses). */
  reason(): string {
    return this.buf.toString('latin1', this.reasonStart, this.reasonEnd);
  }

  // ---- header fields ----------------------------------------------------------

  /** The name of field `i` as received. */
  name(i: number): string {
    return this.buf.toString('latin1', this.hdr[i * 4] ?? 0, this.hdr[i * 4 + 1] ?? 0);
  }

  /** The value of field `i`, without surrounding blanks. */
  value(i: number): string {
    return this.buf.toString('latin1', this.hdr[i * 4 + 2] ?? 0, this.hdr[i * 4 + 3] ?? 0);
  }

  /** Whether field `i` is not forwarded (a normalization, see HDR_DROPPED). */
  isDropped(i: number): boolean {
    return ((this.hdrFlags[i] ?? 0) & HDR_DROPPED) !== 0;
  }

  /** Whether the name of field `i` equals `lowerName` (which must be lowercase), case-insensitively. */
  nameIs(i: number, lowerName: string): boolean {
    const ns = this.hdr[i * 4] ?? 0;
    const ne = this.hdr[i * 4 + 1] ?? 0;
    const n = lowerName.length;
    if (ne - ns !== n) return false;
    const b = this.buf;
    for (let k = 0; k < n; k++) {
      if (LOWER[b[ns + k] ?? 0] !== lowerName.charCodeAt(k)) return false;
    }
    return true;
  }

  /** Index of the first kept field named `name` at or after `from`, or -1. */
  find(name: string, from = 0): number {
    const lower = name.toLowerCase();
    for (let i = from; i < this.count; i++) {
      if (((this.hdrFlags[i] ?? 0) & HDR_DROPPED) === 0 && this.nameIs(i, lower)) return i;
    }
    return -1;
  }

  /** The value of the first kept field named `name` (any case), or undefined. */
  getHeader(name: string): string | undefined {
    const i = this.find(name);
    return i < 0 ? undefined : this.value(i);
  }

  /** The values of every kept field named `name`, in order. */
  getHeaders(name: string): string[] {
    const out: string[] = [];
    const lower = name.toLowerCase();
    for (let i = 0; i < this.count; i++) {
      if (((this.hdrFlags[i] ?? 0) & HDR_DROPPED) === 0 && this.nameIs(i, lower)) out.push(this.value(i));
    }
    return out;
  }

  /**
   * Calls `fn(name, value, index)` for every kept field in order (names as
   * received). Builds two strings per field: prefer `find`/`nameIs` on hot paths.
   */
  forEachHeader(fn: (name: string, value: string, index: number) => void): void {
    for (let i = 0; i < this.count; i++) {
      if (((this.hdrFlags[i] ?? 0) & HDR_DROPPED) === 0) fn(this.name(i), this.value(i), i);
    }
  }

  /**
   * The tokens of every Connection header, lowercased, in order (including
   * close / keep-alive / upgrade, which the parser also reflects in `flags`).
   */
  connectionTokens(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.count; i++) {
      if (!this.nameIs(i, 'connection')) continue;
      for (const t of this.value(i).split(',')) {
        const w = t.trim().toLowerCase();
        if (w !== '') out.push(w);
      }
    }
    return out;
  }

  // ---- semantics ----------------------------------------------------------------

  /** HTTP/1.1 or above (haproxy's H1_MF_VER_11). */
  get http11(): boolean {
    return (this.flags & MSG_VER_11) !== 0;
  }

  /**
   * Whether this message lets the connection persist (RFC 9112 §9.3):
   * HTTP/1.1 unless `Connection: close`, HTTP/1.0 only with
   * `Connection: keep-alive`; never for a close-delimited body.
   */
  get keepAlive(): boolean {
    if (this.bodyKind === BODY_UNTIL_CLOSE) return false;
    if (this.flags & MSG_FORCE_CLOSE) return false;
    if (this.flags & MSG_CONN_CLOSE) return false;
    if (this.flags & MSG_VER_11) return true;
    return (this.flags & MSG_CONN_KEEPALIVE) !== 0;
  }

  /** A request with Connection: upgrade and no body, which a 101 may answer. */
  get wantsUpgrade(): boolean {
    return !this.isResponse && (this.flags & MSG_CONN_UPGRADE) !== 0;
  }

  /** A 1xx response other than 101 (another head follows). */
  get isInterim(): boolean {
    return (this.flags & MSG_INTERIM) !== 0;
  }

  /** `Expect: 100-continue` on a request (RFC 9110 §10.1.1). */
  get expectsContinue(): boolean {
    const i = this.find('expect');
    return i >= 0 && this.value(i).toLowerCase() === '100-continue';
  }

  // ---- copies -------------------------------------------------------------------

  /** Plain strings, for rewriting (see CanonicalHead); dropped fields are left out. */
  toCanonical(): CanonicalHead {
    const headers: Array<[string, string]> = [];
    this.forEachHeader((n, v) => headers.push([n, v]));
    const version = this.flags & MSG_VER_11 ? 'HTTP/1.1' : this.versionText();
    return {
      isResponse: this.isResponse,
      method: this.isResponse ? '' : this.methodName(),
      target: this.isResponse ? '' : this.target(),
      version,
      status: this.status,
      statusText: this.isResponse ? this.statusText() : '',
      reason: this.isResponse ? this.reason() : '',
      headers,
    };
  }

  /**
   * A copy that owns its bytes (the head's bytes are copied into a new
   * Buffer and every offset moved), for when the input Buffer is recycled.
   */
  detach(): H1Head {
    const copy = new H1Head(this.isResponse, Math.max(1, this.count));
    const bytes = Buffer.from(this.buf.subarray(this.start, this.end));
    copy.buf = bytes;
    copy.flags = this.flags;
    copy.bodyKind = this.bodyKind;
    copy.contentLength = this.contentLength;
    copy.method = this.method;
    copy.targetForm = this.targetForm;
    copy.status = this.status;
    copy.hostIndex = this.hostIndex;
    copy.count = this.count;
    const d = -this.start;
    copy.start = 0;
    copy.end = this.end + d;
    copy.methodStart = this.methodStart + d;
    copy.methodEnd = this.methodEnd + d;
    copy.targetStart = this.targetStart + d;
    copy.targetEnd = this.targetEnd + d;
    copy.statusStart = this.statusStart + d;
    copy.statusEnd = this.statusEnd + d;
    copy.reasonStart = this.reasonStart + d;
    copy.reasonEnd = this.reasonEnd + d;
    copy.versionStart = this.versionStart + d;
    copy.versionEnd = this.versionEnd + d;
    for (let i = 0; i < this.count * 4; i++) copy.hdr[i] = (this.hdr[i] ?? 0) + d;
    copy.hdrFlags.set(this.hdrFlags.subarray(0, this.count));
    return copy;
  }
}
