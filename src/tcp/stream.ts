/**
 * A `mode tcp` stream: one client connection, a backend, a server, and the
 * bytes forwarded between them (haproxy's struct stream in TCP mode).
 *
 * Life: accepted (client paused) → backend chosen → server assigned (or
 * queued) → connect, with retries and redispatch → established: bytes flow
 * both ways with backpressure → half-closes propagate → both sides closed.
 *
 * Hot path rules (DESIGN "Node on the data path"): the handlers are bound
 * once per stream; a chunk costs one clock read, two stores and one write;
 * a full peer pauses the reader until 'drain'. One timer per stream, armed
 * for the nearest deadline and re-armed only when it fires.
 *
 * The life shared with the raw path (assignment, queue, retries, the timer
 * and the termination flags) is in the common base, src/tcp/stream-core.ts.
 *
 * Timeouts follow haproxy's stream-connector rules: a side's inactivity
 * timeout (`timeout client`, `timeout server`, or `timeout tunnel` once
 * established) is refreshed by reads from that side and by writes to it
 * (stconn.c: sc_notify, without `option independent-streams`), and is not
 * armed while that side is paused because the other one is full.
 *
 * Layer 4 (src/tcp/l4.ts), only for proxies that have something to do there:
 * `tcp-request connection` rules at accept, then the PROXY header
 * (`accept-proxy`, `expect-proxy layer4`), `tcp-request session` rules,
 * `tcp-request content` rules of the frontend while inspecting the first
 * bytes (src/tcp/inspect.ts), backend selection, the backend's content
 * rules, `use-server`, `persist rdp-cookie`, then the connection, whose
 * first bytes are the PROXY header the server asked for and the inspected
 * bytes; `tcp-response content` rules inspect the server's first bytes. A
 * stream of a proxy without any of that never allocates the sample context
 * nor an inspection buffer.
 */
import type net from 'node:net';
import type { Listener } from '../net/listener.js';
import { openConnection } from '../net/connect.js';
import { Observed, type Server } from '../server/server.js';
import type { Backend, Frontend, Runtime } from '../proxy/runtime.js';
import { StreamContext } from '../proxy/stream-context.js';
import { embryonicLogLine, failure, headerEffects, PROXY_FC_ERR, receiveProxyHeader, type ReceivedProxyHeader } from '../net/proxy-header.js';
import type { BackendL4, FrontendL4 } from './l4.js';
import { rdpCookieFetch } from './l4.js';
import { Inspection, PayloadBuffer } from './inspect.js';
import { CLOSE, DROP, evalTcpRules, REJECT, UPGRADE, WAIT } from './rules.js';
import { upgradeToHttp } from './switch-mode.js';
import { rdpPersistServer } from './rdp-persist.js';
import { balanceSample } from '../lb/pick-sample.js';
import type { SampleExpression } from '../sample/expression.js';
import { connectionLog } from './conn-log.js';
import { tcpLogBegin, tcpLogEnd, tcpLogEstablished, tcpLogReleased, type TcpLogState } from '../log/tcp-log.js';
import { clock, countConnection, TcpStreamCore } from './stream-core.js';

export type { StreamState } from './stream-core.js';

/** One proxied TCP connection. It is its own pick context (no allocation per pick). */
export class TcpStream extends TcpStreamCore {
  readonly cli: net.Socket;
  srv: net.Socket | undefined;
  be: Backend | undefined;
  /** The sample context, created on first use (layer-4 rules, PROXY headers). */
  ctx: StreamContext | undefined;
  /** The traffic log record, only when the frontend logs (src/log/tcp-log.ts). */
  private logState: TcpLogState | undefined;
  /** Client bytes read before the server connection (inspection, after a PROXY header): sent first. */
  private reqPayload: PayloadBuffer | undefined;
  /** The running request or response inspection. */
  private inspection: Inspection | undefined;
  private inspectingBackend = false;
  private inspectListening = false;
  private resInspection: Inspection | undefined;
  /** A server chosen by `use-server` or RDP persistence (SF_ASSIGNED | SF_DIRECT). */
  private forced: Server | undefined;
  private forcePersist = false;
  /** `option abortonclose`: the client is read while waiting, to see its FIN (watchClientEnd()). */
  private abortWatch = false;

  constructor(runtime: Runtime, fe: Frontend, listener: Listener, cli: net.Socket) {
    super(runtime, fe, listener);
    this.cli = cli;
  }

