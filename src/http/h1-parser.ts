/**
 * Incremental HTTP/1.x parser for requests and responses: bytes in, events
 * out, with haproxy 2.6's verdicts (src/h1.c, src/h1_htx.c, src/mux_h1.c).
 *
 * ## API
 *
 * ```ts
 * const p = new H1Parser({ kind: 'request', bufsize: 16384, maxrewrite: 1024, maxhdr: 101 }, {
 *   onHead(head)           { ...decide, write the head...; return false },  // false: pause after the head
 *   onData(buf, start, end) { server.write(buf.subarray(start, end)) },      // body payload, de-chunked, zero-copy
 *   onTrailers(trailers)   { ... },                                          // an H1Head with only fields
 *   onEnd()                { return false },                                 // false: pause after the message
 * });
 * const n = p.feed(buf, start, end);   // bytes consumed, or -1 (p.error is the H1Error)
 * ```
 *
 * - `feed` parses as much of `buf[start, end)` as it can and returns the
 *   number of bytes consumed. Bytes not consumed (an incomplete head, an
 *   incomplete chunk-size line, or everything after a pause) must be passed
 *   again, first, on the next call, possibly in another Buffer with more
 *   bytes appended: the parser resumes where it stopped.
 * - A head is parsed once it is complete in the buffer, as haproxy does; it
 *   must fit in `bufsize` raw bytes and in `bufsize - maxrewrite` once
 *   converted to haproxy's internal HTX form (H1_HEAD_TOO_LARGE otherwise),
 *   with at most `maxhdr - 1` fields. `onHead` receives the parser's
 *   H1Head, which points into `buf`: use it (or `detach()` it) before the
 *   bytes are reused.
 * - Body bytes are handed out as slices of the input (`onData`), already
 *   de-chunked; the chunk framing, extensions and the trailers' raw bytes are
 *   consumed by the parser. `head.bodyKind` tells the framing: BODY_NONE,
 *   BODY_LENGTH (`head.contentLength`), BODY_CHUNKED, BODY_UNTIL_CLOSE
 *   (responses without length: call `finish()` at EOF), BODY_TUNNEL.
 * - Responses: call `expectResponseTo(requestInfo(reqHead))` (or pass REQ_*
 *   flags) before the response arrives, so that a response to HEAD has no
 *   body, a 2xx to CONNECT and an accepted 101 become tunnels, and a 101
 *   nobody asked for is refused. 1xx interim responses are reported by
 *   `onHead` (`head.isInterim`) without `onEnd`, then the final head follows.
 *   After a 101 (or `startTunnel()` once the stream saw a 2xx to CONNECT),
 *   every byte goes to `onData` untouched.
 * - Pipelining: after `onEnd` the parser starts the next message in the same
 *   call unless `onEnd` returned false.
 * - Errors: `feed` returns -1 and `error` holds an H1Error whose `status` is
 *   haproxy's answer (400/413/422 for requests, 502 for responses). The
 *   parser then refuses everything until `reset()`.
 *
 * ## Writing
 * h1-writer.ts serializes the head (`writeHead(head, patch)`: one Buffer,
 * with the normalizations haproxy applies) and frames body slices
 * (`chunkHeader(n)`, `CHUNK_END`, `LAST_CHUNK`), so a stream can send the head
 * in one write and then forward the `onData` slices without copying.
 *
 * ## Differences from haproxy
 * An error inside a line is only detected once the line's LF has arrived
 * (haproxy sees it byte by byte); the verdict is the same, it may come later
 * for a client that sends half a line and waits.
 */
import { H1Error, type H1ErrorCode } from './h1-errors.js';
import {
  BODY_CHUNKED,
  BODY_LENGTH,
  BODY_NONE,
  BODY_TUNNEL,
  BODY_UNTIL_CLOSE,
  H1Head,
  HDR_CONN_CLEAN,
  HDR_DROPPED,
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
  MSG_FORCE_CLOSE,
  MSG_HAS_UPGRADE,
  MSG_HTTP09,
  MSG_INTERIM,
  MSG_SWITCHING,
  MSG_TE_CHUNKED,
  MSG_TE_OTHER,
  MSG_UPGRADE_WEBSOCKET,
  MSG_VER_11,
  MSG_WS_KEY,
  MSG_XFER_ENC,
  TARGET_ABSOLUTE,
  TARGET_ASTERISK,
  TARGET_AUTHORITY,
  TARGET_ORIGIN,
} from './h1-head.js';

export interface H1ParserOptions {
  /** Which messages this parser reads. */
  readonly kind: 'request' | 'response';
  /** tune.bufsize (default 16384). */
  readonly bufsize?: number;
  /** tune.maxrewrite (default 1024, at most half of bufsize, as haproxy). */
  readonly maxrewrite?: number;
  /** tune.http.maxhdr (default 101): at most maxhdr - 1 fields per head or trailer section. */
  readonly maxhdr?: number;
  /** option accept-invalid-http-request (request parser) / accept-invalid-http-response (response parser). */
  readonly acceptInvalid?: boolean;
}

/** Where the parser reports what it found. One object per parser: no closure per message. */
export interface H1Events {
  /** A complete head. Return false to pause: `feed` returns right after the head. */
  onHead(head: H1Head): boolean | void;
  /** Body payload bytes (de-chunked), or tunnel bytes: `buf[start, end)`, valid during the call. */
  onData(buf: Buffer, start: number, end: number): void;
  /** The trailer fields of a chunked message (only called when there is at least one). */
  onTrailers(trailers: H1Head): void;
  /** The message is complete. Return false to pause before the next message. */
  onEnd(): boolean | void;
}

/** The request was HEAD: the response has no body whatever its headers say (RFC 9110 §9.3.2). */
export const REQ_HEAD = 1;
/** The request was CONNECT: a 2xx response starts a tunnel (RFC 9110 §9.3.6). */
export const REQ_CONNECT = 2;
/** The request asked for an upgrade (Connection: upgrade, no body): a 101 is allowed. */
export const REQ_UPGRADE = 4;

