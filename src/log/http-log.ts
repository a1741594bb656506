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
import { captureSlots } from '../http/capture.js';
import { isMonitorRequest } from '../http/monitor.js';
import { uniqueIdOf } from '../http/unique-id.js';
import { LogRecord } from './log-record.js';
import { htxHeadSize, htxMessageSize, wireHeadSize } from './htx-size.js';
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
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly retries: number;
  readonly termCause: string;
  readonly termState: string;
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
  private status = -1;
  private requestLine: string | undefined;
  private inStart = 0;
  private outStart = 0;
  /** Bytes of generated replies (the server's bytes are counted by the stream). */
  private replyBytes = 0;
  private inAdjust = 0;
  private outAdjust = 0;
  private replied = false;
  private fromRule = false;
  private connected = false;
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

  constructor(private readonly s: HttpLogSource, private readonly logger: TrafficLogger) {
    const c = s.cli;
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
    this.requestLine = `${b.toString('latin1', h.methodStart, h.methodEnd)} ${b.toString('latin1', h.targetStart, h.targetEnd)}${ver}`;
  }

  /** The server's final response head. */
  response(h: H1Head): void {
    this.tResp = clock();
    this.status = h.status;
    // %B counts HTX bytes (htx-size.ts): the head's wire size is swapped for its HTX size.
    this.outAdjust += htxHeadSize(h) - wireHeadSize(h);
    this.snapshot();
  }

  /** A generated response: its status (from the status line) and size. `counted` false for the mux's raw errors (haproxy logs 0 bytes). */
  reply(bytes: Buffer, counted = true): void {
    this.replied = true;
    if (bytes.length >= 12) this.status = Number(bytes.toString('latin1', 9, 12)) || this.status;
    if (counted) this.replyBytes += htxMessageSize(bytes);
  }

  /**
   * The reply comes from an http-request/response rule (deny, return,
   * redirect, auth...). http_ana.c sets SF_ERR_PRXCOND ('P') for a deny and
   * SF_ERR_LOCAL ('L') for redirect and return; the stream's outcome does
   * not say which rule it was, so the status decides: an error status is a
   * deny (PR/PH), anything else a local answer (LR).
   */
  ruleReply(): void {
    this.fromRule = true;
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
      this.bq = s.be.queue.length;
    }
    if (s.server !== undefined) {
      this.srvName = s.server.name;
      this.srvconn = Math.max(0, s.server.served - 1);
      this.sq = s.server.queue.length;
    }
    if (s.srvConnected) this.connected = true;
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
    if (!isMonitorRequest(s)) this.emit(bad);
    this.reset();
  }

  private emit(bad: boolean): void {
    const s = this.s;
    this.snapshot();
    const now = clock();
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
    r.th = 0;
    r.ti = ms(first, this.tStart);
    r.tR = bad ? -1 : ms(this.tHead, first);
    r.tw = this.srvName !== undefined ? 0 : -1;
    r.tc = this.connected ? 0 : -1;
    r.tr = this.tResp >= 0 ? ms(this.tResp, this.tHead) : -1;
    r.tt = ms(now, this.tStart);
    r.ta = ms(now, first);
    r.bytesIn = s.bytesIn - this.inStart + this.inAdjust;
    r.bytesOut = s.bytesOut - this.outStart + this.outAdjust + this.replyBytes;
    r.status = this.status;
    r.termCause = s.termCause;
    r.termState = s.termState;
    if (r.termCause === '-' && this.fromRule) {
      r.termCause = this.status >= 400 ? 'P' : 'L';
      r.termState = this.tResp >= 0 ? 'H' : 'R';
    }
    const p = s.persist;
    if (p !== undefined) {
      r.cookieCli = p.cliFlag;
      r.cookieSrv = p.srvFlag;
    }
    if (!bad) {
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
    r.beconn = this.beconn;
    r.srvconn = this.srvconn;
    r.retries = s.retries;
    r.srvQueue = this.sq;
    r.beQueue = this.bq;
    const error = r.termCause !== '-' || this.status >= 500;
    this.logger.emit(r, error, r.bytesIn === 0);
  }

  private reset(): void {
    const s = this.s;
    this.tStart = clock();
    this.dStart = Date.now();
    this.tFirst = this.tHead = this.tResp = -1;
    this.status = -1;
    this.requestLine = undefined;
    this.inStart = s.bytesIn;
    this.outStart = s.bytesOut;
    this.replyBytes = this.inAdjust = this.outAdjust = 0;
    this.replied = this.connected = this.fromRule = false;
    this.beName = this.srvName = undefined;
    this.backSrc = this.serverAddr = undefined;
    this.beconn = this.srvconn = this.sq = this.bq = 0;
  }
}