  /** Starts the stream: registers it, chooses the backend, assigns a server. */
  start(): void {
    this.runtime.streams.add(this);
    countConnection(this.fe.counters);
    this.logState = tcpLogBegin(this);
    this.cli.on('error', this.onCliError);
    this.cli.on('close', this.onCliClose);
    const l4 = this.fe.l4;
    if (l4 !== undefined) {
      this.startL4(l4);
      return;
    }
    this.route();
  }

  /** The sample context, created on first use. */
  get context(): StreamContext {
    return (this.ctx ??= new StreamContext(this));
  }

  /** proxy.c process_switching_rules(), then the backend's layer-4 steps. */
  private route(): void {
    const be = this.fe.selectBackend(this.ctx);
    if (be === undefined) {
      this.refuse('R');
      return;
    }
    if (be.config.mode === 'http') {
      // configuration.txt §4 "HTTP upgrades": a tcp frontend that selects an HTTP backend upgrades in place (src/tcp/switch-mode.ts).
      this.upgrade();
      return;
    }
    this.be = be;
    countConnection(be.counters);
    const bl4 = be.l4;
    if (bl4 === undefined) {
      this.assign();
      return;
    }
    if (bl4.content.length > 0 && be.config !== this.fe.config) {
      // AN_REQ_INSPECT_BE: the backend's own content rules and inspect delay.
      this.inspectingBackend = true;
      this.inspect(new Inspection(bl4.content, bl4.inspectDelay, (this.reqPayload ??= new PayloadBuffer()), false));
      return;
    }
    this.serverRules(bl4);
  }

  // ---- layer 4: connection and session rules, PROXY header -----------------

  /** session.c session_accept_fd(): connection rules, then the PROXY header, then session rules. */
  private startL4(l4: FrontendL4): void {
    const ctx = this.context;
    if (l4.connection.length > 0) {
      const v = evalTcpRules(l4.connection, ctx);
      if (v === REJECT || v === DROP) {
        this.rejectConnection(true);
        return;
      }
    }
    if (this.listener.spec.bind.acceptProxy || ctx.expectProxy) {
      this.state = 'proxy';
      this.cli.on('data', this.onProxyData);
      this.cli.on('end', this.onProxyEnd);
      this.cli.resume();
      // The handshake is bounded by `timeout client` (session.c: PP_TIMEOUT).
      const t = this.fe.timeouts.client;
      if (t !== undefined) this.armAt(this.tAccept + t);
      return;
    }
    this.afterHandshake(l4);
  }

  /**
   * A rejected or dropped connection or session. session_accept_fd() sets
   * SO_LINGER 0 for connection rules and silent-drop: a reset. A session
   * rule just closes the socket, which the kernel turns into a reset when
   * client bytes are still unread, a FIN otherwise; closing the unread,
   * paused socket here does exactly the same.
   */
  private rejectConnection(reset: boolean): void {
    if (this.termCause === '-') this.setTerm('P', 'R');
    this.state = 'closed';
    this.disarm();
    if (reset || this.reqPayload !== undefined) this.cli.resetAndDestroy();
    else this.cli.destroy();
  }

  private readonly onProxyData = (chunk: Buffer): void => {
    this.stopProxyWait();
    this.bytesIn += chunk.length;
    const r = receiveProxyHeader(chunk);
    if (!r.ok) {
      this.proxyFailed(r, true);
      return;
    }
    const ctx = this.context;
    const fx = headerEffects(r.header);
    if (fx.src !== undefined) ctx.setSrc(fx.src);
    if (fx.dst !== undefined) ctx.setDst(fx.dst);
    ctx.proxyProtocol = fx.info;
    this.bytesIn -= r.length;
    if (chunk.length > r.length) (this.reqPayload ??= new PayloadBuffer()).push(chunk.subarray(r.length));
    this.afterHandshake(this.fe.l4!);
  };

  private readonly onProxyEnd = (): void => {
    this.stopProxyWait();
    this.cliReadDone = true;
    this.proxyFailed(failure('PP_EMPTY'), false);
  };

  private stopProxyWait(): void {
    this.cli.removeListener('data', this.onProxyData);
    this.cli.removeListener('end', this.onProxyEnd);
    this.cli.pause();
  }

