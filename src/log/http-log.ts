/**
 * The log line of each HTTP transaction (configuration.txt §8.2.3 "HTTP log
 * format"): haproxy logs a transaction when it ends (http_ana.c
 * http_end_txn_clean_session() / stream end), so a keep-alive connection
 * gives one line per request, and a request the parser refused gives a
 * `<BADREQ>` line with the `PR` flags.
 *
 * The HttpStream (src/http/stream.ts) creates an {@link HttpTxnLog} only
 * when its frontend logs traffic and calls, by optional chaining:
 *   head()      request head parsed (TR, the request line)
 *   response()  final response head from the server (Tr, status)
 *   reply()     a generated response (deny, redirect, errors)
 *   released()  the server slot is given back (backend/server names kept)
 *   end()       the transaction is over: the line is sent.
 */
import type { GlobalConfig } from '../config/model/global.js';
import type { ProxyConfig } from '../config/model/proxy.js';
import type { SampleContext } from '../sample/context.js';
import type { H1Head } from '../http/h1-head.js';
import { capturedCookies, captureRequestCookie, captureResponseCookie, captureSlots } from '../http/capture.js';
import { isMonitorRequest } from '../http/monitor.js';
import { uniqueIdOf } from '../http/unique-id.js';
import { LogRecord } from './log-record.js';
import { logLevelOverride, SILENT } from './log-level.js';
import { HtxOut } from './htx-out.js';
import { builtinPageExtra, htxHeadSize, htxMessageSize, wireHeadSize } from './htx-size.js';
import { connectLog, frontendLogOf, type TrafficLogger } from './traffic-log.js';

/** What the log reads from an HttpStream, structurally. */
export interface HttpLogFields {
  readonly runtime: { readonly streams: { readonly size: number }; readonly model: { readonly global: GlobalConfig } };
  readonly fe: { readonly name: string; readonly config: ProxyConfig; readonly counters: { readonly curConns: number } };
  readonly listener: { readonly spec: { readonly bind: { readonly ssl?: boolean } } };
  readonly cli: { readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined; readonly localAddress?: string | undefined; readonly localPort?: number | undefined };
  readonly be: { readonly name: string; readonly counters: { readonly curConns: number }; readonly queue: { readonly length: number } } | undefined;
  readonly server: { readonly name: string; readonly served: number; readonly queue: { readonly length: number } } | undefined;
  readonly persist?: { readonly cliFlag: string; readonly srvFlag: string } | undefined;
  readonly srvConnected: boolean;
  readonly srv: { readonly localAddress?: string | undefined; readonly localPort?: number | undefined; readonly remoteAddress?: string | undefined; readonly remotePort?: number | undefined } | undefined;
  readonly cliLast: number;
  /** The client half-closed (the mux's error line then says `C`). */
  readonly cliEnded?: boolean;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly retries: number;
  readonly termCause: string;
  readonly termState: string;
  /** `set-log-level` of the current transaction (src/log/log-level.ts). */
  readonly logLevel?: string | undefined;
}

const clock = (): number => performance.now();
const ms = (a: number, b: number): number => Math.max(0, Math.floor(a - b));

/** The stream as the log sees it: its fields and its sample context (for %[expr], captures, unique id). */
export type HttpLogSource = HttpLogFields & SampleContext;

/** Called by the stream's constructor: undefined when the frontend logs no traffic. */
export function httpLogBegin(s: HttpLogSource): HttpTxnLog | undefined {
  const fl = frontendLogOf(s.fe.config, s.runtime.model.global);
  if (fl === undefined) return undefined;
  if (fl.logger !== undefined) return new HttpTxnLog(s, fl.logger);
  if (fl.connect === undefined) return undefined;
  const c = s.cli;
  connectLog(s.fe.config, fl.connect,
    c.remoteAddress === undefined ? undefined : { address: c.remoteAddress, port: c.remotePort ?? 0 },
    c.localAddress === undefined ? undefined : { address: c.localAddress, port: c.localPort ?? 0 });
  return undefined;
}