/** The REQ_* flags a response parser needs about the request it answers. */
export function requestInfo(req: H1Head): number {
  let f = 0;
  if (req.method === METHOD_HEAD) f |= REQ_HEAD;
  if (req.method === METHOD_CONNECT) f |= REQ_CONNECT;
  if (req.flags & MSG_CONN_UPGRADE) f |= REQ_UPGRADE;
  return f;
}

// ---- byte classes (RFC 9110 §5.6.2 tchar; haproxy's HTTP_FLG_VER) ----------

const TOKEN = new Uint8Array(256);
for (const c of "!#$%&'*+-.^_`|~") TOKEN[c.charCodeAt(0)] = 1;
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;

/** haproxy accepts only these in a version: the letters of "HTTP", '/', '.', digits. */
const VER = new Uint8Array(256);
for (const c of 'HTP/.0123456789') VER[c.charCodeAt(0)] = 1;

/** Hex digit values, -1 elsewhere. */
const HEX = new Int8Array(256).fill(-1);
for (let c = 0; c < 10; c++) HEX[0x30 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[0x41 + c] = 10 + c;
  HEX[0x61 + c] = 10 + c;
}

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;
const COLON = 58;

/** haproxy's chunk-size guard (h1_parse_chunk_size): at most 13 hex digits' worth, < 2^52. */
const CHUNK_SIZE_LIMIT = 2 ** 52;

// parser states
const ST_HEAD = 0;
const ST_LENGTH = 1;
const ST_CHUNK_SIZE = 2;
const ST_CHUNK_DATA = 3;
const ST_CHUNK_CRLF = 4;
const ST_TRAILERS = 5;
const ST_UNTIL_CLOSE = 6;
const ST_TUNNEL = 7;
const ST_ERROR = 8;

// head-parsing sub-states
const HS_FRESH = 0; // nothing seen yet (empty lines are skipped here)
const HS_FIELDS = 1; // start line done (or trailers): fields or the empty line next

/**
 * HTX cost constants, measured on haproxy 2.6.12: a head is accepted when
 * sum(start-line parts) + sum(name + value) + 8 * fields + 85 <= bufsize - maxrewrite;
 * a trailer section when sum(name + value) + 8 * fields + 57 <= bufsize - maxrewrite.
 */
const HTX_HEAD_OVERHEAD = 85;
const HTX_TRAILERS_OVERHEAD = 57;
const HTX_PER_FIELD = 8;

/** The incremental HTTP/1 parser (see the module comment for the API). */
export class H1Parser {
  /** The head being parsed / last parsed (reused for every message). */
  readonly head: H1Head;
  /** The trailers of the last chunked message (reused). */
  readonly trailers: H1Head;
  /** The error once `feed` returned -1. */
  error: H1Error | null = null;

  private readonly isResponse: boolean;
  private readonly acceptInvalid: boolean;
  private readonly bufsize: number;
  private readonly htxLimit: number;
  private readonly maxFields: number;
  private readonly events: H1Events;

  private state = ST_HEAD;
  /** Bytes of body left in the current Content-Length body or chunk. */
  private remaining = 0;
  private reqInfo = 0;

  // head / trailers parsing progress (offsets are absolute in `head.buf`)
  private hs = HS_FRESH;
  private hMsgStart = 0;
  private hPos = 0;
  /** Field whose value may still continue on an obs-fold line, -1 when none. */
  private hPending = -1;
  /** End of the last line of the pending field (its CR or LF). */
  private hPendingLe = 0;
  private hKept = 0;
  private hHtx = 0;
  /** Next CR at or after some position (cache for the bare-CR check), -2 when unknown. */
  private crPos = -2;
  private crBuf: Buffer | null = null;

  constructor(opts: H1ParserOptions, events: H1Events) {
    this.isResponse = opts.kind === 'response';
    this.acceptInvalid = opts.acceptInvalid ?? false;
    this.bufsize = opts.bufsize ?? 16384;
    // haproxy (cfgparse-global.c / haproxy.c): maxrewrite defaults to 1024, capped at bufsize / 2.
    const maxrewrite = Math.min(opts.maxrewrite ?? 1024, Math.floor(this.bufsize / 2));
    this.htxLimit = this.bufsize - maxrewrite;
    const maxhdr = opts.maxhdr ?? 101;
    this.maxFields = Math.max(0, maxhdr - 1);
    this.events = events;
    this.head = new H1Head(this.isResponse, Math.min(Math.max(this.maxFields, 1), 101));
    this.trailers = new H1Head(this.isResponse, 8);
  }

  /** Tells a response parser about the request being answered (REQ_* flags, see `requestInfo`). */
  expectResponseTo(flags: number): void {
    this.reqInfo = flags;
  }

  /** Switches to tunnel mode: every following byte goes to `onData` (CONNECT answered 2xx, upgrades). */
  startTunnel(): void {
    this.state = ST_TUNNEL;
  }

  /** Back to the start: waiting for a new head, error cleared. */
  reset(): void {
    this.state = ST_HEAD;
    this.hs = HS_FRESH;
    this.error = null;
    this.remaining = 0;
  }

  /** Whether the parser is between messages (nothing of a next message seen yet). */
  get idle(): boolean {
    return this.state === ST_HEAD && this.hs === HS_FRESH;
  }

  /** Whether the current body runs until the peer closes (or is a tunnel). */
  get untilClose(): boolean {
    return this.state === ST_UNTIL_CLOSE || this.state === ST_TUNNEL;
  }

  /**
   * The peer closed. Ends a close-delimited body (`onEnd`) and returns true
   * when the connection ended on a message boundary; otherwise records
   * H1_TRUNCATED and returns false. `pending` is the number of bytes the
   * caller still holds unconsumed.
   */
  finish(pending = 0): boolean {
    if (this.state === ST_UNTIL_CLOSE) {
      this.state = ST_HEAD;
      this.hs = HS_FRESH;
      this.events.onEnd();
      return true;
    }
    if (this.state === ST_TUNNEL) return true;
    if (this.state === ST_HEAD && this.hs === HS_FRESH && pending === 0) return true;
    if (this.state !== ST_ERROR) this.fail('H1_TRUNCATED', this.hPos);
    return false;
  }