  /**
   * A paused socket whose peer already shut its side still emits 'end' once
   * its buffer is empty, possibly while no 'end' listener is attached (after
   * the PROXY header): the state is read back from the socket.
   */
  private syncClientEnd(): void {
    if (!this.cliReadDone && this.cli.readableEnded) this.cliReadDone = true;
  }

  /**
   * session.c session_kill_embryonic(): the error is logged and the
   * connection closed. haproxy only peeked at the bytes, so closing a socket
   * that received some sends a reset; an empty one gets a FIN.
   */
  private proxyFailed(r: ReceivedProxyHeader, reset: boolean): void {
    if (r.ok) return;
    const ctx = this.context;
    ctx.fcErr = PROXY_FC_ERR[r.code];
    const l = this.listener;
    connectionLog(this.fe.config, embryonicLogLine(
      { address: this.cli.remoteAddress, port: this.cli.remotePort },
      this.acceptDate, this.fe.name, { name: l.spec.bind.name, luid: l.luid }, r.reason,
    ), undefined, { client: { address: this.cli.remoteAddress, port: this.cli.remotePort }, acceptDate: this.acceptDate, ctx });
    if (this.termCause === '-') this.setTerm('C', 'R');
    if (reset) {
      this.state = 'closed';
      this.disarm();
      this.cli.resetAndDestroy();
    } else {
      this.closeClient();
    }
  }

  /** session.c conn_complete_session(): session rules, then the stream's content inspection. */
  private afterHandshake(l4: FrontendL4): void {
    this.state = 'init';
    const ctx = this.context;
    if (l4.session.length > 0) {
      const v = evalTcpRules(l4.session, ctx);
      if (v === REJECT || v === DROP) {
        this.rejectConnection(v === DROP);
        return;
      }
    }
    if (l4.content.length > 0) {
      this.inspect(new Inspection(l4.content, l4.inspectDelay, (this.reqPayload ??= new PayloadBuffer()), false));
      return;
    }
    this.route();
  }

  // ---- layer 4: content inspection -----------------------------------------

  /** Starts evaluating content rules on the client's first bytes (tcp_inspect_request()). */
  private inspect(insp: Inspection): void {
    this.inspection = insp;
    this.state = 'inspect';
    this.syncClientEnd();
    if (!this.inspectListening) {
      this.inspectListening = true;
      this.cli.on('data', this.onInspectData);
      if (!this.cliReadDone) this.cli.on('end', this.onInspectEnd);
    }
    this.inspectStep(clock());
  }

  private inspectStep(now: number): void {
    const insp = this.inspection!;
    const v = insp.evaluate(this.context, now, this.cliReadDone);
    if (v === WAIT) {
      if (!this.cliReadDone && !insp.payload.full) this.cli.resume();
      this.armInspect(insp);
      return;
    }
    this.inspection = undefined;
    this.cli.pause();
    if (v === REJECT || v === DROP) this.stopInspectListening();
    if (v === REJECT) {
      // tcp_rules.c "reject": PR flags, the client gets a FIN.
      this.setTerm('P', 'R');
      this.closeClient();
      return;
    }
    if (v === DROP) {
      this.setTerm('P', 'R');
      this.state = 'closed';
      this.disarm();
      this.cli.resetAndDestroy();
      return;
    }
    if (v === UPGRADE && !this.inspectingBackend) {
      this.upgrade();
      return;
    }
    this.state = 'init';
    this.disarm();
    if (this.inspectingBackend) {
      this.inspectingBackend = false;
      this.serverRules(this.be!.l4!);
    } else {
      this.route();
    }
  }

  /**
   * `switch-mode http` (src/tcp/switch-mode.ts): this stream steps aside
   * without closing anything and an HTTP stream continues the connection
   * with the bytes read so far; the connection is counted once.
   */
  private upgrade(): void {
    this.stopInspectListening();
    this.cli.removeListener('error', this.onCliError);
    this.cli.removeListener('close', this.onCliClose);
    this.disarm();
    this.syncClientEnd();
    this.finished = true;
    this.state = 'closed';
    this.runtime.streams.delete(this);
    this.fe.counters.cumConns--;
    this.fe.counters.curConns--;
    upgradeToHttp(this, this.reqPayload?.take() ?? [], this.cliReadDone, this.ctx);
    this.reqPayload = undefined;
  }

  private stopInspectListening(): void {
    if (!this.inspectListening) return;
    this.inspectListening = false;
    this.cli.removeListener('data', this.onInspectData);
    this.cli.removeListener('end', this.onInspectEnd);
  }

