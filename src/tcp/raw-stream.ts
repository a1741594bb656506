/**
 * The plain `mode tcp` stream on bare libuv handles (src/net/raw-handle.ts):
 * the same life as {@link TcpStream} (src/tcp/stream.ts) for proxies with
 * nothing to do at layer 4, without `net.Socket` on either side.
 *
 * Who gets it (docs/tcp-data-path.md, {@link rawBackendOf}): a `mode tcp`
 * frontend without layer-4 work (no tcp-request rules, accept-proxy or
 * conditional switching), whose backend is therefore known at accept time,
 * is a `mode tcp` backend without layer-4 work either (no content or
 * response rules, use-server, persistence, send-proxy), balances without
 * looking at the payload, and has only IPv4/IPv6 literal server addresses;
 * the listener is a TCP one. Everything else, and every stream when
 * `SWITCHYARD_NET_SOCKET=1`, takes TcpStream.
 *
 * Behaviour is TcpStream's, step for step: queueing and `timeout queue`,
 * `timeout connect`, retries and redispatch, one timer per stream for the
 * inactivity timeouts (`client`, `server`, `tunnel`, `client-fin`,
 * `server-fin`, refreshed by reads from a side and writes to it, not armed
 * on a side paused because its peer is full), half-closes both ways,
 * `option nolinger` on either side, `source`, `srvtcpka`, the counters and
 * the termination flags. The differences are in mechanics only: a side is
 * "full" as soon as the kernel could not take a whole write (one read of at
 * most 64 KiB waits per direction), and closes are synchronous, so the
 * stream finishes in the callback that closed its last socket.
 */
import { isIP } from 'node:net';
import type { Listener } from '../net/listener.js';
import { RawSocket, rawHandlesAvailable, rawTargetOf, type RawSocketOwner, type TcpHandle } from '../net/raw-handle.js';
import { Observed, type Server, type Waiter } from '../server/server.js';
import type { PickContext } from '../lb/registry.js';
import type { Backend, Frontend, Runtime } from '../proxy/runtime.js';
import { retryDecision } from '../proxy/retry-policy.js';
import type { StreamState } from './stream.js';

/** haproxy's "state at end" letters: R request, Q queue, C connect, D data. */
const STATE_LETTER: Record<StreamState, string> = {
  init: 'R', proxy: 'R', inspect: 'R', queued: 'Q', turnaround: 'C', connecting: 'C', established: 'D', closed: 'D',
};

/** Balance algorithms that never read the payload or a sample expression. */
const PLAIN_BALANCE = new Set(['roundrobin', 'static-rr', 'leastconn', 'first', 'source', 'random']);

/**
 * The backend every stream of `fe` goes to when they can all take the raw
 * path, else undefined (see the file comment). Computed once per frontend.
 */
export function rawBackendOf(fe: Frontend): Backend | undefined {
  if (!rawHandlesAvailable || fe.config.mode !== 'tcp' || fe.l4 !== undefined) return undefined;
  // Without layer-4 work, switching rules are unconditional (src/tcp/l4.ts): the backend is fixed.
  const be = fe.selectBackend(undefined);
  if (be === undefined || be.l4 !== undefined || be.config.mode !== 'tcp') return undefined;
  // `option abortonclose` reads the client while queued or connecting to see its FIN (TcpStream.watchClientEnd()).
  if (be.config.options.get('abortonclose') === true) return undefined;
  const algo = be.config.balance?.algorithm ?? 'roundrobin';
  if (!PLAIN_BALANCE.has(algo)) return undefined;
  for (const s of be.servers) {
    const a = s.address;
    if (a.family !== 'ipv4' && a.family !== 'ipv6') return undefined;
    // src/net/connect.ts: an empty or '*' host connects to the loopback; anything else must be an IP literal.
    if (a.host !== '' && a.host !== '*' && isIP(a.host) === 0) return undefined;
  }
  return be;
}

const clock = (): number => performance.now();

/** One proxied TCP connection on raw handles. Its own pick context and event owner. */
export class RawTcpStream implements Waiter, PickContext, RawSocketOwner {
  queueSeq = 0;
  queued = false;
  readonly runtime: Runtime;
  readonly fe: Frontend;
  readonly listener: Listener;
  readonly cli: RawSocket;
  srv: RawSocket | undefined;
  readonly be: Backend;
  server: Server | undefined;
  state: StreamState = 'init';
  readonly acceptDate = Date.now();
  readonly tAccept = clock();
  tQueued = -1;
  tConnectStart = -1;
  tEstablished = -1;
  bytesIn = 0;
  bytesOut = 0;
  retriesDone = 0;
  redispatched = false;
  termCause = '-';
  termState = '-';
  /** The server that just failed, to avoid when redispatching (PickContext). */
  avoid: Server | undefined;

