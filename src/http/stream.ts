/**
 * A `mode http` client connection: HTTP/1.1 transactions parsed from the
 * client, switched to a backend, sent to a server, and their responses
 * parsed and forwarded back (haproxy's H1 mux + stream + http_ana.c, for
 * HTTP/1 on both sides).
 *
 * One transaction at a time (pipelined requests wait in the input buffer):
 *   WAIT_REQ  parse the request head (`timeout http-request`, then
 *             `timeout http-keep-alive` between requests)
 *   CONNECT   http-request rules, backend, server, connection (reused from
 *             the server's idle pool when allowed, else a new one)
 *   FORWARD   the head is written in one piece, body slices follow as they
 *             arrive (re-framed when chunked); the response is parsed,
 *             1xx forwarded, then the final head and body
 *   TUNNEL    after a 101 (websocket) or a 2xx to CONNECT: raw bytes both
 *             ways, `timeout tunnel`
 *   CLOSING   an error answer or a close was sent; waiting for the client
 *
 * Hot path (DESIGN "Node on the data path"): handlers bound once per
 * connection; a head no rule rewrites is written by copying its received
 * byte ranges (h1-writer.ts); body slices are forwarded without copying;
 * one coarse timer per connection, checked against activity marks.
 */
import type net from 'node:net';
import type { Listener } from '../net/listener.js';
import { Observed, type PendingQueue, type Server, type Waiter } from '../server/server.js';
import { observedStatus } from '../server/server-observe.js';
import type { PickContext } from '../lb/registry.js';
import { balanceHeader, balanceSample } from '../lb/pick-sample.js';
import type { SampleExpression } from '../sample/expression.js';
import type { Backend, Frontend, Runtime } from '../proxy/runtime.js';
import { StreamVars, type Endpoint, type SampleContext, type VarScope, type VarStore } from '../sample/context.js';
import { type H1Parser, requestInfo } from './h1-parser.js';
import {
  BODY_CHUNKED,
  BODY_LENGTH,
  BODY_TUNNEL,
  BODY_UNTIL_CLOSE,
  type CanonicalHead,
  type H1Head,
  MSG_SWITCHING,
  MSG_VER_11,
} from './h1-head.js';
import { CHUNK_END, ChunkBatch, chunkHeader, LAST_CHUNK, writeHead } from './h1-writer.js';
import { httpProxyOf, type HttpProxy, type RuleOutcome } from './rules.js';
import { bodyWaitLimit, resHoldData, resHoldRead, resHoldRelease, resHoldStart, resWaitStart, type ResHold } from './stream-res-wait.js';
import { afterServerResponse } from './after-response.js';
import { persistRequest, persistResponse, type PersistTxn } from './cookie-persistence.js';
import { requestHeaderValues, type HttpMessageSlot } from './http-fetches.js';
import { buildReqHead, buildResHead } from './stream-heads.js';
import { answer, errorReply, requestError, responseError, sendReply, silentDrop } from './stream-replies.js';
import { assignServer, closeSrv, detachSrv, dropOwnConn, grantServer, keepServerConn, onServerClose, onServerEnd, onServerError, releaseServer } from './stream-server.js';
import { CLOSING, clock, CONNECT, connMode, DONE, FORWARD, MODE_CLO, MODE_KAL, TUNNEL, WAIT_REQ } from './stream-state.js';
import { armFin, armForward, armIn, armWait, resetTimer, timerFired } from './stream-timers.js';
import { beConnConfig, feConnConfig } from './stream-config.js';
import { CONTENT_CONTINUE, needsL4, runHttpContentRules, startHttpL4, type HttpL4Context } from './stream-l4.js';
import { readDirect, type DirectReadHandler } from './stream-read.js';
import { requestParser, responseParser } from './stream-parsers.js';
import { announcesBody, bufferRequestBody, endBodyWait, ReqBodyWait, WAIT_BACKEND, WAIT_FRONTEND, WAIT_NONE, WAIT_RULE, waitForBody } from './stream-req-wait.js';
import { rawErrorMessage } from './default-errors.js';
import './http-fetches.js';
import './stream-body.js';
import { captureRequestHeaders, captureResponseHeaders } from './capture.js';
import { monitorIntercept } from './monitor.js';
import { checkcacheBlocks, proxyMisc, restrictRequest, type ProxyMisc } from './http-misc.js';
import { attemptHead, attemptPlan, beginRequest, capture, firstSendDone, replayParts, retryOnFailure, retryOnStatus, RE_JUNK, type L7Replay } from './l7-retry.js';
import './auth.js';
import './unique-id.js';
import { httpLogBegin, type HttpTxnLog } from '../log/http-log.js';
import { acceptsInvalidRequest, earlyChunkedError } from './early-body-check.js';
import { forwardedRequestError, responseParseErrorFlags } from './body-errors.js';

/**
 * One `mode http` client connection and its successive transactions.
 * State not marked `private` is shared with the helpers in
 * stream-server.ts, stream-replies.ts, stream-heads.ts, stream-timers.ts,
 * stream-req-wait.ts and stream-res-wait.ts (plain functions taking the
 * stream); it is not an API for other modules.
 */