  /** The nearest of the inspect delay and `timeout client` (cR when the client is silent). */
  private armInspect(insp: Inspection): void {
    let d = insp.deadline >= 0 ? insp.deadline : Infinity;
    const t = this.fe.timeouts.client;
    if (t !== undefined && !this.cliReadDone) d = Math.min(d, this.cliLast + t);
    if (d === Infinity) this.disarm();
    else this.armAt(d);
  }

  private readonly onInspectData = (chunk: Buffer): void => {
    this.bytesIn += chunk.length;
    this.cliLast = clock();
    const p = (this.reqPayload ??= new PayloadBuffer());
    p.push(chunk);
    if (this.inspection !== undefined) this.inspectStep(this.cliLast);
    else if (!this.abortWatch || p.full) this.cli.pause();
  };

  private readonly onInspectEnd = (): void => {
    this.cliReadDone = true;
    if (this.inspection !== undefined) this.inspectStep(clock());
    else if (this.abortWatch) this.abortWaiting();
  };

  /**
   * `option abortonclose` (configuration.txt §4.2): while the stream waits
   * in a queue or for its connection, the client is read (into the
   * first-bytes buffer, bounded as an inspection, sent first once
   * connected) so that its FIN is seen, and the FIN aborts the stream
   * (stream.c back_may_abort_req()). Checked against haproxy in
   * test/compat/tcp/abortonclose.test.ts.
   */
  private watchClientEnd(): void {
    if (this.abortWatch || this.be?.config.options.get('abortonclose') !== true) return;
    this.abortWatch = true;
    this.syncClientEnd();
    if (this.cliReadDone) {
      this.abortWaiting();
      return;
    }
    if (!this.inspectListening) {
      this.inspectListening = true;
      this.cli.on('data', this.onInspectData);
      this.cli.on('end', this.onInspectEnd);
    }
    if (this.reqPayload?.full !== true) this.cli.resume();
  }

  /** The client shut its side before the server connection was up: CQ or CC, a FIN to the client. */
  private abortWaiting(): void {
    const st = this.state;
    if (st !== 'queued' && st !== 'connecting' && st !== 'turnaround') return;
    this.setTerm('C', st === 'queued' ? 'Q' : 'C');
    this.stopInspectListening();
    this.leaveQueue();
    this.dropServerSocket();
    this.releaseServer();
    this.closeClient();
  }

  // ---- layer 4: server rules and persistence -------------------------------

  /**
   * proxy.c persist rules, stream.c process_server_rules() (`use-server`),
   * then tcp_persist_rdp_cookie(); each may pick the server directly.
   */
  private serverRules(bl4: BackendL4): void {
    const ctx = this.context;
    for (const r of bl4.persistRules) {
      if (r.cond(ctx) === 'true') {
        if (r.force) this.forcePersist = true;
        break;
      }
    }
    for (const r of bl4.serverRules) {
      if (r.cond(ctx) !== 'true') continue;
      const s = r.server;
      // "if the server is not UP, let's go on with next rules just in case another one is suited"
      if (s.state === 'UP' || bl4.persistDown || this.forcePersist) {
        this.forced = s;
        break;
      }
    }
    if (this.forced === undefined && bl4.rdpCookie !== undefined && this.reqPayload !== undefined) {
      ctx.req = this.reqPayload;
      this.forced = rdpPersistServer(bl4.rdpCookie, ctx, this.be!.servers, bl4.persistDown);
    }
    this.assign();
  }

  /** PickContext for `balance rdp-cookie(<name>)`: the cookie in the bytes inspected so far. */
  rdpCookie(name: string): string | undefined {
    const p = this.reqPayload;
    if (p === undefined || p.len === 0) return undefined;
    const f = rdpCookieFetch(name);
    if (f === undefined) return undefined;
    const ctx = this.context;
    ctx.req = p;
    const r = f(ctx);
    return r !== undefined && typeof r === 'object' && r.type === 'str' ? r.value : undefined;
  }