  private cliLast: number;
  private srvLast = 0;
  private deadline = 0;
  private timer: NodeJS.Timeout | undefined;
  private queuedOn: Server | undefined;
  private cliFull = false;
  private srvFull = false;
  private cliReadDone = false;
  private srvReadDone = false;
  private cliClosed = false;
  private srvClosed = true;
  private finished = false;

  /** `handle` is an accepted connection of `listener`; `be` is {@link rawBackendOf}(fe). */
  constructor(runtime: Runtime, fe: Frontend, listener: Listener, handle: TcpHandle, be: Backend) {
    this.runtime = runtime;
    this.fe = fe;
    this.listener = listener;
    this.cli = RawSocket.accepted(handle, this);
    this.be = be;
    this.cliLast = this.tAccept;
  }

  /** Registers the stream and assigns a server (proxy.c process_switching_rules() found `be` already). */
  start(): void {
    this.runtime.streams.add(this);
    const fc = this.fe.counters;
    fc.cumConns++;
    if (++fc.curConns > fc.maxConns) fc.maxConns = fc.curConns;
    const bc = this.be.counters;
    bc.cumConns++;
    if (++bc.curConns > bc.maxConns) bc.maxConns = bc.curConns;
    this.assign();
  }

  /** PickContext: the client address, read only by algorithms that hash it. */
  get source(): string | undefined {
    return this.cli.remoteAddress;
  }

  /** The port the client connected to, for servers whose port is relative to it. */
  get frontendPort(): number {
    return this.cli.localPort ?? 0;
  }

  // ---- server assignment, queue, connect (as TcpStream) -------------------

  /** backend.c: assign_server_and_queue(). */
  private assign(): void {
    const be = this.be;
    const s = be.algorithm.pick(this);
    if (s === undefined) {
      if (be.activeCount + be.backupCount > 0) {
        be.queue.push(this);
        be.counters.queued++;
        this.enterQueue();
        return;
      }
      this.refuse('C', 'S');
      return;
    }
    if (!s.hasFreeSlot()) {
      if (s.maxqueue > 0 && s.queue.length >= s.maxqueue) {
        this.refuse('Q', 's');
        return;
      }
      s.enqueue(this);
      this.queuedOn = s;
      this.enterQueue();
      return;
    }
    s.take(this);
    this.useServer(s);
  }

  private enterQueue(): void {
    this.state = 'queued';
    this.tQueued = clock();
    // configuration.txt §4.2 "timeout queue": defaults to "timeout connect".
    const t = this.be.timeouts.queue ?? this.be.timeouts.connect;
    if (t !== undefined) this.armAt(this.tQueued + t);
  }

  /** Called by a queue when a slot was taken for us. */
  grant(server: Server): void {
    this.queuedOn = undefined;
    if (this.finished) {
      server.drop(this);
      return;
    }
    this.useServer(server);
  }

  private useServer(s: Server): void {
    const prev = this.avoid;
    if (prev !== undefined) {
      if (prev !== s) {
        this.redispatched = true;
        prev.counters.redispatches++;
        this.be.counters.redispatches++;
      } else {
        prev.counters.retries++;
        this.be.counters.retries++;
      }
      this.avoid = undefined;
    }
    this.server = s;
    this.connect();
  }

  private connect(): void {
    const be = this.be;
    this.state = 'connecting';
    this.tConnectStart = clock();
    const t = be.timeouts.connect;
    if (t !== undefined) this.armAt(this.tConnectStart + t);
    else this.disarm();
    const target = rawTargetOf(be.connectOptionsFor(this.server!, this));
    if (target === undefined) {
      // rawBackendOf() checked every server: only a bug gets here. Fail like a refused connect.
      this.connectFailed(-1);
      return;
    }
    this.srv = RawSocket.connect(target, this);
    this.srvClosed = false;
  }

  onRawConnect(s: RawSocket, errno: number): void {
    if (s !== this.srv) return;
    if (errno !== 0) {
      this.connectFailed(errno);
      return;
    }
    this.state = 'established';
    this.server!.observe(Observed.L4_OK);
    const now = clock();
    this.tEstablished = now;
    this.cliLast = now;
    this.srvLast = now;
    s.readStart();
    this.cli.readStart();
    this.rearm(now);
  }

  // ---- data path -------------------------------------------------------

  onRawData(s: RawSocket, chunk: Buffer): void {
    const t = clock();
    this.cliLast = t;
    this.srvLast = t;
    if (s === this.cli) {
      // After a refusal the client's bytes are read and dropped (closeClient()).
      if (this.state !== 'established') return;
      this.bytesIn += chunk.length;
      if (!this.srv!.write(chunk)) {
        this.srvFull = true;
        s.readStop();
      }
    } else {
      this.bytesOut += chunk.length;
      if (!this.cli.write(chunk)) {
        this.cliFull = true;
        s.readStop();
      }
    }
  }