  /**
   * Parses `buf[start, end)`. Returns the number of bytes consumed, or -1 on
   * error (see `error`). See the module comment for the resumption contract.
   */
  feed(buf: Buffer, start: number, end: number): number {
    let p = start;
    const ev = this.events;
    while (p < end) {
      switch (this.state) {
        case ST_HEAD: {
          const r = this.parseHead(buf, p, end);
          if (r < 0) return r === -1 ? -1 : p - start + (-r - 2);
          if (r === 0) return this.hs === HS_FRESH ? this.hPos - start : this.hMsgStart - start;
          p = r;
          const h = this.head;
          const go = ev.onHead(h);
          if (this.state === ST_ERROR) return -1;
          if (h.flags & MSG_INTERIM) {
            this.hs = HS_FRESH;
          } else {
            this.startBody(h);
            if (this.state === ST_HEAD && !this.endMessage()) return p - start;
          }
          if (go === false) return p - start;
          break;
        }
        case ST_LENGTH:
        case ST_CHUNK_DATA: {
          const avail = end - p;
          const n = avail < this.remaining ? avail : this.remaining;
          this.remaining -= n;
          const q = p + n;
          ev.onData(buf, p, q);
          p = q;
          if (this.remaining === 0) {
            if (this.state === ST_CHUNK_DATA) {
              this.state = ST_CHUNK_CRLF;
            } else {
              this.state = ST_HEAD;
              this.hs = HS_FRESH;
              if (!this.endMessage()) return p - start;
            }
          }
          break;
        }
        case ST_CHUNK_SIZE: {
          const r = this.parseChunkSize(buf, p, end);
          if (r === -1) return -1;
          if (r === 0) return p - start;
          p = r;
          break;
        }
        case ST_CHUNK_CRLF: {
          const c = buf[p];
          if (c === CR) {
            if (p + 1 >= end) return p - start;
            if (buf[p + 1] !== LF) return this.fail('H1_INVALID_CHUNK_END', p + 1);
            p += 2;
          } else if (c === LF) {
            p += 1;
          } else {
            return this.fail('H1_INVALID_CHUNK_END', p);
          }
          this.state = ST_CHUNK_SIZE;
          break;
        }
        case ST_TRAILERS: {
          const r = this.parseTrailers(buf, p, end);
          if (r === -1) return -1;
          if (r === 0) return this.hMsgStart - start;
          p = r;
          if (this.trailers.count > 0) ev.onTrailers(this.trailers);
          this.state = ST_HEAD;
          this.hs = HS_FRESH;
          if (!this.endMessage()) return p - start;
          break;
        }
        case ST_UNTIL_CLOSE:
        case ST_TUNNEL:
          ev.onData(buf, p, end);
          p = end;
          break;
        default:
          return -1;
      }
    }
    return p - start;
  }

  /** Calls onEnd; false when the caller asked to pause (or an error was raised from it). */
  private endMessage(): boolean {
    const go = this.events.onEnd();
    return go !== false && this.state !== ST_ERROR;
  }

  private fail(code: H1ErrorCode, offset: number, detail?: string): -1 {
    this.error = new H1Error(code, this.isResponse ? 'server' : 'client', offset, detail);
    this.state = ST_ERROR;
    return -1;
  }

  /** Picks the body state after a final head. */
  private startBody(h: H1Head): void {
    switch (h.bodyKind) {
      case BODY_LENGTH:
        if (h.contentLength === 0) {
          this.state = ST_HEAD;
          this.hs = HS_FRESH;
        } else {
          this.remaining = h.contentLength;
          this.state = ST_LENGTH;
        }
        break;
      case BODY_CHUNKED:
        this.state = ST_CHUNK_SIZE;
        break;
      case BODY_UNTIL_CLOSE:
        this.state = ST_UNTIL_CLOSE;
        break;
      case BODY_TUNNEL:
        this.state = ST_TUNNEL;
        break;
      default:
        this.state = ST_HEAD;
        this.hs = HS_FRESH;
    }
  }

  // ---- chunked framing ----------------------------------------------------------

  /**
   * haproxy h1_parse_chunk_size(): 1*HEXDIG *WSP [ ';' ext ] CRLF, LF alone
   * accepted, size < 2^52. Returns the offset after the line, 0 when
   * incomplete, -1 on error.
   */
  private parseChunkSize(buf: Buffer, p: number, end: number): number {
    let q = p;
    let size = 0;
    for (; q < end; q++) {
      const d = HEX[buf[q] ?? 0] ?? -1;
      if (d < 0) break;
      size = size * 16 + d;
      if (size >= CHUNK_SIZE_LIMIT) return this.fail('H1_INVALID_CHUNK_SIZE', q);
    }
    if (q === end) return this.chunkLineIncomplete(p, end);
    if (q === p) return this.fail('H1_INVALID_CHUNK_SIZE', q);
    while (q < end && (buf[q] === SP || buf[q] === HT)) q++;
    for (;;) {
      if (q >= end) return this.chunkLineIncomplete(p, end);
      const c = buf[q];
      if (c === CR) {
        if (q + 1 >= end) return this.chunkLineIncomplete(p, end);
        if (buf[q + 1] !== LF) return this.fail('H1_INVALID_CHUNK_SIZE', q + 1);
        q += 2;
        break;
      }
      if (c === LF) {
        q += 1;
        break;
      }
      if (c !== 0x3b) return this.fail('H1_INVALID_CHUNK_SIZE', q);
      // chunk extension: skipped up to the line end (RFC 9112 §7.1.1)
      q++;
      while (q < end && buf[q] !== CR && buf[q] !== LF) q++;
    }
    if (size === 0) {
      this.state = ST_TRAILERS;
      this.hs = HS_FRESH;
    } else {
      this.remaining = size;
      this.state = ST_CHUNK_DATA;
    }
    return q;
  }

  private chunkLineIncomplete(p: number, end: number): number {
    // The size line must fit in haproxy's input buffer.
    if (end - p >= this.bufsize) return this.fail('H1_INVALID_CHUNK_SIZE', end);
    return 0;
  }

  // ---- heads ------------------------------------------------------------------------