  /**
   * PickContext for `balance hash <expr>`. haproxy 2.6 has already scheduled
   * the inspected bytes for forwarding when it picks the server (they are
   * output data, and get_server_expr(), unlike get_server_rch(), does not
   * rewind), so payload fetches find nothing there and the pick falls back
   * to round robin; other fetches (`src`, `dst_port`, variables...) hash.
   * Checked against haproxy in test/compat/lb/l7-balance.test.ts.
   */
  fetchSample(expr: SampleExpression): Uint8Array | undefined {
    const ctx = this.context;
    const saved = ctx.req;
    ctx.req = undefined;
    try {
      return balanceSample(expr, ctx);
    } finally {
      ctx.req = saved;
    }
  }

  /** A server chosen by `use-server` or RDP persistence goes first, else the balancer's (assign(), stream-core.ts). */
  protected override pickServer(): Server | undefined {
    return this.forced ?? super.pickServer();
  }

  /** PickContext: the client address, read (a getpeername syscall) only by algorithms that hash it. */
  get source(): string | undefined {
    return this.cli.remoteAddress;
  }

  /** The port the client connected to, for servers whose port is relative to it. */
  get frontendPort(): number {
    return this.cli.localPort ?? 0;
  }

  protected override enterQueue(): void {
    super.enterQueue();
    this.watchClientEnd();
  }

  protected connect(): void {
    const s = this.server!;
    const be = this.be!;
    this.state = 'connecting';
    this.tConnectStart = clock();
    const srv = openConnection(be.connectOptionsFor(s, this));
    this.srv = srv;
    this.srvClosed = false;
    srv.on('connect', this.onSrvConnect);
    srv.on('error', this.onSrvError);
    srv.on('close', this.onSrvClose);
    const t = be.timeouts.connect;
    if (t !== undefined) this.armAt(this.tConnectStart + t);
    else this.disarm();
    this.watchClientEnd();
  }

  private readonly onSrvConnect = (): void => {
    const srv = this.srv!;
    const cli = this.cli;
    this.state = 'established';
    // check.c health_adjust(): `observe layer4` counts established connections (src/server/server-observe.ts).
    this.server!.observe(Observed.L4_OK);
    const now = clock();
    this.tEstablished = now;
    this.cliLast = now;
    this.srvLast = now;
    // option logasap: the line is sent now (src/log/tcp-log.ts).
    if (this.logState !== undefined) tcpLogEstablished(this, this.logState);
    const bl4 = this.be!.l4;
    if (bl4 !== undefined || this.reqPayload !== undefined) this.sendFirstBytes(srv, bl4);
    if (bl4 !== undefined && bl4.response.length > 0) {
      this.resInspection = new Inspection(bl4.response, bl4.responseDelay, new PayloadBuffer(), true);
      srv.on('data', this.onSrvInspectData);
    } else {
      srv.on('data', this.onSrvData);
    }
    srv.on('end', this.onSrvEnd);
    srv.on('drain', this.onSrvDrain);
    this.stopInspectListening();
    cli.on('data', this.onCliData);
    cli.on('drain', this.onCliDrain);
    if (this.ctx !== undefined) this.syncClientEnd();
    if (this.cliReadDone) {
      // The client already shut its side while we inspected: forward the FIN after the data.
      srv.end();
    } else {
      cli.on('end', this.onCliEnd);
      if (!this.srvFull) cli.resume();
    }
    if (this.resInspection !== undefined) {
      this.resStep(now);
      if (this.finished) return;
    }
    this.rearm(now);
  };

  /** The PROXY header the server asked for, then the bytes read before connecting, in one write. */
  private sendFirstBytes(srv: net.Socket, bl4: BackendL4 | undefined): void {
    const hdr = bl4?.headers.get(this.server!);
    const payload = this.reqPayload;
    this.reqPayload = undefined;
    if (hdr === undefined && (payload === undefined || payload.size === 0)) return;
    srv.cork();
    if (hdr !== undefined) {
      const ctx = this.context;
      srv.write(hdr({ src: ctx.src, dst: ctx.dst, authority: ctx.proxyProtocol?.authority }));
    }
    let ok = true;
    if (payload !== undefined) for (const c of payload.take()) ok = srv.write(c);
    srv.uncork();
    if (!ok) this.srvFull = true;
  }

  // ---- layer 4: response inspection (tcp_inspect_response()) ---------------

  private readonly onSrvInspectData = (chunk: Buffer): void => {
    this.bytesOut += chunk.length;
    const t = clock();
    this.srvLast = t;
    const insp = this.resInspection;
    if (insp === undefined) return;
    insp.payload.push(chunk);
    if (insp.payload.full) this.srv?.pause();
    this.resStep(t);
  };

