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
import { openConnection } from '../net/connect.js';
import type { Server, Waiter } from '../server/server.js';
import type { PickContext } from '../lb/registry.js';
import type { Backend, Frontend, Runtime } from '../proxy/runtime.js';
import { StreamVars, type Endpoint, type SampleContext, type VarScope, type VarStore } from '../sample/context.js';
import { H1Parser, requestInfo, type H1Events } from './h1-parser.js';
import {
  BODY_CHUNKED,
  BODY_LENGTH,
  BODY_NONE,
  BODY_TUNNEL,
  BODY_UNTIL_CLOSE,
  type CanonicalHead,
  type H1Head,
  MSG_SWITCHING,
  MSG_VER_11,
} from './h1-head.js';
import { CHUNK_END, chunkHeader, cleanConnectionValue, LAST_CHUNK, writeCanonical, writeHead, writeLastChunk } from './h1-writer.js';
import { rawErrorMessage, renderedErrorMessage, type DefaultErrorStatus } from './default-errors.js';
import { addressHeaderFor } from './forwardfor.js';
import { releaseIdle, takeIdle } from './server-pool.js';
import { httpProxyOf, type HttpProxy, type RuleOutcome } from './rules.js';
import type { HttpMessageSlot } from './http-fetches.js';
import './http-fetches.js';

const WAIT_REQ = 0;
const CONNECT = 1;
const FORWARD = 2;
const TUNNEL = 3;
const CLOSING = 4;
const DONE = 5;

/** Connection modes (configuration.txt §4 "option http-keep-alive" and friends). */
const MODE_KAL = 0;
const MODE_SCL = 1;
const MODE_CLO = 2;

const clock = (): number => performance.now();

/** Request parser events: the stream's own methods, bound once. */
class ReqEvents implements H1Events {
  constructor(private readonly s: HttpStream) {}
  onHead(head: H1Head): boolean {
    this.s.onReqHead(head);
    return false;
  }
  onData(buf: Buffer, start: number, end: number): void {
    this.s.reqBody(buf, start, end);
  }
  onTrailers(t: H1Head): void {
    this.s.reqTrailers = writeLastChunk(t);
  }
  onEnd(): boolean {
    this.s.onReqEnd();
    return false;
  }
}

class ResEvents implements H1Events {
  constructor(private readonly s: HttpStream) {}
  onHead(head: H1Head): boolean {
    return this.s.onResHead(head);
  }
  onData(buf: Buffer, start: number, end: number): void {
    this.s.resBody(buf, start, end);
  }
  onTrailers(t: H1Head): void {
    this.s.resTrailers = writeLastChunk(t);
  }
  onEnd(): boolean {
    this.s.onResEnd();
    return false;
  }
}

function connMode(fe: Frontend, be: Backend | undefined): number {
  // configuration.txt §4 "option httpclose": the frontend or the backend may set it;
  // the most restrictive of both wins (http_ana.c http_adjust_conn_mode).
  const f = fe.config.options;
  const b = be?.config.options;
  if (f.get('httpclose') === true || b?.get('httpclose') === true) return MODE_CLO;
  if (f.get('http-server-close') === true || b?.get('http-server-close') === true) return MODE_SCL;
  return MODE_KAL;
}

/** One `mode http` client connection and its successive transactions. */
export class HttpStream implements Waiter, PickContext, SampleContext, HttpMessageSlot {
  queueSeq = 0;
  queued = false;
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

  private readonly hp: HttpProxy;
  private readonly reqParser: H1Parser;
  private readonly resParser: H1Parser;
  private readonly vars_ = new StreamVars();
  private phase = WAIT_REQ;
  private cliBuf: Buffer | undefined;
  private cliPos = 0;
  private srvBuf: Buffer | undefined;
  private srvPos = 0;
  private cliFull = false;
  private srvFull = false;
  private cliEnded = false;
  private cliClosed = false;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private deadline = Infinity;
  private cliLast: number;
  private srvLast = 0;
  private waitStart: number;