  /**
   * Parses a head from `p`. Returns the offset after it, 0 when incomplete
   * (progress kept for the next call), -1 on error.
   */
  private parseHead(buf: Buffer, p: number, end: number): number {
    const h = this.head;
    if (this.hs === HS_FRESH) {
      // RFC 9112 §2.2: empty lines before the start line are ignored (haproxy H1_MSG_RQBEFORE / RPBEFORE).
      while (p < end) {
        const c = buf[p];
        if (c === LF) p++;
        else if (c === CR) {
          if (p + 1 >= end) break;
          if (buf[p + 1] !== LF) return this.fail('H1_BARE_CR', p);
          p += 2;
        } else break;
      }
      this.hPos = p;
      if (p >= end || buf[p] === CR) return 0;
      h.reset(buf, p);
      this.hMsgStart = p;
      this.hPending = -1;
      this.hKept = 0;
      this.hHtx = 0;
      this.crPos = -2;
      const le = this.lineEnd(buf, p, end);
      if (le < 0) return this.headIncomplete(p, end);
      const lf = le >> 1 === 0 ? 0 : 0; // placeholder to keep types simple
      void lf;
      const r = this.isResponse ? this.statusLine(buf, p, le) : this.requestLine(buf, p, le);
      if (r < 0) return -1;
      this.hPos = this.afterLine(buf, le);
      this.hs = HS_FIELDS;
      if (h.flags & MSG_HTTP09) {
        // haproxy: an HTTP/0.9 request ends with its request line (no fields).
        h.end = this.hPos;
        return this.finishRequest(h);
      }
    } else if (buf !== h.buf || p !== this.hMsgStart) {
      // The caller re-presents the unparsed bytes, maybe elsewhere: move every offset.
      const delta = p - this.hMsgStart;
      h.rebase(buf, delta);
      this.hMsgStart += delta;
      this.hPos += delta;
      this.hPendingLe += delta;
      this.crPos = -2;
    }
    const r = this.fieldLines(h, buf, end, false);
    if (r <= 0) return r;
    h.end = r;
    return this.isResponse ? this.finishResponse(h) : this.finishRequest(h);
  }

  /** The trailer section after the last chunk (header-only, no field semantics). */
  private parseTrailers(buf: Buffer, p: number, end: number): number {
    const t = this.trailers;
    if (this.hs === HS_FRESH) {
      t.reset(buf, p);
      this.hMsgStart = p;
      this.hPos = p;
      this.hPending = -1;
      this.hKept = 0;
      this.hHtx = 0;
      this.crPos = -2;
      this.hs = HS_FIELDS;
    } else if (buf !== t.buf || p !== this.hMsgStart) {
      const delta = p - this.hMsgStart;
      t.rebase(buf, delta);
      this.hMsgStart += delta;
      this.hPos += delta;
      this.hPendingLe += delta;
      this.crPos = -2;
    }
    const r = this.fieldLines(t, buf, end, true);
    if (r <= 0) return r;
    t.end = r;
    if (this.hKept > 0 && this.hHtx + HTX_PER_FIELD * this.hKept + HTX_TRAILERS_OVERHEAD > this.htxLimit) {
      return this.fail('H1_TRAILERS_TOO_LARGE', r);
    }
    return r;
  }

  /**
   * Offset of the end of the line content starting at `p` (the CR of a final
   * CRLF, or the LF), encoded as `le`; -1 when no LF before `end`.
   */
  private lineEnd(buf: Buffer, p: number, end: number): number {
    const lf = buf.indexOf(LF, p);
    if (lf < 0 || lf >= end) return -1;
    return lf > p && buf[lf - 1] === CR ? lf - 1 : lf;
  }

  /** Offset after the line whose content ends at `le`. */
  private afterLine(buf: Buffer, le: number): number {
    return buf[le] === CR ? le + 2 : le + 1;
  }

  private headIncomplete(p: number, end: number): number {
    void p;
    if (end - this.hMsgStart >= this.bufsize) {
      return this.fail(this.state === ST_TRAILERS ? 'H1_TRAILERS_TOO_LARGE' : 'H1_HEAD_TOO_LARGE', end);
    }
    return 0;
  }

  /** Whether a CR lies in [from, to) (bare CR: RFC 9112 §2.2). */
  private hasCR(buf: Buffer, from: number, to: number): boolean {
    if (from >= to) return false;
    let c = this.crPos;
    if (c === -2 || this.crBuf !== buf || (c >= 0 && c < from)) {
      c = buf.indexOf(CR, from);
      this.crPos = c;
      this.crBuf = buf;
    }
    return c >= 0 && c < to;
  }