export class HttpStream implements Waiter, PickContext, SampleContext, HttpMessageSlot {
  queueSeq = 0;
  queued = false;
  /** The queue this stream waits in (server or backend), set by PendingQueue (src/server/server.ts). */
  queuedIn: PendingQueue | undefined = undefined;
  readonly runtime: Runtime;
  readonly fe: Frontend;
  readonly listener: Listener;
  readonly cli: net.Socket;
  readonly final = true;
  be: Backend | undefined;
  server: Server | undefined;
  srv: net.Socket | undefined;
  /** Termination flags as in haproxy's logs. */
  termCause = '-';
  termState = '-';

  /** The two termination flags (`--` for a normal end), as in haproxy's logs; same as TcpStream's. */
  get terminationFlags(): string {
    return `${this.termCause}${this.termState}`;
  }
  bytesIn = 0;
  bytesOut = 0;
  /** Transactions processed on this connection. */
  txCount = 0;

  readonly hp: HttpProxy;
  /** The frontend's http-misc.ts settings. */
  private readonly feMisc: ProxyMisc;
  private readonly reqParser: H1Parser;
  readonly resParser: H1Parser;
  private readonly vars_ = new StreamVars();
  phase = WAIT_REQ;
  cliBuf: Buffer | undefined;
  private cliPos = 0;
  srvBuf: Buffer | undefined;
  private srvPos = 0;
  cliFull = false;
  srvFull = false;
  cliEnded = false;
  private cliClosed = false;
  finished = false;
  timer: NodeJS.Timeout | undefined;
  deadline = Infinity;
  cliLast: number;
  srvLast = 0;
  waitStart: number;

  // ---- the current transaction
  reqHead: H1Head | undefined;
  reqCanon: CanonicalHead | undefined;
  resHead: H1Head | undefined;
  resCanon: CanonicalHead | undefined;
  reqTrailers: Buffer | undefined;
  resTrailers: Buffer | undefined;
  /** The request head to send on the next connection attempt (l7-retry.ts sets it again for a replay). */
  pendingHead: Buffer | undefined;
  /** L7 retries and http-send-name-header (src/http/l7-retry.ts): the backend's plan, the replay copy, the rule's opt-out. */
  attemptPlan = 0;
  l7: L7Replay | undefined = undefined;
  noL7Retry = false;
  reqChunkedOut = false;
  private resChunkedOut = false;
  reqDone = false;
  resDone = false;
  resStarted = false;
  private mode = MODE_KAL;
  cliKeep = true;
  srvKeep = true;
  private reqFlags = 0;
  reqMajor11 = false;
  retries = 0;
  /** The server that just failed, avoided by the next pick when redispatching (PickContext). */
  avoid: Server | undefined = undefined;
  /** Cookie persistence and use-server state of this transaction (cookie-persistence.ts). */
  persist: PersistTxn | undefined = undefined;
  reused = false;
  srvConnected = false;
  /** This client connection's previous server connection, idle (stream-server.ts reusableConn()). */
  ownConn: net.Socket | undefined = undefined;
  /** `ownConn` is private to this client connection (`http-reuse never`), not in the server's pool. */
  ownPrivate = false;
  /** The session's private idle server connections (`http-reuse never`), at most `max-session-srv-conns` (stream-server.ts). */
  privConns: net.Socket[] | undefined = undefined;
  upgrade = false;
  /** The body read with the last head has a framing error (early-body-check.ts): the pump fails the message. */
  earlyBad = false;
  /** The layer-4 rules' context (stream-l4.ts), created when the frontend has tcp-request rules. */
  l4ctx: HttpL4Context | undefined = undefined;
  /** Set by http-request rules (src/http/rules.ts RuleSubject): set-src/set-dst last for the connection. */
  srcOverride: Endpoint | undefined = undefined;
  dstOverride: Endpoint | undefined = undefined;
  /** set-timeout, set-priority-*, set-log-level: for the current transaction only. */
  curServerTimeout: number | undefined = undefined;
  curTunnelTimeout: number | undefined = undefined;
  prioClass: number | undefined = undefined;
  prioOffset: number | undefined = undefined;
  logLevel: string | undefined = undefined;
  /** The traffic log marks, only when the frontend logs (src/log/http-log.ts). */
  txlog: HttpTxnLog | undefined;

  constructor(runtime: Runtime, fe: Frontend, listener: Listener, cli: net.Socket) {
    this.runtime = runtime;
    this.fe = fe;
    this.listener = listener;
    this.cli = cli;
    this.hp = httpProxyOf(fe);
    this.feMisc = proxyMisc(fe);
    this.reqParser = requestParser(runtime, fe, this);
    this.resParser = responseParser(runtime, fe, this);
    this.cliLast = clock();
    this.waitStart = this.cliLast;
    this.txlog = httpLogBegin(this);
  }

  // ---- SampleContext / HttpMessageSlot -----------------------------------

