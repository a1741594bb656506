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
 * Behaviour is TcpStream's, step for step, and written once in their common
 * base (src/tcp/stream-core.ts): queueing and `timeout queue`,
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
import { Observed } from '../server/server.js';
import type { Backend, Frontend, Runtime } from '../proxy/runtime.js';
import { clock, countConnection, TcpStreamCore } from './stream-core.js';
import { frontendLogs } from '../log/traffic-log.js';

/** Balance algorithms that never read the payload or a sample expression. */
const PLAIN_BALANCE = new Set(['roundrobin', 'static-rr', 'leastconn', 'first', 'source', 'random']);

/**
 * The backend every stream of `fe` goes to when they can all take the raw
 * path, else undefined (see the file comment). Computed once per frontend.
 */
export function rawBackendOf(fe: Frontend): Backend | undefined {
  if (!rawHandlesAvailable || fe.config.mode !== 'tcp' || fe.l4 !== undefined) return undefined;
  // A frontend that logs traffic takes TcpStream, which records its line (src/log/tcp-log.ts); this path stays log-free.
  if (frontendLogs(fe.config, fe.runtime.model.global)) return undefined;
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

/** One proxied TCP connection on raw handles. Its own pick context and event owner. */
export class RawTcpStream extends TcpStreamCore implements RawSocketOwner {
  readonly cli: RawSocket;
  srv: RawSocket | undefined;
  readonly be: Backend;

  /** `handle` is an accepted connection of `listener`; `be` is {@link rawBackendOf}(fe). */
  constructor(runtime: Runtime, fe: Frontend, listener: Listener, handle: TcpHandle, be: Backend) {
    super(runtime, fe, listener);
    this.cli = RawSocket.accepted(handle, this);
    this.be = be;
  }

  /** Registers the stream and assigns a server (proxy.c process_switching_rules() found `be` already). */
  start(): void {
    this.runtime.streams.add(this);
    countConnection(this.fe.counters);
    countConnection(this.be.counters);
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

  // ---- connect (assignment, queue and retries: stream-core.ts) ---------------

  protected connect(): void {
    const be = this.be;
    this.state = 'connecting';
    this.tConnectStart = clock();
    const t = be.timeouts.connect;
    if (t !== undefined) this.armAt(this.tConnectStart + t);
    else this.disarm();
    const target = rawTargetOf(be.connectOptionsFor(this.server!, this));
    if (target === undefined) {
      // rawBackendOf() checked every server: only a bug gets here. Fail like a refused connect.
      this.connectFailed(false);
      return;
    }
    this.srv = RawSocket.connect(target, this);
    this.srvClosed = false;
  }

  onRawConnect(s: RawSocket, errno: number): void {
    if (s !== this.srv) return;
    if (errno !== 0) {
      this.connectFailed(false);
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

  // ---- connection failures (retries and redispatch: stream-core.ts) ------------

  /** The failed connection is closed and forgotten. */
  protected dropServerSocket(): void {
    this.closeSrv(false);
    this.srv = undefined;
  }

  protected releaseServer(): void {
    const s = this.server;
    if (s === undefined) return;
    this.server = undefined;
    s.drop(this);
  }

  // ---- the timer (queue, connect, side timeouts: stream-core.ts) ------------

  /** Closing after a refusal: the client did not close in time. */
  protected otherTimer(): void {
    this.closeCli(false);
    this.maybeFinish();
  }

  /** Closes both connections at once; `option nolinger` makes that side's close a reset. */
  protected abortBoth(): void {
    if (!this.srvClosed) this.closeSrv(this.be.noLinger);
    if (!this.cliClosed) this.closeCli(this.fe.tuning.noLinger);
    this.maybeFinish();
  }

  // ---- ending ---------------------------------------------------------

  protected unregister(): void {
    this.runtime.streams.delete(this);
    this.listener.release();
    this.runtime.onStreamEnd(this);
  }

  /** closeClient() (stream-core.ts): a FIN, and what the client still sends is read and dropped. */
  protected finClient(): void {
    if (this.cliClosed) return;
    this.cli.readStart();
    this.cli.shutdown();
  }
}