  /**
   * Parses field lines from `hPos` up to the empty line. Returns the offset
   * after the empty line, 0 when incomplete, -1 on error.
   */
  private fieldLines(h: H1Head, buf: Buffer, end: number, trailers: boolean): number {
    let p = this.hPos;
    const strict = !this.acceptInvalid;
    for (;;) {
      if (p >= end) {
        this.hPos = p;
        return this.headIncomplete(p, end);
      }
      const le = this.lineEnd(buf, p, end);
      if (le < 0) {
        this.hPos = p;
        return this.headIncomplete(p, end);
      }
      const c0 = buf[p] ?? 0;
      if (le === p) {
        // the empty line: end of the head
        if (this.hPending >= 0 && !this.finishField(h, this.hPending, trailers)) return -1;
        this.hPending = -1;
        const after = this.afterLine(buf, le);
        this.hPos = after;
        return after;
      }
      if (c0 === CR) return this.fail('H1_BARE_CR', p);
      if ((c0 === SP || c0 === HT) && this.hPending >= 0) {
        // obs-fold (RFC 9112 §5.2): haproxy replaces the CR and LF by spaces and goes on with the value.
        const k = this.hPending;
        for (let i = this.hPendingLe; i < p; i++) buf[i] = SP;
        if (this.hasCR(buf, p, le)) return this.fail('H1_BARE_CR', p);
        const vsIdx = k * 4 + 2;
        let vs = h.hdr[vsIdx] ?? 0;
        if (vs >= this.hPendingLe) {
          // the value was empty so far: it starts at the first non-blank of the continuation
          vs = p;
          while (vs < le && (buf[vs] === SP || buf[vs] === HT)) vs++;
          h.hdr[vsIdx] = vs;
        }
        let ve = le;
        while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
        h.hdr[vsIdx + 1] = ve;
        this.hPendingLe = le;
        p = this.afterLine(buf, le);
        continue;
      }
      if (this.hPending >= 0 && !this.finishField(h, this.hPending, trailers)) return -1;
      this.hPending = -1;
      // field name up to ':' (haproxy H1_MSG_HDR_NAME)
      let q = p;
      for (;;) {
        if (q >= le) {
          // accept-invalid takes CR as a name byte (haproxy only stops at LF)
          return this.fail('H1_HEADER_WITHOUT_COLON', q);
        }
        const c = buf[q] ?? 0;
        if (TOKEN[c] === 1) {
          q++;
          continue;
        }
        if (c === COLON) break;
        if (strict) return this.fail('H1_INVALID_HEADER_NAME', q);
        q++;
      }
      if (q === p) return this.fail('H1_EMPTY_HEADER_NAME', q);
      const ne = q;
      q++;
      while (q < le && (buf[q] === SP || buf[q] === HT)) q++;
      const vs = q;
      if (this.hasCR(buf, vs, le)) return this.fail('H1_BARE_CR', vs);
      let ve = le;
      while (ve > vs && (buf[ve - 1] === SP || buf[ve - 1] === HT)) ve--;
      const k = h.count;
      if (k >= this.maxFields + 1 || k >= 65535) {
        // far more lines than can ever be kept (dropped duplicates included)
        return this.fail(trailers ? 'H1_TOO_MANY_TRAILERS' : 'H1_TOO_MANY_HEADERS', p);
      }
      h.ensureCapacity(k + 1);
      const o = k * 4;
      h.hdr[o] = p;
      h.hdr[o + 1] = ne;
      h.hdr[o + 2] = vs;
      h.hdr[o + 3] = ve;
      h.hdrFlags[k] = 0;
      h.count = k + 1;
      this.hPending = k;
      this.hPendingLe = le;
      p = this.afterLine(buf, le);
    }
  }

  /**
   * A field is complete (no more folding): apply haproxy's per-field
   * semantics (h1_headers_to_hdr_list), then count it.
   */
  private finishField(h: H1Head, k: number, trailers: boolean): boolean {
    const o = k * 4;
    const hdr = h.hdr;
    const ns = hdr[o] ?? 0;
    const ne = hdr[o + 1] ?? 0;
    let vs = hdr[o + 2] ?? 0;
    let ve = hdr[o + 3] ?? 0;
    const buf = h.buf;
    let valueLen = ve - vs;
    if (!trailers) {
      const nlen = ne - ns;
      const c0 = LOWER[buf[ns] ?? 0];
      if (nlen === 17 && c0 === 0x74 && nameEq(buf, ns, 'transfer-encoding')) {
        if (!this.transferEncoding(h, buf, vs, ve)) return false;
      } else if (nlen === 14 && c0 === 0x63 && nameEq(buf, ns, 'content-length')) {
        const r = this.contentLength(h, buf, vs, ve);
        if (r < 0) return false;
        // haproxy keeps the cleaned last value ("3, 3" -> "3")
        vs = this.clStart;
        ve = this.clEnd;
        hdr[o + 2] = vs;
        hdr[o + 3] = ve;
        valueLen = ve - vs;
        if (r === 0) {
          h.hdrFlags[k] = HDR_DROPPED;
          return true;
        }
      } else if (nlen === 10 && c0 === 0x63 && nameEq(buf, ns, 'connection')) {
        const kept = this.connection(h, buf, vs, ve);
        if (kept < 0) {
          h.hdrFlags[k] = HDR_DROPPED;
          return true;
        }
        if (kept !== valueLen) h.hdrFlags[k] = HDR_CONN_CLEAN;
        valueLen = kept;
      } else if (nlen === 7 && c0 === 0x75 && nameEq(buf, ns, 'upgrade')) {
        h.flags = (h.flags & ~MSG_UPGRADE_WEBSOCKET) | MSG_HAS_UPGRADE;
        if (hasToken(buf, vs, ve, 'websocket')) h.flags |= MSG_UPGRADE_WEBSOCKET;
      } else if (nlen === 4 && c0 === 0x68 && !this.isResponse && nameEq(buf, ns, 'host')) {
        if (h.hostIndex < 0) {
          h.hostIndex = k;
        } else {
          const ho = h.hostIndex * 4;
          if (!bytesEqI(buf, hdr[ho + 2] ?? 0, hdr[ho + 3] ?? 0, vs, ve)) {
            this.fail('H1_CONFLICTING_HOST', vs);
            return false;
          }
          h.hdrFlags[k] = HDR_DROPPED;
          return true;
        }
      } else if (ve > vs) {
        if (!this.isResponse && nlen === 17 && c0 === 0x73 && nameEq(buf, ns, 'sec-websocket-key')) h.flags |= MSG_WS_KEY;
        else if (this.isResponse && nlen === 20 && c0 === 0x73 && nameEq(buf, ns, 'sec-websocket-accept')) h.flags |= MSG_WS_KEY;
      }
    }
    this.hKept++;
    if (this.hKept > this.maxFields) {
      this.fail(trailers ? 'H1_TOO_MANY_TRAILERS' : 'H1_TOO_MANY_HEADERS', ns);
      return false;
    }
    this.hHtx += ne - ns + valueLen;
    return true;
  }

  private clStart = 0;
  private clEnd = 0;