  // ---- the current transaction
  reqHead: H1Head | undefined;
  reqCanon: CanonicalHead | undefined;
  resHead: H1Head | undefined;
  resCanon: CanonicalHead | undefined;
  reqTrailers: Buffer | undefined;
  resTrailers: Buffer | undefined;
  private pendingHead: Buffer | undefined;
  private reqChunkedOut = false;
  private resChunkedOut = false;
  private reqDone = false;
  private resDone = false;
  private resStarted = false;
  private mode = MODE_KAL;
  private cliKeep = true;
  private srvKeep = true;
  private reqFlags = 0;
  private reqMajor11 = false;
  private retries = 0;
  private reused = false;
  private srvConnected = false;
  private upgrade = false;

  constructor(runtime: Runtime, fe: Frontend, listener: Listener, cli: net.Socket) {
    this.runtime = runtime;
    this.fe = fe;
    this.listener = listener;
    this.cli = cli;
    this.hp = httpProxyOf(fe);
    const g = runtime.model.global;
    const opts = { bufsize: tuneNum(g.tune, 'tune.bufsize'), maxrewrite: tuneNum(g.tune, 'tune.maxrewrite'), maxhdr: tuneNum(g.tune, 'tune.http.maxhdr') };
    this.reqParser = new H1Parser({ kind: 'request', ...clean(opts), acceptInvalid: fe.config.options.get('accept-invalid-http-request') === true }, new ReqEvents(this));
    this.resParser = new H1Parser({ kind: 'response', ...clean(opts) }, new ResEvents(this));
    this.cliLast = clock();
    this.waitStart = this.cliLast;
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
    const a = this.cli.remoteAddress;
    return a === undefined ? undefined : { address: a, port: this.cli.remotePort ?? 0 };
  }
  get dst(): Endpoint | undefined {
    const a = this.cli.localAddress;
    return a === undefined ? undefined : { address: a, port: this.cli.localPort ?? 0 };
  }
  vars(scope: VarScope): VarStore | undefined {
    return this.vars_.scope(scope);
  }
  /** PickContext: the client address for `balance source`. */
  get source(): string | undefined {
    return this.cli.remoteAddress;
  }
  get uri(): string | undefined {
    return this.reqCanon?.target ?? this.reqHead?.target();
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
    this.runtime.streams.add(this);
    const c = this.fe.counters;
    c.cumConns++;
    c.curConns++;
    if (c.curConns > c.maxConns) c.maxConns = c.curConns;
    const cli = this.cli;
    cli.on('data', this.onCliData);
    cli.on('end', this.onCliEnd);
    cli.on('drain', this.onCliDrain);
    cli.on('error', noop);
    cli.on('close', this.onCliClose);
    cli.resume();
    this.armWait();
  }