  onRawDrain(s: RawSocket): void {
    if (s === this.srv) {
      this.srvLast = clock();
      if (this.srvFull) {
        this.srvFull = false;
        if (!this.cliReadDone) this.cli.readStart();
      }
    } else {
      this.cliLast = clock();
      if (this.cliFull) {
        this.cliFull = false;
        if (!this.srvReadDone) this.srv?.readStart();
      }
    }
  }

  onRawEnd(s: RawSocket): void {
    if (s === this.cli) {
      this.cliReadDone = true;
      if (this.state !== 'established') return;
      const srv = this.srv!;
      if (this.be.noLinger && !this.srvReadDone && !this.srvClosed) {
        // As TcpStream: with `option nolinger` on the backend the client's FIN
        // reaches a server still sending as a reset, and the client is closed.
        this.closeSrv(true);
        if (this.fe.tuning.noLinger) this.closeCli(true);
        else this.cli.shutdown();
        this.maybeFinish();
        return;
      }
      if (!this.srvClosed) this.shutOrClose(srv, this.srvReadDone);
    } else {
      this.srvReadDone = true;
      if (!this.cliClosed) this.shutOrClose(this.cli, this.cliReadDone);
    }
    if (!this.finished) this.rearm(clock());
  }

  /**
   * Forwards a FIN to `s`; when `s` already sent its own and nothing waits
   * to be written, both directions are over and close() sends the FIN
   * (TcpStream's shutOrClose()).
   */
  private shutOrClose(s: RawSocket, readDone: boolean): void {
    if (readDone && s.pendingWrites === 0) {
      if (s === this.cli) this.closeCli(false);
      else this.closeSrv(false);
      this.maybeFinish();
    } else {
      s.shutdown();
    }
  }

  onRawClose(s: RawSocket): void {
    if (s === this.cli) this.cliClosed = true;
    else if (s === this.srv) this.srvClosed = true;
    this.maybeFinish();
  }

  onRawError(s: RawSocket, _errno: number): void {
    if (s === this.cli) {
      if (this.termCause === '-') this.setTerm('C');
      this.closeCli(false);
      // A client reset aborts the server side.
      if (!this.srvClosed) this.closeSrv(false);
    } else if (s === this.srv) {
      if (this.termCause === '-') this.setTerm('S');
      this.closeSrv(false);
      if (!this.cliClosed) this.closeCli(false);
    }
    this.maybeFinish();
  }

  private closeCli(reset: boolean): void {
    this.cliClosed = true;
    if (reset) this.cli.reset();
    else this.cli.close();
  }

  private closeSrv(reset: boolean): void {
    const srv = this.srv;
    this.srvClosed = true;
    if (srv === undefined) return;
    if (reset) srv.reset();
    else srv.close();
  }

  // ---- connection failures, retries, redispatch ---------------------------

  /** backend.c: back_handle_st_cer(); `errno` undefined for a connect timeout. */
  private connectFailed(errno: number | undefined): void {
    const be = this.be;
    const s = this.server!;
    this.closeSrv(false);
    this.srv = undefined;
    s.observe(Observed.L4_ERR);
    if (this.retriesDone >= be.retries) {
      s.counters.connectFailures++;
      be.counters.connectFailures++;
      this.releaseServer();
      this.setTerm(errno === undefined ? 's' : 'S', 'C');
      this.closeClient();
      return;
    }
    this.retriesDone++;
    const { redispatch, delayed, delayMs } = retryDecision(be, s, this.retriesDone);
    this.avoid = s;
    if (redispatch) this.releaseServer();
    if (delayed) {
      this.state = 'turnaround';
      this.armAt(clock() + delayMs);
      return;
    }
    this.retry();
  }

  private retry(): void {
    if (this.server !== undefined) {
      const s = this.server;
      this.avoid = undefined;
      s.counters.retries++;
      this.be.counters.retries++;
      this.connect();
      return;
    }
    this.assign();
  }

  private releaseServer(): void {
    const s = this.server;
    if (s === undefined) return;
    this.server = undefined;
    s.drop(this);
  }

  // ---- timers (as TcpStream) -------------------------------------------