  private resStep(now: number): void {
    const insp = this.resInspection!;
    const v = insp.evaluate(this.context, now, this.srvReadDone);
    if (v === WAIT) {
      if (!this.srvReadDone && !insp.payload.full && !this.cliFull) this.srv?.resume();
      this.rearm(now);
      return;
    }
    this.resInspection = undefined;
    const srv = this.srv!;
    srv.removeListener('data', this.onSrvInspectData);
    srv.on('data', this.onSrvData);
    if (v === REJECT || v === DROP) {
      // tcp_rules.c "reject": both sides killed, PD flags.
      this.setTerm('P', 'D');
      srv.resetAndDestroy();
      if (v === DROP) this.cli.resetAndDestroy();
      else this.cli.destroy();
      return;
    }
    // ACCEPT forwards what was inspected; CLOSE also resets the server connection.
    let ok = true;
    for (const c of insp.payload.take()) ok = this.cli.write(c);
    if (!ok) {
      this.cliFull = true;
      srv.pause();
    }
    if (v === CLOSE) {
      srv.resetAndDestroy();
      this.cli.end();
      return;
    }
    if (this.srvReadDone) this.cli.end();
    else if (!this.cliFull) srv.resume();
  }

  // ---- data path -------------------------------------------------------

  private readonly onCliData = (chunk: Buffer): void => {
    this.bytesIn += chunk.length;
    const t = clock();
    this.cliLast = t;
    this.srvLast = t;
    if (!this.srv!.write(chunk)) {
      this.srvFull = true;
      this.cli.pause();
    }
  };

  private readonly onSrvData = (chunk: Buffer): void => {
    this.bytesOut += chunk.length;
    const t = clock();
    this.srvLast = t;
    this.cliLast = t;
    if (!this.cli.write(chunk)) {
      this.cliFull = true;
      this.srv!.pause();
    }
  };

  private readonly onSrvDrain = (): void => {
    this.srvLast = clock();
    if (this.srvFull) {
      this.srvFull = false;
      if (!this.cliReadDone) this.cli.resume();
    }
  };

  private readonly onCliDrain = (): void => {
    this.cliLast = clock();
    if (this.cliFull) {
      this.cliFull = false;
      if (!this.srvReadDone) this.srv?.resume();
    }
  };

  /** The client shut its write side: forward the FIN once the data is flushed. */
  private readonly onCliEnd = (): void => {
    this.cliReadDone = true;
    const srv = this.srv;
    if (srv !== undefined && this.be!.noLinger && !this.srvReadDone) {
      // Checked against haproxy 2.6: with `option nolinger` on the backend the
      // client's FIN reaches a server still sending as a reset
      // (SC_FL_NOLINGER), and the client is closed right after; once the
      // server has sent its FIN too, the close is a clean one.
      srv.resetAndDestroy();
      if (this.fe.tuning.noLinger) this.cli.resetAndDestroy();
      else this.cli.end();
      return;
    }
    if (srv !== undefined) shutOrClose(srv, this.srvReadDone);
    this.rearm(clock());
  };

  private readonly onSrvEnd = (): void => {
    this.srvReadDone = true;
    if (this.resInspection !== undefined) {
      this.resStep(clock());
      return;
    }
    shutOrClose(this.cli, this.cliReadDone);
    this.rearm(clock());
  };

  // ---- errors and closes -----------------------------------------------

  private readonly onCliError = (): void => {
    if (this.state === 'proxy') {
      this.stopProxyWait();
      this.proxyFailed(failure('PP_ABORT'), false);
      return;
    }
    if (this.termCause === '-') this.setTerm('C');
  };

  private readonly onCliClose = (hadError: boolean): void => {
    this.cliClosed = true;
    const srv = this.srv;
    if (srv !== undefined && !this.srvClosed) {
      // A client reset aborts the server side; a clean close already sent its FIN.
      if (hadError || this.state !== 'established') {
        if (this.termCause === '-') this.setTerm('C');
        srv.destroy();
      }
    }
    this.maybeFinish();
  };

  private readonly onSrvError = (): void => {
    if (this.state === 'connecting') {
      this.connectFailed(false);
      return;
    }
    if (this.termCause === '-') this.setTerm('S');
  };