  // ---- client side -------------------------------------------------------

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
  private pumpClient(): void {
    // Reentrant calls (a reused server connection starts forwarding inside
    // onHead) leave the work to the running loop, which re-checks the phase.
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pumpClientLoop();
    } finally {
      this.pumping = false;
    }
  }
  private pumping = false;

  private pumpClientLoop(): void {
    const p = this.reqParser;
    while (this.cliBuf !== undefined && this.cliPos < this.cliBuf.length) {
      if (this.phase === WAIT_REQ) {
        // first byte of a new request: timeout http-request from now on (keep-alive case).
      } else if (this.phase !== FORWARD || this.reqDone) {
        break;
      }
      const buf = this.cliBuf;
      this.cli.cork();
      const n = p.feed(buf, this.cliPos, buf.length);
      this.flushReqChunks();
      this.cli.uncork();
      if (n < 0) {
        this.requestError(p.error?.status ?? 400);
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
    this.txCount++;
    this.reqHead = head;
    this.reqCanon = undefined;
    this.resHead = undefined;
    this.resCanon = undefined;
    this.reqTrailers = undefined;
    this.resTrailers = undefined;
    this.reqDone = false;
    this.resDone = false;
    this.resStarted = false;
    this.retries = 0;
    this.reqPend.length = 0;
    this.reqPendLen = 0;
    this.reqFlags = requestInfo(head);
    this.reqMajor11 = (head.flags & MSG_VER_11) !== 0;
    this.upgrade = head.wantsUpgrade;
    this.phase = CONNECT;
    this.resetTimer();

    // http-request rules of the frontend, switching, then the backend's (http_ana.c).
    let out = this.hp.request(this);
    if (out !== undefined && this.answer(out)) return;
    const be = this.hp.selectBackend(this);
    if (be === undefined) {
      this.errorReply(503);
      return;
    }
    this.be = be;
    be.counters.cumConns++;
    be.counters.curConns++;
    if (be.counters.curConns > be.counters.maxConns) be.counters.maxConns = be.counters.curConns;
    const bhp = httpProxyOf(be);
    // A listen section is both: its rules run once.
    if (be.config !== this.fe.config) {
      out = bhp.request(this);
      if (out !== undefined && this.answer(out)) return;
    }
    this.mode = connMode(this.fe, be);
    this.cliKeep = head.keepAlive && this.mode !== MODE_CLO && !this.cliEnded;
    this.srvKeep = this.mode === MODE_KAL;
    this.pendingHead = this.buildReqHead(head, bhp);
    this.assign();
  }

  /** Serializes the request head for the server, with the forwarding headers and connection mode. */
  private buildReqHead(head: H1Head, bhp: HttpProxy): Buffer {
    const add: Array<readonly [string, string]> = [];
    const canon = this.reqCanon;
    const has = canon === undefined ? undefined : (n: string): boolean => canon.headers.some(([k]) => k.toLowerCase() === n);
    const xff = addressHeaderFor(this.hp.forwardFor ?? bhp.forwardFor, this.cli.remoteAddress, head, has);
    if (xff !== undefined) add.push(xff);
    const xot = addressHeaderFor(this.hp.originalTo ?? bhp.originalTo, this.cli.localAddress, head, has);
    if (xot !== undefined) add.push(xot);
    // mux_h1.c h1_update_req_conn_value(): HTTP/1.0 keep-alive is explicit, HTTP/1.1 close is.
    const kal = this.srvKeep && !this.upgrade;
    if (kal && !this.reqMajor11) add.push(['connection', 'keep-alive']);
    else if (!kal && this.reqMajor11 && !this.upgrade) add.push(['connection', 'close']);
    this.reqChunkedOut = head.bodyKind === BODY_CHUNKED;
    if (canon !== undefined) return writeCanonical(withAdded(cleanConn(canon), add));
    return writeHead(head, add.length === 0 ? undefined : { add });
  }

  /** backend.c assign_server(): pick, queue when full, 503 when none. */
  private assign(): void {
    const be = this.be!;
    const s = be.algorithm.pick(this);
    if (s === undefined) {
      if (be.activeCount + be.backupCount > 0) {
        be.queue.push(this);
        be.counters.queued++;
        this.armIn(be.timeouts.queue ?? be.timeouts.connect);
        return;
      }
      this.setTerm('S', 'C');
      this.errorReply(503);
      return;
    }
    if (!s.hasFreeSlot()) {
      s.enqueue(this);
      this.armIn(be.timeouts.queue ?? be.timeouts.connect);
      return;
    }
    s.take();
    this.grant(s);
  }

  /** Waiter: a slot on `server` is ours. */
  grant(server: Server): void {
    if (this.finished || this.phase !== CONNECT) {
      server.drop();
      return;
    }
    this.server = server;
    // configuration.txt §4.2 "http-reuse safe": the first request of a
    // connection gets its own server connection, later ones may reuse idle ones.
    if (this.srv === undefined && this.be!.config.httpReuse !== 'never' && (this.txCount > 1 || this.be!.config.httpReuse === 'always' || this.be!.config.httpReuse === 'aggressive')) {
      const idle = takeIdle(server);
      if (idle !== undefined) {
        this.attachSrv(idle);
        this.reused = true;
        this.srvConnected = true;
        this.startForward();
        return;
      }
    }
    this.connect();
  }

  private connect(): void {
    const be = this.be!;
    this.reused = false;
    this.srvConnected = false;
    const sock = openConnection(be.connectOptionsFor(this.server!, this));
    this.attachSrv(sock);
    sock.once('connect', this.onSrvConnect);
    this.armIn(be.timeouts.connect);
  }

  private attachSrv(sock: net.Socket): void {
    this.srv = sock;
    this.srvBuf = undefined;
    this.srvFull = false;
    sock.on('data', this.onSrvData);
    sock.on('end', this.onSrvEnd);
    sock.on('drain', this.onSrvDrain);
    sock.on('error', this.onSrvError);
    sock.on('close', this.onSrvClose);
  }

  private detachSrv(): net.Socket | undefined {
    const sock = this.srv;
    if (sock === undefined) return undefined;
    sock.removeListener('data', this.onSrvData);
    sock.removeListener('end', this.onSrvEnd);
    sock.removeListener('drain', this.onSrvDrain);
    sock.removeListener('error', this.onSrvError);
    sock.removeListener('close', this.onSrvClose);
    sock.removeListener('connect', this.onSrvConnect);
    this.srv = undefined;
    return sock;
  }

  private readonly onSrvConnect = (): void => {
    this.srvConnected = true;
    this.startForward();
  };

  /** Server connection ready: head, then the body bytes already buffered. */
  private startForward(): void {
    this.phase = FORWARD;
    this.srvLast = clock();
    this.resParser.reset();
    this.resParser.expectResponseTo(this.reqFlags);
    const h = this.pendingHead!;
    this.pendingHead = undefined;
    this.writeSrv(h);
    this.armForward();
    if (this.reqHead!.bodyKind === BODY_NONE || this.reqHead!.bodyKind === BODY_TUNNEL) {
      // The parser reports onEnd on its next feed; nothing else to forward.
    }
    this.cli.resume();
    this.pumpClient();
  }

  reqBody(buf: Buffer, start: number, end: number): void {
    if (this.upgrade && this.phase === TUNNEL) return;
    if (this.reqChunkedOut) {
      this.reqPend.push(buf.subarray(start, end));
      this.reqPendLen += end - start;
    } else {
      this.writeSrv(buf.subarray(start, end));
    }
  }

  /** Writes the request chunks gathered from the current read as one chunk. */
  private flushReqChunks(): void {
    if (this.reqPendLen === 0) return;
    this.writeSrv(chunkHeader(this.reqPendLen));
    for (const b of this.reqPend) this.writeSrv(b);
    this.writeSrv(CHUNK_END);
    this.reqPend.length = 0;
    this.reqPendLen = 0;
  }
  private readonly reqPend: Buffer[] = [];
  private reqPendLen = 0;

  onReqEnd(): void {
    this.reqDone = true;
    this.flushReqChunks();
    if (this.reqChunkedOut) this.writeSrv(this.reqTrailers ?? LAST_CHUNK);
    if (this.resDone) this.endTransaction();
    else if (this.phase === FORWARD) this.armForward();
  }

  // ---- server side -------------------------------------------------------

  private readonly onSrvData = (chunk: Buffer): void => {
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
      if (n < 0) {
        this.flushGather();
        this.responseError(502);
        return;
      }
      this.srvPos += n;
      if (n === 0) break;
    }
    this.flushResChunks();
    if (this.phase === TUNNEL && this.srvBuf !== undefined && this.srvPos < this.srvBuf.length) {
      this.writeCli(this.srvBuf.subarray(this.srvPos));
      this.srvPos = this.srvBuf.length;
    }
    this.flushGather();
    if (this.srvBuf !== undefined && this.srvPos >= this.srvBuf.length) this.srvBuf = undefined;
  }

  /** A response head (interim or final). Returns false to pause the parser (tunnel). */
  onResHead(head: H1Head): boolean {
    this.resHead = head;
    this.resCanon = undefined;
    if (head.isInterim) {
      // RFC 9110 §15.2: 1xx are forwarded as they come.
      this.writeCli(writeHead(head));
      return true;
    }
    this.resStarted = true;
    const bhp = httpProxyOf(this.be!);
    let out = bhp.response(this);
    if (out === undefined && this.be!.config !== this.fe.config) out = this.hp.response(this);
    if (out !== undefined && out.kind === 'reply') {
      this.srvKeep = false;
      this.sendReply(out.bytes, out.close);
      return false;
    }
    const switching = (head.flags & MSG_SWITCHING) !== 0 || head.bodyKind === BODY_TUNNEL;
    if (!head.keepAlive) this.srvKeep = false;
    // A body delimited by the close is forwarded as it is and the client
    // connection closes after it: haproxy 2.6 does not re-chunk it, even for
    // a 1.1 client (checked in test/compat/http/stream.test.ts).
    if (head.bodyKind === BODY_UNTIL_CLOSE) this.cliKeep = false;
    this.resChunkedOut = head.bodyKind === BODY_CHUNKED;
    this.resPendLen = 0;
    const add: Array<readonly [string, string]> = [];
    if (!switching) {
      // mux_h1.c h1_update_res_conn_value(): "keep-alive" for a 1.0 client
      // kept open, "close" only on a 1.1 response (a 1.0 one implies it).
      if (this.cliKeep && !this.reqMajor11) add.push(['connection', 'keep-alive']);
      else if (!this.cliKeep && head.http11) add.push(['connection', 'close']);
    }
    const bytes = this.resCanon !== undefined ? writeCanonical(withAdded(cleanConn(this.resCanon), add)) : writeHead(head, add.length === 0 ? undefined : { add });
    this.writeCli(bytes);
    if (switching) {
      this.enterTunnel();
      return false;
    }
    return true;
  }

  resBody(buf: Buffer, start: number, end: number): void {
    if (this.resChunkedOut) {
      // Chunks received in one read leave as one chunk, as haproxy's H1 mux
      // re-frames what is in its buffer (flushed at the end of each read).
      this.resPend.push(buf.subarray(start, end));
      this.resPendLen += end - start;
    } else {
      this.writeCli(buf.subarray(start, end));
    }
  }

  /** Writes the response chunks gathered from the current read as one chunk. */
  private flushResChunks(): void {
    if (this.resPendLen === 0) return;
    this.writeCli(chunkHeader(this.resPendLen));
    for (const b of this.resPend) this.writeCli(b);
    this.writeCli(CHUNK_END);
    this.resPend.length = 0;
    this.resPendLen = 0;
  }
  private readonly resPend: Buffer[] = [];
  private resPendLen = 0;

  onResEnd(): void {
    this.flushResChunks();
    if (this.resHead !== undefined && this.resChunkedOut) this.writeCli(this.resTrailers ?? LAST_CHUNK);
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
    this.armForward();
  }

  private readonly onSrvEnd = (): void => {
    if (this.phase === TUNNEL) {
      this.cli.end();
      return;
    }
    if (this.phase === FORWARD && this.resHead !== undefined && this.resHead.bodyKind === BODY_UNTIL_CLOSE && !this.resDone) {
      this.resParser.finish();
      return;
    }
    this.srvKeep = false;
    if (this.phase === FORWARD && !this.resDone) this.responseError(502);
  };

  private readonly onSrvError = (): void => {
    if (this.phase === CONNECT && !this.srvConnected) this.connectFailed();
  };

  private readonly onSrvClose = (): void => {
    this.detachSrv();
    if (this.phase === CONNECT) {
      this.connectFailed();
      return;
    }
    if (this.phase === TUNNEL) {
      this.cli.end();
      this.closeCli();
      return;
    }
    if (this.phase === FORWARD && !this.resDone) {
      if (this.resHead !== undefined && this.resHead.bodyKind === BODY_UNTIL_CLOSE) {
        this.resParser.finish();
        return;
      }
      this.responseError(502);
    }
  };

  /** backend.c: retry the same server `retries` times, then 503. */
  private connectFailed(): void {
    this.detachSrv()?.destroy();
    const be = this.be!;
    if (this.retries < be.retries) {
      this.retries++;
      be.counters.retries++;
      this.connect();
      return;
    }
    be.counters.connectFailures++;
    if (this.server !== undefined) this.server.counters.connectFailures++;
    this.setTerm('S', 'C');
    this.errorReply(503);
  }

  // ---- writes and backpressure ------------------------------------------

  private writeSrv(b: Buffer): void {
    const s = this.srv;
    if (s === undefined) return;
    if (!s.write(b) && !this.srvFull) {
      this.srvFull = true;
      this.cli.pause();
    }
  }

  private writeCli(b: Buffer): void {
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

  private readonly onSrvDrain = (): void => {
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

  private endTransaction(): void {
    const sock = this.detachSrv();
    const s = this.server;
    // Bytes after the response (the server's protocol error) are dropped with the buffer.
    this.srvBuf = undefined;
    if (sock !== undefined) {
      if (this.srvKeep && s !== undefined) releaseIdle(s, sock);
      else sock.destroy();
    }
    this.releaseServer();
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
    this.armWait();
    this.cli.resume();
    // Pipelined requests: parse what is already there (outside of the current feed).
    if (this.cliBuf !== undefined) queueMicrotask(this.resumeClient);
  }

  private readonly resumeClient = (): void => {
    if (this.phase === WAIT_REQ) this.pumpClient();
  };

  private releaseServer(): void {
    const s = this.server;
    this.server = undefined;
    if (s !== undefined) s.drop();
    const be = this.be;
    if (be !== undefined) {
      be.counters.curConns--;
      this.be = undefined;
    }
  }

  // ---- answers and errors -------------------------------------------------

  /** Applies a rule outcome; true when the transaction ended there. */
  private answer(out: RuleOutcome): boolean {
    if (out.kind !== 'reply') return false;
    this.sendReply(out.bytes, out.close);
    return true;
  }

  /**
   * Sends a locally generated response (a rule's reply or an error page),
   * then ends the transaction. The client connection stays open when the
   * request is complete (or has no body) and may be kept alive, as haproxy
   * 2.6 does after a deny, a return, a redirect, a 502 or a 503; when it
   * closes, the H1 mux writes `connection: close` into the reply
   * (h1_update_res_conn_value), for a reply with `withConnClose`.
   */
  private sendReply(bytes: Buffer, close: boolean, withConnClose = true): void {
    // withConnClose: false for replies whose head already says how the connection ends.
    this.resStarted = true;
    this.detachSrv()?.destroy();
    this.releaseServer();
    const h = this.reqHead;
    const keep =
      !close && h !== undefined && h.keepAlive && !this.cliEnded && connMode(this.fe, undefined) !== MODE_CLO &&
      (this.reqDone || h.bodyKind === BODY_NONE);
    if (!keep) {
      this.writeCli(withConnClose ? addConnClose(bytes) : bytes);
      this.closeCli();
      return;
    }
    this.writeCli(bytes);
    this.resDone = true;
    this.cliKeep = true;
    this.srvKeep = false;
    if (this.reqDone) {
      this.endTransaction();
      return;
    }
    // The request has no body: the parser's onEnd comes on the next feed.
    this.phase = FORWARD;
  }

  /**
   * A generated 502/503 (http_ana.c http_reply_and_close() through the H1
   * mux): the client connection is kept alive when it may be, like a rule's
   * reply (haproxy 2.6 answers the next request on it).
   */
  private errorReply(status: DefaultErrorStatus): void {
    if (this.resStarted) {
      this.cli.destroy();
      return;
    }
    this.sendReply(renderedErrorMessage(status, { close: false }), false);
  }

  /** A 504: haproxy 2.6 aborts the stream after the page, closing without a `connection` header. */
  private timeoutReply(): void {
    this.resStarted = true;
    this.writeCli(renderedErrorMessage(504, { close: false }));
    this.detachSrv()?.destroy();
    this.releaseServer();
    this.closeCli();
  }

  private responseError(status: DefaultErrorStatus): void {
    this.setTerm('S', 'H');
    this.detachSrv()?.destroy();
    this.errorReply(status);
  }

  /** A request the parser refused: haproxy's raw message, then close (mux_h1.c h1_handle_bad_req). */
  private requestError(status: number): void {
    this.setTerm('P', 'R');
    const st = (status === 413 || status === 422 || status === 501 ? status : 400) as DefaultErrorStatus;
    this.cli.write(this.phase === WAIT_REQ || this.phase === CONNECT ? rawErrorMessage(st) : renderedErrorMessage(st, { close: true }));
    this.detachSrv()?.destroy();
    this.releaseServer();
    this.closeCli();
  }

  private setTerm(cause: string, state: string): void {
    if (this.termCause !== '-') return;
    this.termCause = cause;
    this.termState = state;
  }

  private closeCli(): void {
    this.flushGather();
    if (this.phase === DONE) return;
    this.phase = CLOSING;
    this.cliBuf = undefined;
    this.cli.end();
    this.cli.resume();
    this.armIn(this.fe.timeouts.client ?? 10000);
    if (this.cliClosed) this.finish();
  }

  private readonly onCliEnd = (): void => {
    this.cliEnded = true;
    if (this.phase === TUNNEL) {
      this.srv?.end();
      return;
    }
    if (this.phase === WAIT_REQ) {
      // Nothing pending (or an incomplete head): the client is gone, close silently.
      this.closeCli();
      return;
    }
    this.cliKeep = false;
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
    this.phase = DONE;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.detachSrv()?.destroy();
    if (this.queued) {
      this.be?.queue.remove(this);
      for (const s of this.be?.servers ?? []) s.queue.remove(this);
    }
    this.releaseServer();
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

  // ---- timers ------------------------------------------------------------

  private resetTimer(): void {
    this.deadline = Infinity;
  }

  /** Arms the timer for `ms` from now (undefined: no timeout). */
  private armIn(ms: number | undefined): void {
    if (ms === undefined) {
      this.deadline = Infinity;
      return;
    }
    this.setDeadline(clock() + ms);
  }

  private setDeadline(d: number): void {
    this.deadline = d;
    if (this.timer === undefined) this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(d - clock())));
    else if (d < this.timerAt) {
      clearTimeout(this.timer);
      this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(d - clock())));
    } else return;
    this.timerAt = d;
  }
  private timerAt = Infinity;

  /** WAIT_REQ: `timeout http-request` (first request or once bytes arrived), else `http-keep-alive`. */
  private armWait(): void {
    const t = this.fe.timeouts;
    const ka = this.txCount > 0 && this.waitStart < 0;
    const ms = ka ? t.httpKeepAlive ?? t.httpRequest ?? t.client : t.httpRequest ?? t.client;
    this.armIn(ms);
  }

  /** FORWARD/TUNNEL: inactivity timeouts are checked against the activity marks when the timer fires. */
  private armForward(): void {
    const ms = this.activeTimeout();
    this.armIn(ms);
  }

  private activeTimeout(): number | undefined {
    const be = this.be;
    if (this.phase === TUNNEL) return be?.timeouts.tunnel ?? minDef(this.fe.timeouts.client, be?.timeouts.server);
    return minDef(this.fe.timeouts.client, be?.timeouts.server);
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.timerAt = Infinity;
    if (this.finished) return;
    const now = clock();
    if (now + 1 < this.deadline) {
      if (this.deadline !== Infinity) this.setDeadline(this.deadline);
      return;
    }
    switch (this.phase) {
      case WAIT_REQ: {
        if (this.txCount > 0 && this.waitStart < 0 && this.cliBuf === undefined) {
          // Idle keep-alive connection: closed silently.
          this.closeCli();
          return;
        }
        this.setTerm('c', 'R');
        this.cli.write(rawErrorMessage(408));
        this.closeCli();
        return;
      }
      case CONNECT:
        if (this.server !== undefined && this.srv !== undefined && !this.srvConnected) {
          this.connectFailed();
          return;
        }
        // Queue timeout.
        this.setTerm('s', 'Q');
        this.errorReply(503);
        return;
      case FORWARD:
      case TUNNEL: {
        const be = this.be;
        const tun = this.phase === TUNNEL ? be?.timeouts.tunnel : undefined;
        const ts = tun ?? be?.timeouts.server;
        const tc = tun ?? this.fe.timeouts.client;
        const waitingRes = this.phase === FORWARD && !this.resDone;
        if (ts !== undefined && (waitingRes || this.phase === TUNNEL) && now + 1 >= this.srvLast + ts) {
          this.setTerm('s', this.resStarted ? 'D' : 'H');
          if (this.phase === FORWARD && !this.resStarted) this.timeoutReply();
          else this.kill();
          return;
        }
        if (tc !== undefined && (this.phase === TUNNEL || !this.reqDone || this.cliFull) && now + 1 >= this.cliLast + tc) {
          this.setTerm('c', 'D');
          this.kill();
          return;
        }
        const next = Math.min(ts === undefined ? Infinity : this.srvLast + ts, tc === undefined ? Infinity : this.cliLast + tc);
        if (next !== Infinity) this.setDeadline(Math.max(next, now + 1));
        return;
      }
      default:
        this.cli.destroy();
    }
  };
}