  get http(): HttpMessageSlot {
    return this;
  }
  get firstRequest(): boolean {
    return this.txCount === 1;
  }
  get clientTls(): boolean {
    return (this.cli as { encrypted?: boolean }).encrypted === true;
  }
  get frontend(): Frontend {
    return this.fe;
  }
  get backend(): Backend | undefined {
    return this.be;
  }
  get src(): Endpoint | undefined {
    if (this.srcOverride !== undefined) return this.srcOverride;
    const a = this.cli.remoteAddress;
    return a === undefined ? undefined : { address: a, port: this.cli.remotePort ?? 0 };
  }
  get dst(): Endpoint | undefined {
    if (this.dstOverride !== undefined) return this.dstOverride;
    const a = this.cli.localAddress;
    return a === undefined ? undefined : { address: a, port: this.cli.localPort ?? 0 };
  }
  vars(scope: VarScope): VarStore | undefined {
    return this.vars_.scope(scope);
  }
  /** PickContext: the client address for `balance source`. */
  get source(): string | undefined {
    return this.srcOverride?.address ?? this.cli.remoteAddress;
  }
  get uri(): string | undefined {
    return this.reqCanon?.target ?? this.reqHead?.target();
  }
  /** PickContext: `balance hdr(<name>)` (src/lb/pick-sample.ts). */
  header(name: string): string | undefined {
    return balanceHeader(requestHeaderValues(this, name.toLowerCase()));
  }
  /** PickContext: `balance hash <expr>`. */
  fetchSample(expr: SampleExpression): Uint8Array | undefined {
    return balanceSample(expr, this);
  }
  /** PickContext: `balance url_param ... check_post` looks at POST bodies. */
  get method(): string | undefined {
    return this.reqCanon?.method ?? this.reqHead?.methodName();
  }
  get frontendPort(): number {
    return this.cli.localPort ?? 0;
  }

  /** The request head as strings, created on the first rewrite (rules.ts). */
  reqCanonical(): CanonicalHead {
    return (this.reqCanon ??= this.reqHead!.toCanonical());
  }
  resCanonical(): CanonicalHead {
    return (this.resCanon ??= this.resHead!.toCanonical());
  }

  // ---- start -----------------------------------------------------------

  start(): void {
    this.open();
    // tcp-request rules and PROXY headers first (stream-l4.ts), then HTTP.
    const l4 = this.fe.l4;
    if (needsL4(this, l4)) startHttpL4(this, l4);
    else this.attachClient(undefined, false);
  }

  /**
   * `tcp-request content switch-mode http` (src/tcp/switch-mode.ts): a mode
   * tcp stream of this frontend already ran the layer-4 stage and hands over
   * its client connection, the bytes it read and the addresses its rules set.
   */
  startUpgraded(first: Buffer | undefined, ended: boolean, src: Endpoint | undefined, dst: Endpoint | undefined): void {
    this.open();
    this.srcOverride = src;
    this.dstOverride = dst;
    this.attachClient(first, ended);
  }

  /** Counted by the frontend and the runtime; the client's close ends the stream. */
  private open(): void {
    this.runtime.streams.add(this);
    const c = this.fe.counters;
    c.cumConns++;
    c.curConns++;
    if (c.curConns > c.maxConns) c.maxConns = c.curConns;
    this.cli.on('error', noop);
    this.cli.on('close', this.onCliClose);
  }

  /**
   * Starts reading HTTP: `first` holds the bytes the layer-4 stage already
   * read (after a PROXY header, during inspection), `ended` whether the
   * client already shut its side.
   */
  attachClient(first: Buffer | undefined, ended: boolean): void {
    const cli = this.cli;
    // Reads straight from libuv when the socket allows it (stream-read.ts).
    if (!readDirect(cli, this.onCliRead)) cli.on('data', this.onCliData);
    cli.on('end', this.onCliEnd);
    cli.on('drain', this.onCliDrain);
    cli.resume();
    this.cliLast = clock();
    this.waitStart = this.cliLast;
    armWait(this);
    if (first !== undefined) this.onCliData(first);
    if (ended && !this.finished) this.onCliEnd();
  }

  // ---- client side -------------------------------------------------------

  private readonly onCliRead: DirectReadHandler = (chunk) => this.onCliData(chunk);

  private readonly onCliData = (chunk: Buffer): void => {
    this.bytesIn += chunk.length;
    this.cliLast = clock();
    if (this.phase === TUNNEL) {
      this.writeSrv(chunk);
      return;
    }
    if (this.phase >= CLOSING) return;
    if (this.cliBuf === undefined || this.cliPos >= this.cliBuf.length) {
      this.cliBuf = chunk;
      this.cliPos = 0;
    } else {
      this.cliBuf = Buffer.concat([this.cliBuf.subarray(this.cliPos), chunk]);
      this.cliPos = 0;
    }
    this.pumpClient();
  };