/** The log state of one HTTP connection: marks of its current transaction. */
export class HttpTxnLog {
  /** The transaction's start (accept, then the end of the previous transaction), monotonic and wall clock. */
  private tStart = clock();
  private dStart = Date.now();
  private tFirst = -1;
  private tHead = -1;
  private tResp = -1;
  private tAssigned = -1;
  /** The queue the request waits in, and its served count at entry minus one (queued()). */
  private queue: { readonly dequeued: number } | undefined;
  private queueStart = 0;
  private queueIsBackend = false;
  private tConnected = -1;
  private status = -1;
  private requestLine: string | undefined;
  private inStart = 0;
  private outStart = 0;
  /** Bytes of generated replies (the server's bytes are counted by the stream). */
  private replyBytes = 0;
  private inAdjust = 0;
  private outAdjust = 0;
  /** %B: what the stream passed to the client, in HTX bytes (the stream reports body bytes to it). */
  readonly out = new HtxOut();
  private replied = false;
  private fromRule = false;
  /** The termination flags of a rule's reply (ruleReply()). */
  private ruleTerm = 'PR';
  /** `http-request reject` (or a deny mapped to an empty page): no request time, no status. */
  private rejected = false;
  /** option logasap: 0 no early line, 1 due after the response head, 2 sent. */
  private early = 0;
  /** Transaction generation: a scheduled early line of a finished transaction is dropped. */
  private gen = 0;
  private beName: string | undefined;
  private srvName: string | undefined;
  private beconn = 0;
  private srvconn = 0;
  private backSrc: { address: string; port: number } | undefined;
  private serverAddr: { address: string; port: number } | undefined;
  private sq = 0;
  private bq = 0;
  private readonly client: { address: string; port: number } | undefined;
  private readonly front: { address: string; port: number } | undefined;

  /** tune.http.logurilen. */
  private readonly uriLen: number;

  constructor(private readonly s: HttpLogSource, private readonly logger: TrafficLogger) {
    const c = s.cli;
    const len = s.runtime.model.global.tune.get('tune.http.logurilen');
    this.uriLen = typeof len === 'number' && len > 0 ? len : 1024;
    this.client = c.remoteAddress === undefined ? undefined : { address: c.remoteAddress, port: c.remotePort ?? 0 };
    this.front = c.localAddress === undefined ? undefined : { address: c.localAddress, port: c.localPort ?? 0 };
  }

  /** The request head was parsed. */
  head(h: H1Head): void {
    const now = clock();
    this.tHead = now;
    // The first byte arrived with the chunk that completed the head, or earlier.
    this.tFirst = Math.min(this.s.cliLast, now);
    const b = h.buf;
    const ver = h.versionEnd > h.versionStart ? ` ${b.toString('latin1', h.versionStart, h.versionEnd)}` : '';
    this.inAdjust = htxHeadSize(h) - wireHeadSize(h);
    const line = `${b.toString('latin1', h.methodStart, h.methodEnd)} ${b.toString('latin1', h.targetStart, h.targetEnd)}${ver}`;
    // http_ana.c http_wait_for_request(): the line is kept in a buffer of
    // tune.http.logurilen bytes (default 1024): %r, %HU... see at most that
    // many characters (checked with haproxy 2.6: 40 gives 40).
    this.requestLine = line.length <= this.uriLen ? line : line.slice(0, this.uriLen);
  }

  /** A response head from the server: interim (%B only) or final. */
  response(h: H1Head): void {
    // %B counts the HTX bytes passed to the client (htx-out.ts), interim heads included.
    this.out.head(h, this.s.bytesOut);
    if (h.isInterim) return;
    this.tResp = clock();
    this.status = h.status;
    this.snapshot();
    if (this.logger.logAsap && this.early === 0) {
      // http_ana.c http_process_res_common(): with logasap the line is sent
      // once the response head went through the http-response rules, with
      // %B = what the buffer holds then (htx->data). The microtask runs after
      // the current server read was processed, so the body bytes that came
      // with the head are counted, like haproxy's.
      this.early = 1;
      const gen = this.gen;
      queueMicrotask(() => {
        if (this.gen === gen && this.early === 1 && !this.fromRule) this.sendEarly();
      });
    }
  }

  private sendEarly(): void {
    this.early = 2;
    if (!isMonitorRequest(this.s)) this.emit(false, true);
  }

  /** A generated response: its status (from the status line) and size. `counted` false for the mux's raw errors (haproxy logs 0 bytes). */
  reply(bytes: Buffer, counted = true): void {
    this.replied = true;
    if (bytes.length >= 12) this.status = Number(bytes.toString('latin1', 9, 12)) || this.status;
    if (counted) this.replyBytes += htxMessageSize(bytes) + builtinPageExtra(bytes);
  }

  /**
   * The reply comes from an http-request rule (`response` false) or an
   * http-response rule. http_ana.c sets SF_ERR_PRXCOND ('P') for deny,
   * tarpit and reject, SF_ERR_LOCAL ('L') for return, redirect and auth
   * (act_http.c http_action_return(), http_apply_redirect_rule(); auth
   * checked with haproxy 2.6), with the state of the side that decided:
   * R for a request rule, H for a response rule. Response rules also drop
   * the server's response timer (`s->logs.t_data = -1`: %Tr prints -1), and
   * `reject` closes before the request counted as received (%TR -1, no
   * status: all checked in test/compat/log/rule-flags.test.ts).
   */
  ruleReply(out: { readonly local?: boolean | undefined; readonly bytes: Buffer; readonly close: boolean; readonly reset?: boolean | undefined }, response = false): void {
    this.fromRule = true;
    // http_ana.c http_process_req_common(): a denied or tarpitted request still has its cookie captured.
    if (!response && out.local !== true) captureRequestCookie(this.s);
    this.ruleTerm = (out.local === true ? 'L' : 'P') + (response ? 'H' : 'R');
    if (response) {
      this.tResp = -1;
      // The body read with the replaced head still counts in %B (htx-out.ts).
      this.out.replacedResponse();
    }
    this.rejected = !response && out.bytes.length === 0 && out.close && out.reset !== true && out.local !== true;
  }