  /**
   * haproxy h1_parse_cont_len_header(): a comma-separated list of digits,
   * all equal to each other and to any previous Content-Length, at most
   * 2^64-1. Returns 1 to keep the field, 0 to drop it (a duplicate), -1 on
   * error. Sets clStart/clEnd to the last value.
   */
  private contentLength(h: H1Head, buf: Buffer, vs: number, ve: number): number {
    const notFirst = (h.flags & MSG_CLEN) !== 0;
    let w = vs;
    for (;;) {
      if (w >= ve) {
        this.fail('H1_INVALID_CONTENT_LENGTH', w, 'empty Content-Length value');
        return -1;
      }
      const c = buf[w] ?? 0;
      if (c === SP || c === HT || c === CR || c === LF) {
        w++;
        continue;
      }
      let n = w;
      while (n < ve && (buf[n] ?? 0) - 0x30 >= 0 && (buf[n] ?? 0) - 0x30 <= 9) n++;
      if (n === w) {
        this.fail('H1_INVALID_CONTENT_LENGTH', w);
        return -1;
      }
      // value bound: 2^64 - 1 (haproxy's overflow checks on an unsigned 64-bit)
      let z = w;
      while (z < n - 1 && buf[z] === 0x30) z++;
      const digits = n - z;
      if (digits > 20 || (digits === 20 && buf.toString('latin1', z, n) > '18446744073709551615')) {
        this.fail('H1_INVALID_CONTENT_LENGTH', w, 'Content-Length above 2^64-1');
        return -1;
      }
      const value = Number(buf.toString('latin1', z, n));
      const wordEnd = n;
      while (n < ve && (buf[n] === SP || buf[n] === HT)) n++;
      if (n < ve && buf[n] !== 0x2c) {
        this.fail('H1_INVALID_CONTENT_LENGTH', n);
        return -1;
      }
      if (h.flags & MSG_CLEN) {
        if (!sameDigits(buf, this.clCanonStart, this.clCanonEnd, z, wordEnd)) {
          this.fail('H1_CONFLICTING_CONTENT_LENGTH', w);
          return -1;
        }
      } else {
        this.clCanonStart = z;
        this.clCanonEnd = wordEnd;
      }
      h.flags |= MSG_CLEN;
      h.contentLength = value;
      this.clStart = w;
      this.clEnd = wordEnd;
      if (n >= ve) break;
      w = n + 1;
    }
    return notFirst ? 0 : 1;
  }

  /** The first Content-Length's digits without leading zeros, for the equality checks. */
  private clCanonStart = 0;
  private clCanonEnd = 0;