  /** Feeds buffered client bytes to the request parser while the phase allows it. */
  pumpClient(): void {
    // Reentrant calls (a reused server connection starts forwarding inside
    // onHead) leave the work to the running loop, which re-checks the phase.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpClientLoop();
    } finally {
      this.pumping = false;
    }
    // What was received is parsed: a replay copy is kept only for a complete request (l7-retry.ts).
    if (this.l7 !== undefined) firstSendDone(this);
  }
  pumping = false;

  private pumpClientLoop(): void {
    const p = this.reqParser;
    while (this.cliBuf !== undefined && this.cliPos < this.cliBuf.length) {
      if (this.phase === WAIT_REQ) {
        // first byte of a new request: timeout http-request from now on (keep-alive case).
      } else if ((this.phase !== FORWARD && !this.reqWait.waiting) || this.reqDone) {
        break;
      }
      const buf = this.cliBuf;
      this.cli.cork();
      const n = p.feed(buf, this.cliPos, buf.length);
      this.reqChunks.flush(this.toSrv);
      this.cli.uncork();
      if (n < 0 || this.earlyBad) {
        this.earlyBad = false;
        // Once the head went to a server, a body error is the stream's (body-errors.ts); before, the mux's raw answer.
        if (this.phase === FORWARD && this.reqHead !== undefined) forwardedRequestError(this);
        else requestError(this, p.error?.status ?? 400);
        return;
      }
      this.cliPos += n;
      if (n === 0) break;
    }
    if (this.cliBuf !== undefined && this.cliPos >= this.cliBuf.length) this.cliBuf = undefined;
    // Pipelined bytes beyond a buffer's worth wait with the socket paused.
    const pending = this.cliBuf === undefined ? 0 : this.cliBuf.length - this.cliPos;
    if (pending > 16384 && this.phase !== FORWARD) this.cli.pause();
    if (this.phase === WAIT_REQ && pending > 0 && this.waitStart < 0) this.waitStart = clock();
  }

  /** Request head parsed: rules, backend, server (called inside feed). */
  onReqHead(head: H1Head): void {
    // mux_h1.c: chunked bytes read with the head are parsed before the stream sees it (early-body-check.ts).
    if (head.bodyKind === BODY_CHUNKED && earlyChunkedError(this, head, acceptsInvalidRequest(this.fe))) {
      this.earlyBad = true;
      return;
    }
    this.txCount++;
    this.reqHead = head;
    this.txlog?.head(head);
    this.reqCanon = undefined;
    this.resHead = undefined;
    this.resCanon = undefined;
    this.reqTrailers = undefined;
    this.resTrailers = undefined;
    this.reqDone = false;
    this.resDone = false;
    this.resStarted = false;
    this.retries = 0;
    this.noL7Retry = false;
    this.curServerTimeout = this.curTunnelTimeout = this.prioClass = this.prioOffset = undefined;
    this.logLevel = undefined;
    this.avoid = undefined;
    this.reqChunks.clear();
    this.reqFlags = requestInfo(head);
    this.reqMajor11 = (head.flags & MSG_VER_11) !== 0;
    this.upgrade = head.wantsUpgrade;
    this.phase = CONNECT;
    resetTimer(this);
    this.reqWait.reset();
    // tcp_rules.c: the frontend's `tcp-request content` rules run for each request, first (stream-l4.ts).
    const l4 = this.fe.l4;
    if (l4 !== undefined && l4.content.length > 0 && runHttpContentRules(this, l4.content) !== CONTENT_CONTINUE) return;
    // http_ana.c http_wait_for_request(): header captures, then monitor-uri, before any rule (capture.ts, monitor.ts).
    // Decided once per frontend (stream-config.ts): nothing to call when not configured.
    const fc = feConnConfig(this.fe);
    if (fc.captures) captureRequestHeaders(this);
    if (fc.monitor) {
      const mon = monitorIntercept(this);
      if (mon !== undefined && answer(this, mon)) return;
    }
    // configuration.txt §4.2 "option http-buffer-request": the body, up to a
    // buffer's worth, is read before the rules run (`req.body*` fetches see
    // it, stream-body.ts); `timeout http-request` bounds the wait, then 408.
    if (fc.bufferRequest && announcesBody(head)) {
      bufferRequestBody(this, WAIT_FRONTEND);
      return;
    }
    this.processRequest(head);
  }

  /** The request head (and the buffered body, if any) is here: rules, backend, server. */
  processRequest(head: H1Head, from = 0): void {
    // http-request rules of the frontend, switching, then the backend's (http_ana.c).
    const out = this.hp.request(this, from);
    if (out !== undefined && out.kind === 'wait-body') {
      // http-request wait-for-body: resumed at the next rule once the body is here (stream-req-wait.ts).
      if (!waitForBody(this, out.time, out.atLeast, out.next, false)) this.processRequest(head, out.next);
      return;
    }
    if (out !== undefined && answer(this, out)) return;
    // option http-restrict-req-hdr-names, after the proxy's rules (http-misc.ts).
    if (this.feMisc.restrictHdrNames !== 0 && restrictRequest(this, this.feMisc.restrictHdrNames)) return;
    const be = this.hp.selectBackend(this);
    if (be === undefined) {
      errorReply(this, 503);
      return;
    }
    if (be.config.mode !== 'http') {
      // A mode tcp frontend upgraded by switch-mode (src/tcp/switch-mode.ts) chose a tcp backend:
      // stream.c stream_set_backend() fails the stream (SF_ERR_INTERNAL), the client gets a bare close.
      this.setTerm('I', 'R');
      this.closeCli();
      return;
    }
    this.be = be;
    be.counters.cumConns++;
    be.counters.curConns++;
    if (be.counters.curConns > be.counters.maxConns) be.counters.maxConns = be.counters.curConns;
    // `option http-buffer-request` set on the backend only: the wait comes after switching.
    const stage = this.reqWait.stage;
    if ((stage === WAIT_NONE || stage === WAIT_RULE) && beConnConfig(be).bufferRequest && !this.reqDone && announcesBody(head)) {
      bufferRequestBody(this, WAIT_BACKEND);
      return;
    }
    this.processBackend(head, be);
  }

  /** The backend is chosen: its http-request rules, the connection mode, persistence, the server. */
  processBackend(head: H1Head, be: Backend, from = 0): void {
    const bhp = httpProxyOf(be);
    // A listen section is both: its rules run once.
    const misc = proxyMisc(be);
    if (be.config !== this.fe.config) {
      // The backend's `tcp-request content` rules, once per request (not again when a wait-for-body resumes).
      const bl4 = be.l4;
      if (from === 0 && bl4 !== undefined && bl4.content.length > 0 && runHttpContentRules(this, bl4.content) !== CONTENT_CONTINUE) return;
      const out = bhp.request(this, from);
      if (out !== undefined && out.kind === 'wait-body') {
        if (!waitForBody(this, out.time, out.atLeast, out.next, true)) this.processBackend(head, be, out.next);
        return;
      }
      if (out !== undefined && answer(this, out)) return;
      if (misc.restrictHdrNames !== 0 && restrictRequest(this, misc.restrictHdrNames)) return;
    }
    // option accept-invalid-http-response, http-send-name-header and L7 retries are the backend's (http-misc.ts, l7-retry.ts).
    this.resParser.setAcceptInvalid(misc.acceptInvalidResponse);
    this.attemptPlan = attemptPlan(be);
    if (this.attemptPlan !== 0 || this.l7 !== undefined) beginRequest(this, this.attemptPlan);
    this.mode = connMode(this.fe, be);
    this.cliKeep = head.keepAlive && this.mode !== MODE_CLO;
    this.srvKeep = this.mode === MODE_KAL;
    // http_ana.c: use-server, then the persistence cookie (may strip it), before the head is written.
    this.txlog?.requestCookie();
    this.persist = persistRequest(this, be);
    this.pendingHead = buildReqHead(this, head, bhp);
    assignServer(this);
  }

  /** Waiter: a slot on `server` is ours (stream-server.ts). */
  grant(server: Server): void {
    grantServer(this, server);
  }


  readonly onSrvConnect = (): void => {
    this.srvConnected = true;
    this.server?.observe(Observed.L4_OK);
    this.startForward();
  };

  /** Server socket handlers (stream-server.ts), bound once per connection. */
  readonly onSrvEnd = (): void => onServerEnd(this);
  readonly onSrvError = (): void => onServerError(this);
  readonly onSrvClose = (): void => onServerClose(this);

  /** Server connection ready: head, then the body bytes already buffered. */
  startForward(): void {
    this.txlog?.connected();
    this.phase = FORWARD;
    this.srvLast = clock();
    this.resParser.reset();
    this.resParser.expectResponseTo(this.reqFlags);
    let h = this.pendingHead!;
    this.pendingHead = undefined;
    if (this.attemptPlan !== 0) {
      // http-send-name-header, L7 retries (l7-retry.ts): a replay sends the kept request again.
      h = attemptHead(this, h, this.attemptPlan);
      const replay = replayParts(this);
      if (replay !== undefined) {
        this.writeSrv(h);
        for (const b of replay) this.writeSrv(b);
        armForward(this);
        return;
      }
    }
    this.writeSrv(h);
    const w = this.reqWait;
    if (w.len > 0) {
      if (this.reqChunkedOut) this.writeSrv(chunkHeader(w.len));
      for (const b of w.parts) this.writeSrv(b);
      if (this.reqChunkedOut) this.writeSrv(CHUNK_END);
    }
    if (this.reqDone && this.reqChunkedOut) this.writeSrv(this.reqTrailers ?? LAST_CHUNK);
    armForward(this);
    // Parse what the client sent after the head: its body (a bodiless head ended in the feed that parsed it).
    if (this.cli.isPaused()) this.cli.resume();
    this.pumpClient();
  }

  reqBody(buf: Buffer, start: number, end: number): void {
    if (this.phase === CONNECT) {
      // Body read before the server connection (http-buffer-request): kept for startForward.
      if (this.reqWait.add(buf.subarray(start, end))) endBodyWait(this);
      return;
    }
    if (this.upgrade && this.phase === TUNNEL) return;
    if (this.reqChunkedOut) {
      this.reqChunks.add(buf.subarray(start, end));
    } else {
      this.writeSrv(buf.subarray(start, end));
    }
  }

  // ---- buffered request body (stream-req-wait.ts, stream-body.ts BodySlot) ----

  /** The body the rules wait for, read before forwarding. */
  readonly reqWait = new ReqBodyWait();
  get reqBodyBytes(): Buffer | undefined {
    return this.reqWait.bytes;
  }
  get reqBodyDeclared(): number | undefined {
    const h = this.reqHead;
    return h !== undefined && h.bodyKind === BODY_LENGTH ? h.contentLength : undefined;
  }

  /** Request body slices of the current read, re-chunked as one (h1-writer.ts ChunkBatch). */
  private readonly reqChunks = new ChunkBatch();

  onReqEnd(): void {
    this.reqDone = true;
    if (this.phase === CONNECT) {
      // The whole body was buffered; it leaves with the head (startForward).
      if (this.reqWait.waiting) endBodyWait(this);
      return;
    }
    this.reqChunks.flush(this.toSrv);
    if (this.reqChunkedOut) this.writeSrv(this.reqTrailers ?? LAST_CHUNK);
    if (this.resDone) this.endTransaction();
    else if (this.phase === FORWARD) armForward(this);
  }

  // ---- server side -------------------------------------------------------

  readonly onSrvData = (chunk: Buffer): void => {
    this.bytesOut += chunk.length;
    this.srvLast = clock();
    if (this.phase === TUNNEL) {
      this.writeCli(chunk);
      return;
    }
    if (this.phase !== FORWARD) return;
    if (this.srvBuf === undefined || this.srvPos >= this.srvBuf.length) {
      this.srvBuf = chunk;
      this.srvPos = 0;
    } else {
      this.srvBuf = Buffer.concat([this.srvBuf.subarray(this.srvPos), chunk]);
      this.srvPos = 0;
    }
    this.pumpServer();
  };

  private pumpServer(): void {
    const p = this.resParser;
    this.gathering = true;
    while (this.srvBuf !== undefined && this.srvPos < this.srvBuf.length && this.phase === FORWARD && !this.resDone) {
      const n = p.feed(this.srvBuf, this.srvPos, this.srvBuf.length);
      if (n < 0 || this.earlyBad) {
        this.earlyBad = false;
        this.flushGather();
        if (this.l7 !== undefined && retryOnFailure(this, RE_JUNK)) return;
        if (!this.resStarted) this.server?.observe(Observed.HTTP_HDRRSP);
        responseParseErrorFlags(this);
        responseError(this, 502);
        return;
      }
      this.srvPos += n;
      if (n === 0) break;
    }
    // The response rules that need the body run (or resume) once the read is parsed (stream-res-wait.ts).
    if (this.resHold !== undefined && this.phase === FORWARD) resHoldRead(this);
    this.resChunks.flush(this.toCli);
    if (this.phase === TUNNEL && this.srvBuf !== undefined && this.srvPos < this.srvBuf.length) {
      this.writeCli(this.srvBuf.subarray(this.srvPos));
      this.srvPos = this.srvBuf.length;
    }
    this.flushGather();
    if (this.srvBuf !== undefined && this.srvPos >= this.srvBuf.length) this.srvBuf = undefined;
  }

  /** A response head (interim or final). Returns false to pause the parser (tunnel). */
  onResHead(head: H1Head): boolean {
    // A framing error in the body read with the head makes the response invalid (early-body-check.ts).
    if (head.bodyKind === BODY_CHUNKED && !head.isInterim && earlyChunkedError(this, head, proxyMisc(this.be!).acceptInvalidResponse)) {
      this.earlyBad = true;
      return false;
    }
    this.resHead = head;
    // Interim heads too: haproxy's %B counts them (src/log/htx-out.ts).
    this.txlog?.response(head);
    // http_ana.c: `observe layer7` counts 100-499, 501 and 505 as valid (src/server/server-observe.ts).
    if (this.server?.observer !== undefined) this.server.observe(observedStatus(head.status));
    this.resCanon = undefined;
    if (head.isInterim) {
      // RFC 9110 §15.2: 1xx are forwarded as they come.
      this.writeCli(writeHead(head));
      return true;
    }
    if (this.l7 !== undefined) {
      // retry-on <status> (l7-retry.ts): this response is dropped, the request goes again.
      if (retryOnStatus(this, head.status)) return false;
      this.l7 = undefined;
    }
    this.resStarted = true;
    // http_ana.c http_wait_for_response(): `capture response header` before any rule (capture.ts).
    if (feConnConfig(this.fe).captures) captureResponseHeaders(this);
    this.resHold = undefined;
    // Rules that need the body run at the end of this read (stream-res-wait.ts).
    if (resHoldStart(this, head)) return true;
    return this.processResponse(head, 0, false);
  }

  /** A held response (stream-res-wait.ts): its head and body while the http-response rules need them. */
  resHold: ResHold | undefined = undefined;

  /**
   * The http-response rules from rule `from` (the backend's, then the
   * frontend's, `inFrontend` resuming in the latter), then the head goes to
   * the client. Returns false to pause the parser (tunnel, reply).
   */
  processResponse(head: H1Head, from: number, inFrontend: boolean): boolean {
    let out: RuleOutcome | undefined;
    for (;;) {
      out = (inFrontend ? this.hp : httpProxyOf(this.be!)).response(this, from);
      if (out !== undefined && out.kind === 'wait-body') {
        // http-response wait-for-body: resumed at the end of a later read (resHoldRead()).
        if (resWaitStart(this, out.time, out.atLeast, out.next, inFrontend, bodyWaitLimit(this.runtime.model.global.tune))) return true;
        from = out.next;
        continue;
      }
      if (out === undefined && !inFrontend && this.be!.config !== this.fe.config) {
        inFrontend = true;
        from = 0;
        continue;
      }
      break;
    }
    if (out !== undefined && out.kind === 'reply') {
      this.resHold = undefined;
      this.srvKeep = false;
      this.txlog?.ruleReply(out, true);
      if (out.reset === true) silentDrop(this);
      else sendReply(this, out.bytes, out.close);
      return false;
    }
    // http_process_res_common(): Set-Cookie handling after the http-response rules.
    this.txlog?.responseCookie();
    if (this.persist !== undefined) persistResponse(this);
    // option checkcache (http-misc.ts).
    if (this.be!.config.options.get('checkcache') === true && checkcacheBlocks(this, head)) return false;
    afterServerResponse(this);
    const switching = (head.flags & MSG_SWITCHING) !== 0 || head.bodyKind === BODY_TUNNEL;
    if (!head.keepAlive) this.srvKeep = false;
    // A body delimited by the close is forwarded as it is and the client
    // connection closes after it: haproxy 2.6 does not re-chunk it, even for
    // a 1.1 client (checked in test/compat/http/stream.test.ts).
    if (head.bodyKind === BODY_UNTIL_CLOSE) this.cliKeep = false;
    this.resChunkedOut = head.bodyKind === BODY_CHUNKED;
    this.resChunks.clear();
    const bytes = buildResHead(this, head, switching);
    this.writeCli(bytes);
    if (switching) {
      this.enterTunnel();
      return false;
    }
    if (this.resHold !== undefined) {
      // The held body follows its head; the end too if the parser saw it.
      const ended = resHoldRelease(this, this.resChunkedOut);
      this.resHold = undefined;
      if (ended) this.onResEnd();
    }
    return true;
  }

  resBody(buf: Buffer, start: number, end: number): void {
    this.txlog?.out.data(end - start);
    if (this.resHold !== undefined) {
      resHoldData(this.resHold, buf, start, end);
      return;
    }
    if (this.resChunkedOut) {
      // Chunks received in one read leave as one chunk, as haproxy's H1 mux
      // re-frames what is in its buffer (flushed at the end of each read).
      this.resChunks.add(buf.subarray(start, end));
    } else {
      this.writeCli(buf.subarray(start, end));
    }
  }

  private readonly resChunks = new ChunkBatch();

  onResEnd(): void {
    if (this.resHold !== undefined) {
      // Held: the end goes out after the head and the buffered body (processResponse).
      this.resHold.ended = true;
      return;
    }
    this.resChunks.flush(this.toCli);
    if (this.resHead !== undefined && this.resChunkedOut) {
      this.writeCli(this.resTrailers ?? LAST_CHUNK);
      this.txlog?.out.chunkedEnd(this.resTrailers);
    }
    this.resDone = true;
    if (this.reqDone) this.endTransaction();
    else {
      // haproxy waits for the request to end; a server that answered early closes its side.
      this.srvKeep = false;
    }
  }

  private enterTunnel(): void {
    this.phase = TUNNEL;
    this.srvKeep = false;
    this.cliKeep = false;
    // Client bytes already buffered after the upgrade request belong to the tunnel.
    if (this.cliBuf !== undefined && this.cliPos < this.cliBuf.length) {
      this.writeSrv(this.cliBuf.subarray(this.cliPos));
      this.cliBuf = undefined;
    }
    this.cli.resume();
    armForward(this);
  }

  // ---- writes and backpressure ------------------------------------------

  private readonly toSrv = (b: Buffer): void => this.writeSrv(b);
  private readonly toCli = (b: Buffer): void => this.writeCli(b);

  private writeSrv(b: Buffer): void {
    const s = this.srv;
    if (s === undefined) return;
    if (this.l7 !== undefined) capture(this, this.l7, b);
    if (!s.write(b) && !this.srvFull) {
      this.srvFull = true;
      this.cli.pause();
    }
  }

  writeCli(b: Buffer): void {
    if (this.gathering) {
      this.gather.push(b);
      this.gatherLen += b.length;
      return;
    }
    this.writeCliNow(b);
  }

  /**
   * Sends what a server read produced for the client (head, body slices,
   * chunk framing) in one write: one small Buffer costs less than a writev
   * of several (bench/http.ts profile: the writes are most of the CPU).
   */
  private flushGather(): void {
    if (!this.gathering) return;
    this.gathering = false;
    const g = this.gather;
    if (g.length === 1) this.writeCliNow(g[0]!);
    else if (g.length > 1) {
      if (this.gatherLen <= 16384) this.writeCliNow(Buffer.concat(g, this.gatherLen));
      else {
        this.cli.cork();
        for (const b of g) this.writeCliNow(b);
        this.cli.uncork();
      }
    }
    g.length = 0;
    this.gatherLen = 0;
  }
  private gathering = false;
  private readonly gather: Buffer[] = [];
  private gatherLen = 0;

  private writeCliNow(b: Buffer): void {
    if (!this.cli.write(b) && !this.cliFull) {
      this.cliFull = true;
      this.srv?.pause();
    }
  }

  readonly onSrvDrain = (): void => {
    this.srvLast = clock();
    if (this.srvFull) {
      this.srvFull = false;
      if (!this.cliEnded) this.cli.resume();
    }
  };

  private readonly onCliDrain = (): void => {
    this.cliLast = clock();
    if (this.cliFull) {
      this.cliFull = false;
      this.srv?.resume();
    }
  };

  // ---- transaction end ---------------------------------------------------

  endTransaction(): void {
    this.txlog?.end();
    const sock = detachSrv(this);
    const s = this.server;
    // Bytes after the response (the server's protocol error) are dropped with the buffer.
    this.srvBuf = undefined;
    if (sock !== undefined) {
      if (this.srvKeep && s !== undefined) keepServerConn(this, s, sock);
      else closeSrv(sock);
    }
    releaseServer(this);
    this.vars_.endTransaction();
    this.reqHead = undefined;
    this.resHead = undefined;
    if (!this.cliKeep || this.cliEnded) {
      this.closeCli();
      return;
    }
    this.phase = WAIT_REQ;
    this.waitStart = -1;
    this.reqParser.reset();
    armWait(this);
    if (this.cli.isPaused()) this.cli.resume();
    // Pipelined requests: parse what is already there (outside of the current feed).
    if (this.cliBuf !== undefined) queueMicrotask(this.resumeClient);
  }

  private readonly resumeClient = (): void => {
    if (this.phase === WAIT_REQ) this.pumpClient();
  };

  setTerm(cause: string, state: string): void {
    if (this.termCause !== '-') return;
    this.termCause = cause;
    this.termState = state;
  }

  closeCli(): void {
    this.flushGather();
    if (this.phase === DONE) return;
    this.phase = CLOSING;
    this.cliBuf = undefined;
    this.cli.end();
    this.cli.resume();
    // haproxy's H1 mux releases the client connection once its FIN is out
    // (mux_h1.c h1_shutw() then h1_release()): later client bytes get a
    // reset, and `timeout client-fin` never has to wait for the client's
    // FIN (checked with haproxy 2.6, test/compat/http/connection-fin.test.ts).
    // The timer below only bounds the flush of what the client does not read.
    if (this.cli.writableFinished) this.cli.destroy();
    else this.cli.once('finish', this.destroyCli);
    armIn(this, this.fe.timeouts.clientFin ?? this.fe.timeouts.client ?? 10000);
    if (this.cliClosed) this.finish();
  }

  private readonly destroyCli = (): void => {
    this.cli.destroy();
  };

  private readonly onCliEnd = (): void => {
    this.cliEnded = true;
    if (this.phase === TUNNEL) {
      this.srv?.end();
      // stconn.c sc_conn_shutw(): the server side's read timeout becomes
      // `timeout server-fin` counted from this FIN (haproxy 2.6 closes
      // server-fin after the client's FIN, not after the server's last
      // bytes; test/compat/http/connection-fin.test.ts).
      this.srvLast = clock();
      armFin(this);
      return;
    }
    if (this.phase === WAIT_REQ) {
      // haproxy 2.6 answers a client that closes before a complete request
      // with a 400, even one that sent nothing on a new connection; only an
      // idle keep-alive connection, or a silent probe with `option
      // http-ignore-probes`, closes silently (checked differentially).
      const partial = this.cliBuf !== undefined && this.cliPos < this.cliBuf.length;
      if (partial || (this.txCount === 0 && !feConnConfig(this.fe).ignoreProbes)) {
        this.setTerm('C', 'R');
        this.cli.write(rawErrorMessage(400));
        // Logged with its 400 and 0 bytes, as the mux's other errors (haproxy 2.6: "400 0 ... CR--").
        this.txlog?.reply(rawErrorMessage(400), false);
      }
      this.closeCli();
      return;
    }
    if (this.phase === CONNECT && this.be !== undefined && beConnConfig(this.be).abortOnClose) {
      // configuration.txt §4.2 "option abortonclose": the request still
      // waiting in a queue or for its connection is dropped, the client
      // connection closed without an answer.
      this.setTerm('C', this.queued ? 'Q' : 'C');
      detachSrv(this)?.destroy();
      this.closeCli();
      return;
    }
    // The response head is not changed for it: haproxy 2.6 sends no
    // `connection: close` to a client that half-closed after its request,
    // then closes after the response (endTransaction checks cliEnded).
    if (this.phase === CLOSING) this.cli.end();
  };

  private readonly onCliClose = (): void => {
    this.cliClosed = true;
    if (this.phase !== CLOSING && this.phase !== DONE) this.setTerm('C', 'D');
    this.finish();
  };

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.txlog?.end();
    this.vars_.release();
    this.phase = DONE;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    detachSrv(this)?.destroy();
    dropOwnConn(this);
    // Only the queue it waits in holds it (PendingQueue sets queuedIn): O(1), not O(servers).
    this.queuedIn?.remove(this);
    releaseServer(this);
    const c = this.fe.counters;
    c.curConns--;
    c.bytesIn += this.bytesIn;
    c.bytesOut += this.bytesOut;
    this.runtime.streams.delete(this);
    this.listener.release();
    this.runtime.onStreamEnd(this);
  }

  /** Hard stop: destroys both connections now. */
  kill(): void {
    this.flushGather();
    this.setTerm('K', 'D');
    this.srv?.destroy();
    this.cli.destroy();
  }

  // ---- timers (stream-timers.ts) -----------------------------------------

  timerAt = Infinity;
  readonly onTimer = (): void => timerFired(this);
}

function noop(): void {
  /* errors surface as 'close' */
}