  private armAt(deadline: number): void {
    this.deadline = deadline;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(deadline - clock())));
  }

  private disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.deadline = 0;
  }

  /** `timeout tunnel` replaces both; `client-fin`/`server-fin` once a direction is shut (configuration.txt §4.2). */
  private sideTimeouts(): { cli: number | undefined; srv: number | undefined } {
    const be = this.be;
    const tunnel = be.timeouts.tunnel;
    let cli = tunnel ?? this.fe.timeouts.client;
    let srv = tunnel ?? be.timeouts.server;
    if (this.cliReadDone || this.srvReadDone) {
      cli = this.fe.timeouts.clientFin ?? cli;
      srv = be.timeouts.serverFin ?? srv;
    }
    return { cli, srv };
  }

  private rearm(now: number): void {
    const d = this.nextDeadline();
    if (d === Infinity) {
      this.disarm();
      return;
    }
    // An earlier pending timer (the connect deadline) is kept: it re-arms itself when it fires.
    if (this.timer !== undefined && this.deadline <= d) return;
    this.deadline = d;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(d - now)));
  }

  private nextDeadline(): number {
    const t = this.sideTimeouts();
    let d = Infinity;
    const cliArmed = this.cliFull || (!this.cliReadDone && !this.srvFull);
    const srvArmed = this.srvFull || (!this.srvReadDone && !this.cliFull);
    if (t.cli !== undefined && cliArmed) d = Math.min(d, this.cliLast + t.cli);
    if (t.srv !== undefined && srvArmed) d = Math.min(d, this.srvLast + t.srv);
    return d;
  }

  private readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.finished) return;
    const now = clock();
    switch (this.state) {
      case 'queued':
        this.leaveQueue();
        this.be.counters.queueTimeouts++;
        this.setTerm('s', 'Q');
        this.closeClient();
        return;
      case 'connecting':
        if (now + 1 >= this.deadline) this.connectFailed(undefined);
        else this.armAt(this.deadline);
        return;
      case 'turnaround':
        this.retry();
        return;
      case 'established': {
        const t = this.sideTimeouts();
        const cliArmed = this.cliFull || (!this.cliReadDone && !this.srvFull);
        const srvArmed = this.srvFull || (!this.srvReadDone && !this.cliFull);
        if (t.cli !== undefined && cliArmed && now + 1 >= this.cliLast + t.cli) {
          this.setTerm('c', 'D');
          this.abortBoth();
          return;
        }
        if (t.srv !== undefined && srvArmed && now + 1 >= this.srvLast + t.srv) {
          this.setTerm('s', 'D');
          this.abortBoth();
          return;
        }
        this.rearm(now);
        return;
      }
      default:
        // Closing after a refusal: the client did not close in time.
        this.closeCli(false);
        this.maybeFinish();
    }
  };

  private leaveQueue(): void {
    if (!this.queued) return;
    if (this.queuedOn !== undefined) this.queuedOn.queue.remove(this);
    else this.be.queue.remove(this);
    this.queuedOn = undefined;
  }

  /** Closes both connections at once; `option nolinger` makes that side's close a reset. */
  private abortBoth(): void {
    if (!this.srvClosed) this.closeSrv(this.be.noLinger);
    if (!this.cliClosed) this.closeCli(this.fe.tuning.noLinger);
    this.maybeFinish();
  }

  // ---- ending ---------------------------------------------------------

  private setTerm(cause: string, state?: string): void {
    this.termCause = cause;
    this.termState = state ?? STATE_LETTER[this.state];
  }

  private refuse(state: string, cause: string): void {
    if (this.termCause === '-') {
      this.termCause = cause;
      this.termState = state;
    }
    this.closeClient();
  }

  /**
   * Sends a FIN to the client and discards what it still sends, so the close
   * is not turned into a reset by unread data; the client timeout bounds it.
   */
  private closeClient(): void {
    this.state = 'closed';
    const cli = this.cli;
    if (!this.cliClosed) {
      cli.readStart();
      cli.shutdown();
    }
    const t = this.fe.timeouts.client;
    this.armAt(clock() + (t ?? 10000));
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.finished || !this.cliClosed || !this.srvClosed) return;
    this.finish();
  }

  /** Releases everything the stream holds, exactly once. */
  private finish(): void {
    this.finished = true;
    this.state = 'closed';
    this.disarm();
    this.leaveQueue();
    const s = this.server;
    if (s !== undefined) {
      s.counters.bytesIn += this.bytesIn;
      s.counters.bytesOut += this.bytesOut;
    }
    const fc = this.fe.counters;
    fc.bytesIn += this.bytesIn;
    fc.bytesOut += this.bytesOut;
    fc.curConns--;
    const bc = this.be.counters;
    bc.bytesIn += this.bytesIn;
    bc.bytesOut += this.bytesOut;
    bc.curConns--;
    this.releaseServer();
    this.runtime.streams.delete(this);
    this.listener.release();
    this.runtime.onStreamEnd(this);
  }

  /** Closes both connections now (hard stop, shutdown-sessions). */
  kill(): void {
    if (this.finished) return;
    if (this.termCause === '-') this.setTerm('K');
    this.disarm();
    if (this.state === 'turnaround' || this.state === 'queued') this.state = 'closed';
    this.abortBoth();
  }

  /** The two termination flags (`--` for a normal end), as in haproxy's logs. */
  get terminationFlags(): string {
    return `${this.termCause}${this.termState}`;
  }
}