function tuneNum(m: ReadonlyMap<string, number | string | boolean>, k: string): number | undefined {
  const v = m.get(k);
  return typeof v === 'number' ? v : undefined;
}

function minDef(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

/** Drops undefined tunables so the parser's defaults apply. */
function clean(o: { bufsize?: number | undefined; maxrewrite?: number | undefined; maxhdr?: number | undefined }): { bufsize?: number; maxrewrite?: number; maxhdr?: number } {
  const r: { bufsize?: number; maxrewrite?: number; maxhdr?: number } = {};
  if (o.bufsize !== undefined) r.bufsize = o.bufsize;
  if (o.maxrewrite !== undefined) r.maxrewrite = o.maxrewrite;
  if (o.maxhdr !== undefined) r.maxhdr = o.maxhdr;
  return r;
}

/** The canonical head with Connection values cleaned of close/keep-alive (as the writer does for parsed heads). */
function cleanConn(h: CanonicalHead): CanonicalHead {
  const headers: Array<[string, string]> = [];
  for (const [n, v] of h.headers) {
    if (n.toLowerCase() === 'connection') {
      const c = cleanConnectionValue(v);
      if (c !== '') headers.push([n, c]);
    } else headers.push([n, v]);
  }
  return { ...h, headers };
}

function withAdded(h: CanonicalHead, add: ReadonlyArray<readonly [string, string]>): CanonicalHead {
  if (add.length === 0) return h;
  return { ...h, headers: [...h.headers, ...add.map(([n, v]): [string, string] => [n, v])] };
}

/** The reply with `connection: close` added at the end of its head. */
function addConnClose(bytes: Buffer): Buffer {
  const end = bytes.indexOf('\r\n\r\n', 0, 'latin1');
  if (end < 0) return bytes;
  return Buffer.concat([bytes.subarray(0, end + 2), CONN_CLOSE, bytes.subarray(end + 2)]);
}
const CONN_CLOSE = Buffer.from('connection: close\r\n', 'latin1');

function noop(): void {
  /* errors surface as 'close' */
}

export { BODY_LENGTH };