  /**
   * The request waits in a queue (the backend's, or its server's). queue.c
   * pendconn_add() keeps the queue's index minus one; leaving it adds the
   * number of waiters served meanwhile (itself included when it is served):
   * %bq/%sq are 1 for a request that waited alone (checked with haproxy 2.6).
   */
  queued(q: { readonly dequeued: number }, backend: boolean): void {
    this.queue = q;
    this.queueStart = q.dequeued - 1;
    this.queueIsBackend = backend;
  }

  /** After the http-request rules, before persistence: `capture cookie` on the request (%CC). */
  requestCookie(): void {
    captureRequestCookie(this.s);
  }

  /** After the http-response rules: `capture cookie` on the response (%CS). */
  responseCookie(): void {
    captureResponseCookie(this.s);
  }

  /** A server slot is ours (after the queue, if any): haproxy's t_queue. */
  assigned(): void {
    this.tAssigned = clock();
    this.tConnected = -1;
    this.leaveQueue();
  }

  private leaveQueue(): void {
    const q = this.queue;
    if (q === undefined) return;
    const pos = q.dequeued - this.queueStart - (this.tAssigned >= 0 ? 1 : 0);
    if (this.queueIsBackend) this.bq += pos;
    else this.sq += pos;
    this.queue = undefined;
  }

  /** The server connection is established (or an idle one reused): t_connect. */
  connected(): void {
    this.tConnected = clock();
  }

  /** The server slot is released: keep what the line needs. */
  released(): void {
    this.snapshot();
  }

  private snapshot(): void {
    const s = this.s;
    if (s.be !== undefined) {
      this.beName = s.be.name;
      this.beconn = Math.max(0, s.be.counters.curConns - 1);
    }
    if (s.server !== undefined) {
      this.srvName = s.server.name;
      this.srvconn = Math.max(0, s.server.served - 1);
    }
    const sock = s.srv;
    if (sock !== undefined && !(sock as { destroyed?: boolean }).destroyed) {
      if (sock.localAddress !== undefined) this.backSrc = { address: sock.localAddress, port: sock.localPort ?? 0 };
      if (sock.remoteAddress !== undefined) this.serverAddr = { address: sock.remoteAddress, port: sock.remotePort ?? 0 };
    }
  }

  /** The transaction ended (or the connection did): sends its line once, then starts the next transaction's marks. */
  end(): void {
    const s = this.s;
    const bad = this.requestLine === undefined;
    // Nothing to log: an idle keep-alive connection that closed, or a line already sent.
    if (bad && !this.replied && (s.termCause === '-' || s.bytesIn === this.inStart)) return this.reset();
    if (this.early === 1 && !this.fromRule) this.sendEarly();
    else if (this.early !== 2 && !isMonitorRequest(s)) this.emit(bad, false);
    this.reset();
  }

