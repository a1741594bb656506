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
 * The parser writes into `buf` in one case only: the CR and LF of an
 * obs-fold line become spaces, as in haproxy.
 *
 * ## Differences from haproxy (docs/errors.md)
 * - An error inside a line is only detected once the line's LF has arrived
 *   (haproxy sees it byte by byte); same verdict, maybe later for a client
 *   that sends half a line and waits.
 * - A Content-Length of 2^64 or more that haproxy wraps (and then frames the
 *   body with the wrapped value) is refused: that desync is a smuggling vector.
 * - Request trailer names follow the header-name rules; haproxy 2.6.12 is
 *   timing-dependent there.
 */
import { H1Error, type H1ErrorCode } from './h1-errors.js';
import {
  authorityError,
  bytesEqI,
  CHUNK_SIZE_LIMIT,
  COLON,
  CR,
  FieldState,
  HEX,
  hasToken,
  HT,
  isDigit,
  isVer11,
  LF,
  methodCode,
  nameEq,
  parseConnection,
  parseContentLength,
  parseTransferEncoding,
  SP,
  targetForm,
  TOKEN,
  VER,
} from './h1-fields.js';
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
  MSG_CHUNKED,
  MSG_CLEN,
  MSG_CONN_UPGRADE,
  MSG_FORCE_CLOSE,
  MSG_HAS_UPGRADE,
  MSG_HTTP09,
  MSG_INTERIM,
  MSG_SWITCHING,
  MSG_TE_OTHER,
  MSG_UPGRADE_WEBSOCKET,
  MSG_VER_11,
  MSG_WS_KEY,
  MSG_XFER_ENC,
  TARGET_ABSOLUTE,
  TARGET_AUTHORITY,
} from './h1-head.js';

export { haproxyContentLength } from './h1-fields.js';

/** Parser settings: the haproxy tunables that bound a message, and the relaxed mode. */
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
  /** global `h1-accept-payload-with-any-method`: no 413 for HTTP/1.0 GET/HEAD/DELETE with a payload. */
  readonly acceptPayloadAnyMethod?: boolean;
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
  private acceptInvalid: boolean;
  private readonly acceptPayloadAnyMethod: boolean;
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
  /** Scratch state of the field-value parsers. */
  private readonly fs = new FieldState();

  constructor(opts: H1ParserOptions, events: H1Events) {
    this.isResponse = opts.kind === 'response';
    this.acceptInvalid = opts.acceptInvalid ?? false;
    this.acceptPayloadAnyMethod = opts.acceptPayloadAnyMethod ?? false;
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

  /**
   * The relaxed mode, set again once the proxy that decides is known: a
   * response parser follows the backend's `option accept-invalid-http-response`
   * (src/http/http-misc.ts), chosen when the request is switched.
   */
  setAcceptInvalid(on: boolean): void {
    this.acceptInvalid = on;
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
          if (r < 0) return -1;
          if (r === 0) return this.hs === HS_FRESH ? this.hPos - start : this.hMsgStart - start;
          p = r;
          const h = this.head;
          const go = ev.onHead(h);
          if (h.flags & MSG_INTERIM) {
            this.hs = HS_FRESH;
          } else if (this.startBody(h) && !this.endMessage()) {
            return p - start;
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

  /** Picks the body state after a final head; true when the message is already complete. */
  private startBody(h: H1Head): boolean {
    switch (h.bodyKind) {
      case BODY_LENGTH:
        if (h.contentLength > 0) {
          this.remaining = h.contentLength;
          this.state = ST_LENGTH;
          return false;
        }
        break;
      case BODY_CHUNKED:
        this.state = ST_CHUNK_SIZE;
        return false;
      case BODY_UNTIL_CLOSE:
        this.state = ST_UNTIL_CLOSE;
        return false;
      case BODY_TUNNEL:
        this.state = ST_TUNNEL;
        return false;
      default:
        break;
    }
    this.state = ST_HEAD;
    this.hs = HS_FRESH;
    return true;
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
    // the bytes after `end` may have changed since the last call
    this.crPos = -2;
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
      if (le < 0) return this.headIncomplete(end);
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
    this.crPos = -2;
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

  private headIncomplete(end: number): number {
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
    // Trailer names follow the header rules. haproxy 2.6.12 is not consistent there: a request
    // trailer name with a bad character is refused or accepted depending on timing (observed
    // either way, with or without accept-invalid), response trailer names are never checked.
    const strict = !this.acceptInvalid && !(trailers && this.isResponse);
    for (;;) {
      if (p >= end) {
        this.hPos = p;
        return this.headIncomplete(end);
      }
      const le = this.lineEnd(buf, p, end);
      if (le < 0) {
        this.hPos = p;
        return this.headIncomplete(end);
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
      // Dropped duplicates do not count against maxhdr (haproxy skips them), so
      // the arrays may hold more lines than maxFields; the head size bounds them.
      const k = h.count;
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

  private fieldFailed(): false {
    const fs = this.fs;
    this.fail(fs.error ?? 'H1_INVALID_HEADER_NAME', fs.errorAt, fs.detail);
    return false;
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
        if (!parseTransferEncoding(h, buf, vs, ve, this.isResponse, this.fs)) return this.fieldFailed();
      } else if (nlen === 14 && c0 === 0x63 && nameEq(buf, ns, 'content-length')) {
        const r = parseContentLength(h, buf, vs, ve, this.fs);
        if (r < 0) return this.fieldFailed();
        // haproxy keeps the cleaned last value ("3, 3" -> "3")
        vs = this.fs.clStart;
        ve = this.fs.clEnd;
        hdr[o + 2] = vs;
        hdr[o + 3] = ve;
        valueLen = ve - vs;
        if (r === 0) {
          h.hdrFlags[k] = HDR_DROPPED;
          return true;
        }
      } else if (nlen === 10 && c0 === 0x63 && nameEq(buf, ns, 'connection')) {
        const kept = parseConnection(h, buf, vs, ve);
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
      const bad = authorityError(h);
      if (bad !== null && strict) return this.fail(bad, h.targetStart);
    }
    if (!this.checkSize(h)) return -1;
    const hasBody = (h.flags & MSG_CHUNKED) !== 0 || ((h.flags & MSG_CLEN) !== 0 && h.contentLength > 0);
    // h1_htx.c: HTTP/1.0 GET/HEAD/DELETE with a payload are answered 413.
    if (!(h.flags & MSG_VER_11) && hasBody && !this.acceptPayloadAnyMethod && (h.method === METHOD_GET || h.method === METHOD_HEAD || h.method === METHOD_DELETE)) {
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
    if (s < 200 || s === 204) {
      // mux_h1.c (h1_format_htx_msg): no Content-Length / Transfer-Encoding is written for
      // 1xx, 204, or a status below 100, even though the latter's body is still framed by them.
      this.dropNamed(h, 'content-length');
      this.dropNamed(h, 'transfer-encoding');
    }
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
}