  /**
   * A failed connect never gets here (connectFailed() detaches first); a
   * close while connecting comes from our own destroy (client gone, kill).
   */
  private readonly onSrvClose = (hadError: boolean): void => {
    this.srvClosed = true;
    if (this.state === 'established' && !this.cliClosed && hadError) {
      if (this.termCause === '-') this.setTerm('S');
      this.cli.destroy();
    }
    this.maybeFinish();
  };

  // ---- connection failures (retries and redispatch: stream-core.ts) ------------

  protected dropServerSocket(): void {
    const srv = this.srv;
    if (srv === undefined) return;
    srv.removeListener('connect', this.onSrvConnect);
    srv.removeListener('error', this.onSrvError);
    srv.removeListener('close', this.onSrvClose);
    srv.on('error', noop);
    srv.destroy();
    this.srv = undefined;
    this.srvClosed = true;
  }

  protected releaseServer(): void {
    // A redispatch picks again: a `use-server` or persistence choice does not hold any more.
    this.forced = undefined;
    const s = this.server;
    if (s === undefined) return;
    if (this.logState !== undefined) tcpLogReleased(this.logState, s);
    this.server = undefined;
    s.drop(this);
  }

  // ---- the timer (arming and side timeouts: stream-core.ts) ----------------

  /** The side deadlines, and the response inspection's delay while it runs. */
  protected override nextDeadline(): number {
    let d = super.nextDeadline();
    const ri = this.resInspection;
    if (ri !== undefined && ri.deadline >= 0) d = Math.min(d, ri.deadline);
    return d;
  }

  /** The layer-4 waits, then the shared states (coreTimer(), stream-core.ts) after a response inspection step. */
  protected override coreTimer(now: number): boolean {
    switch (this.state) {
      case 'proxy':
        this.stopProxyWait();
        this.proxyFailed(failure('PP_TIMEOUT'), false);
        return true;
      case 'inspect': {
        const t = this.fe.timeouts.client;
        if (t !== undefined && !this.cliReadDone && now + 1 >= this.cliLast + t) {
          // configuration.txt §4.2 "timeout client": cR.
          this.setTerm('c', 'R');
          this.stopInspectListening();
          this.closeClient();
          return true;
        }
        this.inspectStep(now);
        return true;
      }
      case 'established': {
        const ri = this.resInspection;
        if (ri !== undefined && ri.deadline >= 0 && now + 1 >= ri.deadline) {
          this.resStep(now);
          if (this.resInspection === undefined) {
            if (!this.finished) this.rearm(now);
            return true;
          }
        }
        break;
      }
    }
    return super.coreTimer(now);
  }

  /** Closing after a refusal: the client did not close in time. */
  protected otherTimer(): void {
    this.cli.destroy();
  }

  /**
   * Closes both connections at once (timeout, kill). `option nolinger`
   * turns the close of that side into a reset (configuration.txt §4.2
   * "option nolinger"; haproxy resets a client it did not shut cleanly).
   */
  protected abortBoth(): void {
    const srv = this.srv;
    if (srv !== undefined) {
      if (this.be?.noLinger === true) srv.resetAndDestroy();
      else srv.destroy();
    }
    if (this.fe.tuning.noLinger) this.cli.resetAndDestroy();
    else this.cli.destroy();
  }

  // ---- ending ---------------------------------------------------------

  protected unregister(): void {
    this.ctx?.releaseVars();
    this.runtime.streams.delete(this);
    this.listener.release();
    this.runtime.onStreamEnd(this);
  }

  /** closeClient() (stream-core.ts): a FIN, and what the client still sends is read and dropped. */
  protected finClient(): void {
    this.cli.resume();
    this.cli.end();
  }

  /** The stream finishes (finish(), stream-core.ts): its traffic log line. */
  protected override onFinish(): void {
    if (this.logState !== undefined) tcpLogEnd(this, this.logState);
  }
}

/**
 * Forwards a FIN to `s`. When `s` already sent its own FIN (`readDone`) and
 * nothing waits in its write buffer, both directions are over: close() sends
 * the FIN itself, which saves the shutdown() call, its request object and an
 * event-loop turn per connection (haproxy also just closes a connection shut
 * both ways, stconn.c sc_conn_shutw() with SC_FL_NOLINGER unset).
 */
function shutOrClose(s: net.Socket, readDone: boolean): void {
  if (readDone && s.writableLength === 0 && !s.connecting) s.destroy();
  else s.end();
}

function noop(): void {
  /* swallow late errors of abandoned sockets */
}