  /**
   * Sends the transaction's line. `early`: the logasap line (http_ana.c
   * http_process_res_common()): the end date is the response's (t_close =
   * t_data), %U is 0 (bytes_in is only known at the end), and the stream
   * still counts in its backend and server (%bc/%sc).
   */
  private emit(bad: boolean, early: boolean): void {
    const s = this.s;
    this.snapshot();
    // Still queued (queue timeout, client gone): the position so far.
    this.leaveQueue();
    const now = early ? this.tResp : clock();
    const r = new LogRecord();
    r.ctx = s;
    r.client = s.src ?? this.client;
    r.frontAddr = s.dst ?? this.front;
    const first = this.tFirst >= 0 ? this.tFirst : Math.min(s.cliLast, now);
    r.acceptDate = this.dStart;
    r.requestDate = this.dStart + ms(first, this.tStart);
    r.feName = s.fe.name;
    r.feTransport = s.listener.spec.bind.ssl === true ? `${s.fe.name}~` : s.fe.name;
    r.beName = this.beName ?? s.fe.name;
    r.srvName = this.srvName ?? '<NOSRV>';
    r.backSrc = this.backSrc;
    r.serverAddr = this.serverAddr;
    if (bad) {
      // A request the mux refused has no stream: no backend or server, even on a connection that used one (haproxy 2.6: fe/<NOSRV>).
      r.beName = s.fe.name;
      r.srvName = '<NOSRV>';
      r.backSrc = r.serverAddr = undefined;
    }
    // haproxy's marks (log-record.ts), each floored from the transaction's start.
    const t0 = this.tStart;
    r.tHandshake = 0;
    r.tIdle = ms(first, t0);
    r.tRequest = bad || this.rejected ? -1 : ms(this.tHead, t0);
    r.tQueue = this.tAssigned >= 0 ? ms(this.tAssigned, t0) : -1;
    r.tConnect = this.tConnected >= 0 ? ms(this.tConnected, t0) : -1;
    r.tData = this.tResp >= 0 ? ms(this.tResp, t0) : -1;
    r.tClose = ms(now, t0);
    // stream.c back_handle_st_que(): a queue timeout sets t_queue when it fires (Tw = the time queued).
    if (r.tQueue < 0 && s.termCause === 's' && s.termState === 'Q') r.tQueue = r.tClose;
    // A request the mux refused (<BADREQ>) never reached the stream: %U 0 (checked with haproxy 2.6).
    r.bytesIn = early || bad ? 0 : s.bytesIn - this.inStart + this.inAdjust;
    r.bytesOut = this.out.total(s.bytesOut) + this.replyBytes;
    r.status = this.status;
    r.termCause = s.termCause;
    r.termState = s.termState;
    if (r.termCause === '-' && this.fromRule) {
      r.termCause = this.ruleTerm[0]!;
      r.termState = this.ruleTerm[1]!;
    }
    if (this.fromRule && r.termCause === 'P' && r.termState === 'T') {
      // http_ana.c http_process_tarpit(): t_queue is set at the end of the
      // tarpit, the request time never is, so log.c prints TR -1 and
      // Tw = t_queue - t_request = (end - accept) + 1 (haproxy 2.6: "-1/102/-1/-1/101").
      r.tRequest = -1;
      r.tQueue = r.tClose;
    }
    const p = s.persist;
    if (p !== undefined) {
      r.cookieCli = p.cliFlag;
      r.cookieSrv = p.srvFlag;
    }
    if (!bad) {
      const ck = capturedCookies(s);
      if (ck !== undefined) {
        r.capturedCookieReq = ck.req;
        r.capturedCookieRes = ck.res;
      }
      const caps = captureSlots(s);
      const cfg = s.fe.config;
      const nReq = cfg.captures.filter((c) => c.kind === 'request').length;
      const nRes = cfg.captures.filter((c) => c.kind === 'response').length;
      r.reqCaptures = caps?.req ?? (nReq > 0 ? new Array<undefined>(nReq) : undefined);
      r.resCaptures = caps?.res ?? (nRes > 0 ? new Array<undefined>(nRes) : undefined);
      r.uniqueId = uniqueIdOf(s);
    }
    r.requestLine = this.requestLine;
    r.badRequest = bad;
    r.actconn = s.runtime.streams.size;
    r.feconn = s.fe.counters.curConns;
    r.beconn = early && s.be !== undefined ? s.be.counters.curConns : this.beconn;
    r.srvconn = early && s.server !== undefined ? s.server.served : this.srvconn;
    r.retries = s.retries;
    r.srvQueue = this.sq;
    r.beQueue = this.bq;
    const error = r.termCause !== '-' || this.status >= 500;
    // mux_h1.c: a request the mux refused is logged by sess_log(), with the
    // error-log-format when there is one; its flags then come from the
    // connection: `CR` once the client closed its side, `PR` otherwise
    // (checked with haproxy 2.6, where the log-format line says PR-- for both).
    const errFormat = bad && this.logger.errorLine !== undefined;
    if (errFormat) {
      r.termCause = s.cliEnded === true ? 'C' : 'P';
      r.termState = 'R';
    }
    // set-log-level (log-level.ts): `silent` sends nothing, another level replaces info/err.
    const lvl = bad ? undefined : logLevelOverride(s.logLevel);
    if (lvl === SILENT) return;
    this.logger.emit(r, error, r.bytesIn === 0, errFormat, lvl);
  }

  private reset(): void {
    const s = this.s;
    this.tStart = clock();
    this.dStart = Date.now();
    this.tFirst = this.tHead = this.tResp = this.tAssigned = this.tConnected = -1;
    this.status = -1;
    this.requestLine = undefined;
    this.inStart = s.bytesIn;
    this.outStart = s.bytesOut;
    this.replyBytes = this.inAdjust = this.outAdjust = 0;
    this.out.reset();
    this.replied = this.fromRule = this.rejected = false;
    this.early = 0;
    this.gen++;
    this.beName = this.srvName = undefined;
    this.backSrc = this.serverAddr = undefined;
    this.beconn = this.srvconn = this.sq = this.bq = 0;
    this.queue = undefined;
  }
}