  /**
   * haproxy h1_parse_xfer_enc_header(): chunked must be the last coding, at
   * most once; on requests nothing may follow it (RFC 9112 §6.3).
   */
  private transferEncoding(h: H1Head, buf: Buffer, vs: number, ve: number): boolean {
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
          this.fail('H1_INVALID_TRANSFER_ENCODING', w, 'chunked applied twice');
          return false;
        }
        h.flags |= MSG_CHUNKED | MSG_TE_CHUNKED;
      } else {
        if (!this.isResponse && h.flags & MSG_TE_CHUNKED) {
          this.fail('H1_INVALID_TRANSFER_ENCODING', w, 'a transfer-coding after chunked');
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
  private connection(h: H1Head, buf: Buffer, vs: number, ve: number): number {
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

  // ---- start lines ----------------------------------------------------------------

  /** haproxy H1_MSG_RQMETH .. H1_MSG_RQVER, then h1_process_req_vsn(). */
  private requestLine(buf: Buffer, p: number, le: number): number {
    const h = this.head;
    const strict = !this.acceptInvalid;
    let q = p;
    if (TOKEN[buf[q] ?? 0] !== 1) return this.fail('H1_INVALID_METHOD', q);
    while (q < le && TOKEN[buf[q] ?? 0] === 1) q++;
    h.methodStart = p;
    h.methodEnd = q;
    h.method = methodCode(buf, p, q);
    let http09 = false;
    h.targetStart = h.targetEnd = q;
    h.versionStart = h.versionEnd = q;
    if (q === le) {
      http09 = true;
    } else {
      let c = buf[q] ?? 0;
      if (c !== SP && c !== HT) return this.fail(c === CR ? 'H1_BARE_CR' : 'H1_INVALID_METHOD', q);
      while (q < le && (buf[q] === SP || buf[q] === HT)) q++;
      h.targetStart = h.targetEnd = q;
      if (q === le) {
        http09 = true;
      } else {
        // request-target: visible ASCII; '#' and bytes >= 0x80 only with accept-invalid
        for (; q < le; q++) {
          c = buf[q] ?? 0;
          if (c > 32 && c < 127) {
            if (c === 0x23 && strict) return this.fail('H1_INVALID_URI', q, "'#' in the request target");
          } else if (c === SP || c === HT) {
            break;
          } else if (c >= 128) {
            if (strict) return this.fail('H1_INVALID_URI', q);
          } else {
            return this.fail(c === CR ? 'H1_BARE_CR' : 'H1_INVALID_URI', q);
          }
        }
        h.targetEnd = q;
        while (q < le && (buf[q] === SP || buf[q] === HT)) q++;
        h.versionStart = h.versionEnd = q;
        if (q === le) {
          http09 = true;
        } else {
          for (; q < le; q++) {
            c = buf[q] ?? 0;
            if (VER[c] !== 1) return this.fail(c === CR ? 'H1_BARE_CR' : 'H1_INVALID_VERSION', q);
          }
          h.versionEnd = q;
        }
      }
    }
    if (http09) {
      // h1_process_req_vsn(): HTTP/0.9 only with accept-invalid, GET with a target, turned into HTTP/1.0.
      if (strict) return this.fail('H1_INVALID_VERSION', le, 'no HTTP version (HTTP/0.9)');
      if (h.method !== METHOD_GET || h.targetEnd === h.targetStart) return this.fail('H1_INVALID_VERSION', le, 'HTTP/0.9 request that is not a GET with a target');
      h.flags |= MSG_HTTP09;
      h.versionStart = h.versionEnd = h.targetEnd;
    } else {
      const vs = h.versionStart;
      const vlen = h.versionEnd - vs;
      if (strict && !(vlen === 8 && buf[vs] === 0x48 && buf[vs + 1] === 0x54 && buf[vs + 2] === 0x54 && buf[vs + 3] === 0x50 && buf[vs + 4] === 0x2f && isDigit(buf[vs + 5] ?? 0) && buf[vs + 6] === 0x2e && isDigit(buf[vs + 7] ?? 0))) {
        return this.fail('H1_INVALID_VERSION', vs);
      }
      if (vlen === 8 && isVer11(buf, vs)) h.flags |= MSG_VER_11;
    }
    h.targetForm = targetForm(buf, h.targetStart, h.targetEnd);
    this.hHtx = h.methodEnd - h.methodStart + (h.targetEnd - h.targetStart) + (http09 ? 8 : h.versionEnd - h.versionStart);
    return 1;
  }

  /** haproxy H1_MSG_RPVER .. H1_MSG_RPREASON, then h1_process_res_vsn(). */
  private statusLine(buf: Buffer, p: number, le: number): number {
    const h = this.head;
    let q = p;
    if (TOKEN[buf[q] ?? 0] !== 1) return this.fail('H1_INVALID_VERSION', q);
    for (; q < le; q++) {
      const c = buf[q] ?? 0;
      if (VER[c] === 1) continue;
      if (c === SP || c === HT) break;
      return this.fail(c === CR ? 'H1_BARE_CR' : 'H1_INVALID_VERSION', q);
    }
    if (q === le) return this.fail('H1_INVALID_STATUS', q, 'no status code');
    h.versionStart = p;
    h.versionEnd = q;
    while (q < le && (buf[q] === SP || buf[q] === HT)) q++;
    if (q === le) return this.fail('H1_INVALID_STATUS', q, 'no status code');
    h.statusStart = q;
    let status = 0;
    for (; q < le; q++) {
      const c = buf[q] ?? 0;
      if (isDigit(c)) {
        if (status < 1e9) status = status * 10 + (c - 0x30);
        continue;
      }
      if (c === SP || c === HT) break;
      return this.fail(c === CR ? 'H1_BARE_CR' : 'H1_INVALID_STATUS', q);
    }
    h.statusEnd = q;
    if (q === h.statusStart) return this.fail('H1_INVALID_STATUS', q);
    h.status = status;
    while (q < le && (buf[q] === SP || buf[q] === HT)) q++;
    h.reasonStart = q;
    if (this.hasCR(buf, q, le)) return this.fail('H1_BARE_CR', q);
    h.reasonEnd = le;
    const vs = h.versionStart;
    const vlen = h.versionEnd - vs;
    // h1_process_res_vsn(): only the shape d.d after a '/' at [4] is checked, not the "HTTP" letters.
    if (!this.acceptInvalid && !(vlen === 8 && buf[vs + 4] === 0x2f && isDigit(buf[vs + 5] ?? 0) && buf[vs + 6] === 0x2e && isDigit(buf[vs + 7] ?? 0))) {
      return this.fail('H1_INVALID_VERSION', vs);
    }
    if (vlen === 8 && isVer11(buf, vs)) h.flags |= MSG_VER_11;
    this.hHtx = vlen + (h.statusEnd - h.statusStart) + (h.reasonEnd - h.reasonStart);
    return 1;
  }

  // ---- end-of-head checks ------------------------------------------------------------

  /** Checks shared by requests and responses once every field is known. */
  private checkSize(h: H1Head): boolean {
    if (h.end - h.start > this.bufsize || this.hHtx + HTX_PER_FIELD * this.hKept + HTX_HEAD_OVERHEAD > this.htxLimit) {
      this.fail('H1_HEAD_TOO_LARGE', h.end);
      return false;
    }
    return true;
  }

  /** Drops Content-Length when Transfer-Encoding is present (RFC 9112 §6.3; haproxy http_del_hdr). */
  private dropContentLength(h: H1Head): void {
    for (let i = 0; i < h.count; i++) {
      if (!((h.hdrFlags[i] ?? 0) & HDR_DROPPED) && h.nameIs(i, 'content-length')) {
        h.hdrFlags[i] = (h.hdrFlags[i] ?? 0) | HDR_DROPPED;
        this.hKept--;
        this.hHtx -= 14 + (h.hdr[i * 4 + 3] ?? 0) - (h.hdr[i * 4 + 2] ?? 0);
      }
    }
    h.flags &= ~MSG_CLEN;
  }

  private dropNamed(h: H1Head, lowerName: string): void {
    for (let i = 0; i < h.count; i++) {
      if (h.nameIs(i, lowerName)) h.hdrFlags[i] = (h.hdrFlags[i] ?? 0) | HDR_DROPPED;
    }
  }

  private finishRequest(h: H1Head): number {
    const strict = !this.acceptInvalid;
    // h1.c: a request whose Transfer-Encoding does not end with chunked has no reliable length.
    if ((h.flags & (MSG_XFER_ENC | MSG_CHUNKED)) === MSG_XFER_ENC) {
      return this.fail('H1_INVALID_TRANSFER_ENCODING', h.start, 'Transfer-Encoding without chunked as the final coding');
    }
    if ((h.flags & (MSG_XFER_ENC | MSG_CLEN)) === (MSG_XFER_ENC | MSG_CLEN)) {
      this.dropContentLength(h);
      h.flags |= MSG_FORCE_CLOSE;
    }
    if (h.targetForm === TARGET_ABSOLUTE || h.targetForm === TARGET_AUTHORITY || h.method === METHOD_CONNECT) {
      const bad = this.checkAuthority(h);
      if (bad !== null && strict) return this.fail(bad, h.targetStart);
    }
    if (!this.checkSize(h)) return -1;
    const hasBody = (h.flags & MSG_CHUNKED) !== 0 || ((h.flags & MSG_CLEN) !== 0 && h.contentLength > 0);
    // h1_htx.c: HTTP/1.0 GET/HEAD/DELETE with a payload are answered 413.
    if (!(h.flags & MSG_VER_11) && hasBody && (h.method === METHOD_GET || h.method === METHOD_HEAD || h.method === METHOD_DELETE)) {
      return this.fail('H1_HTTP10_PAYLOAD_FORBIDDEN', h.start);
    }
    if (h.flags & MSG_TE_OTHER) return this.fail('H1_UNSUPPORTED_TRANSFER_ENCODING', h.start);
    if (h.method === METHOD_CONNECT) {
      // RFC 9110 §9.3.6: no content in a CONNECT request; haproxy drops Content-Length.
      this.dropNamed(h, 'content-length');
      h.flags &= ~(MSG_CLEN | MSG_CHUNKED);
      h.bodyKind = BODY_NONE;
      return h.end;
    }
    if ((h.flags & MSG_CONN_UPGRADE) && hasBody) {
      // h1_htx.c: a request with a payload cannot be upgraded; the Upgrade header is removed.
      h.flags &= ~(MSG_CONN_UPGRADE | MSG_HAS_UPGRADE | MSG_UPGRADE_WEBSOCKET);
      this.dropNamed(h, 'upgrade');
    }
    if ((h.flags & (MSG_CONN_UPGRADE | MSG_UPGRADE_WEBSOCKET)) === (MSG_CONN_UPGRADE | MSG_UPGRADE_WEBSOCKET) && !(h.flags & MSG_WS_KEY)) {
      return this.fail('H1_WEBSOCKET_KEY_MISSING', h.start);
    }
    if (h.flags & MSG_CHUNKED) h.bodyKind = BODY_CHUNKED;
    else if (h.flags & MSG_CLEN) h.bodyKind = BODY_LENGTH;
    else h.bodyKind = BODY_NONE;
    return h.end;
  }

  private finishResponse(h: H1Head): number {
    if ((h.flags & (MSG_XFER_ENC | MSG_CLEN)) === (MSG_XFER_ENC | MSG_CLEN)) this.dropContentLength(h);
    if (!this.checkSize(h)) return -1;
    if (h.flags & MSG_TE_OTHER) return this.fail('H1_UNSUPPORTED_TRANSFER_ENCODING', h.start);
    const s = h.status;
    const info = this.reqInfo;
    if (s === 101) {
      // mux_h1.c: a 101 needs a request that asked for it and Connection: upgrade in the response.
      if (!(info & REQ_UPGRADE) || !(h.flags & MSG_CONN_UPGRADE)) return this.fail('H1_UNEXPECTED_SWITCHING_PROTOCOLS', h.statusStart);
      if ((h.flags & MSG_UPGRADE_WEBSOCKET) && !(h.flags & MSG_WS_KEY)) return this.fail('H1_WEBSOCKET_ACCEPT_MISSING', h.start);
      h.flags |= MSG_SWITCHING;
      h.bodyKind = BODY_TUNNEL;
      return h.end;
    }
    if (s >= 100 && s < 200) {
      h.flags |= MSG_INTERIM;
      h.bodyKind = BODY_NONE;
      return h.end;
    }
    if (s === 204) {
      // haproxy does not forward Content-Length or Transfer-Encoding on a 204 (RFC 9110 §8.6).
      this.dropNamed(h, 'content-length');
      this.dropNamed(h, 'transfer-encoding');
      h.bodyKind = BODY_NONE;
      return h.end;
    }
    if (info & REQ_CONNECT && s >= 200 && s < 300) {
      h.bodyKind = BODY_TUNNEL;
      return h.end;
    }
    if (s === 304 || info & REQ_HEAD) {
      h.bodyKind = BODY_NONE;
      return h.end;
    }
    if (h.flags & MSG_CHUNKED) h.bodyKind = BODY_CHUNKED;
    else if (h.flags & MSG_CLEN) h.bodyKind = BODY_LENGTH;
    else h.bodyKind = BODY_UNTIL_CLOSE;
    return h.end;
  }

  /**
   * haproxy h1_validate_connect_authority() / h1_validate_mismatch_authority():
   * the authority of a CONNECT or absolute-form target against Host.
   * Returns the error code, or null when they agree.
   */
  private checkAuthority(h: H1Head): H1ErrorCode | null {
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
}

// ---- helpers ---------------------------------------------------------------------

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isLws(c: number): boolean {
  return c === SP || c === HT || c === CR || c === LF;
}

/** haproxy's H1_MF_VER_11 test on an 8-byte version: major > 1, or 1 and minor >= 1 (byte comparisons). */
function isVer11(buf: Buffer, vs: number): boolean {
  const major = buf[vs + 5] ?? 0;
  return major > 0x31 || (major === 0x31 && (buf[vs + 7] ?? 0) >= 0x31);
}

/** Case-insensitive comparison of buf[p, p + lower.length) with a lowercase literal. */
function nameEq(buf: Buffer, p: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) {
    if (LOWER[buf[p + i] ?? 0] !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Case-insensitive equality of two byte ranges. */
function bytesEqI(buf: Buffer, as: number, ae: number, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  for (let i = 0; i < ae - as; i++) {
    if (LOWER[buf[as + i] ?? 0] !== LOWER[buf[bs + i] ?? 0]) return false;
  }
  return true;
}

/** Equality of two digit strings, ignoring leading zeros on the second. */
function sameDigits(buf: Buffer, as: number, ae: number, bs: number, be: number): boolean {
  if (ae - as !== be - bs) return false;
  return buf.compare(buf, as, ae, bs, be) === 0;
}

/** haproxy http_find_hdr_value_end(): the next comma outside a quoted string. */
function valueEnd(buf: Buffer, s: number, e: number): number {
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
function hasToken(buf: Buffer, vs: number, ve: number, lower: string): boolean {
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
function hostPort(buf: Buffer, s: number, e: number): number {
  let p = e;
  while (p > s && isDigit(buf[p - 1] ?? 0)) p--;
  if (p > s && buf[p - 1] === COLON) return p;
  return -1;
}

/**
 * haproxy http_is_default_port(): an empty port is the default; without a
 * scheme 80 and 443 are; http -> 80, https -> 443.
 */
function isDefaultPort(buf: Buffer, ss: number, se: number, ps: number, pe: number): boolean {
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
function targetForm(buf: Buffer, s: number, e: number): number {
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
    if (p + 2 < e + 0 && buf[p] === COLON && buf[p + 1] === 0x2f && buf[p + 2] === 0x2f) return TARGET_ABSOLUTE;
    if (p + 3 === e + 0 && buf[p] === COLON && buf[p + 1] === 0x2f && buf[p + 2] === 0x2f) return TARGET_ABSOLUTE;
  }
  return TARGET_AUTHORITY;
}

/** haproxy find_http_meth(): the well-known methods, case-sensitive. */
function methodCode(buf: Buffer, s: number, e: number): number {
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
