/**
 * What the two `mode tcp` streams share: {@link TcpStream} (src/tcp/stream.ts,
 * on `net.Socket`, with the layer-4 work) and {@link RawTcpStream}
 * (src/tcp/raw-stream.ts, the fast path on raw libuv handles) live the same
 * life with different sockets, so the life itself is written once here:
 *   - server assignment and queueing (backend.c assign_server_and_queue()),
 *     `timeout queue`, retries and redispatch (back_handle_st_cer());
 *   - the one timer per stream, armed for the nearest deadline, and the
 *     inactivity timeouts once established (`client`, `server`, `tunnel`,
 *     `client-fin`, `server-fin`, configuration.txt §4.2), refreshed by reads
 *     from a side and writes to it (stconn.c sc_notify(), without `option
 *     independent-streams`), not armed on a side paused because its peer is
 *     full;
 *   - the termination flags and the counters settled at the end.
 * The sockets (connect, close, abort, the FIN to a refused client) stay in
 * each stream, behind the abstract methods below.
 *
 * A base class rather than a helper object: the shared state is fields of
 * the stream itself, so the raw path allocates nothing more per connection
 * and its data handlers read and write these fields directly.
 */
import type { Listener } from '../net/listener.js';
import type { PickContext } from '../lb/registry.js';
import type { Backend, Frontend, Runtime } from '../proxy/runtime.js';
import { retryDecision } from '../proxy/retry-policy.js';
import { Observed, type PendingQueue, type Server, type Waiter } from '../server/server.js';

/** Where a stream is (for logs: the second termination flag). */
export type StreamState = 'init' | 'proxy' | 'inspect' | 'queued' | 'turnaround' | 'connecting' | 'established' | 'closed';

/** haproxy's "state at end" letters: R request, Q queue, C connect, D data. */
const STATE_LETTER: Record<StreamState, string> = {
  init: 'R', proxy: 'R', inspect: 'R', queued: 'Q', turnaround: 'C', connecting: 'C', established: 'D', closed: 'D',
};

/** The streams' clock (ms, monotonic). */
export const clock = (): number => performance.now();

/** A `mode tcp` stream's shared life; see the file comment. It is its own pick context (no allocation per pick). */
export abstract class TcpStreamCore implements Waiter, PickContext {
  queueSeq = 0;
  queued = false;
  queuedIn: PendingQueue | undefined = undefined;
  readonly runtime: Runtime;
  readonly fe: Frontend;
  readonly listener: Listener;
  /** The backend, once chosen (from the start on the raw path). */
  abstract readonly be: Backend | undefined;
  server: Server | undefined;
  state: StreamState = 'init';
  /** Date.now() at accept, and performance.now() marks for the log timers. */
  readonly acceptDate = Date.now();
  readonly tAccept = clock();
  tQueued = -1;
  tConnectStart = -1;
  tEstablished = -1;
  /** Bytes client→server and server→client. */
  bytesIn = 0;
  bytesOut = 0;
  /** Retries done (haproxy's %rc) and whether a redispatch happened. */
  retriesDone = 0;
  redispatched = false;
  /** Termination flags as in haproxy's logs: cause and state ('--' for a normal end). */
  termCause = '-';
  termState = '-';
  /** The server that just failed, to avoid when redispatching (PickContext). */
  avoid: Server | undefined;

  /** Last activity of each side, for its inactivity timeout. */
  protected cliLast: number;
  protected srvLast = 0;
  /** When the timer fires (0 when disarmed). */
  protected deadline = 0;
  protected timer: NodeJS.Timeout | undefined;
  /** The server whose queue holds this stream; undefined for the backend queue. */
  protected queuedOn: Server | undefined;
  /** A side is "full" when our last write to it could not be taken whole. */
  protected cliFull = false;
  protected srvFull = false;
  protected cliReadDone = false;
  protected srvReadDone = false;
  protected cliClosed = false;
  protected srvClosed = true;
  protected finished = false;

  /** The timer fired at `now` in a state {@link coreTimer} does not handle (the stream's own). */
  protected abstract otherTimer(now: number): void;
  /** Opens the connection to {@link server}, `timeout connect` armed. */
  protected abstract connect(): void;
  /** Drops the failed server connection (closed, no longer ours). */
  protected abstract dropServerSocket(): void;
  /** Gives the server slot back. */
  protected abstract releaseServer(): void;
  /** Sends a FIN to the client and reads (discards) what it still sends. */
  protected abstract finClient(): void;
  /** Closes both connections at once; `option nolinger` makes that side's close a reset. */
  protected abstract abortBoth(): void;
  /** Takes the finished stream out of the runtime (start() put it there) and gives its listener slot back. */
  protected abstract unregister(): void;

  constructor(runtime: Runtime, fe: Frontend, listener: Listener) {
    this.runtime = runtime;
    this.fe = fe;
    this.listener = listener;
    this.cliLast = this.tAccept;
  }

  // ---- server assignment, queue, retries ----------------------------------

  /** The server the balancer picks; undefined when every usable one is saturated or none is up. */
  protected pickServer(): Server | undefined {
    return this.be!.algorithm.pick(this);
  }

  /** backend.c: assign_server_and_queue(). */
  protected assign(): void {
    const be = this.be!;
    const s = this.pickServer();
    if (s === undefined) {
      if (be.activeCount + be.backupCount > 0) {
        // Every usable server is saturated: wait in the backend queue.
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

  protected enterQueue(): void {
    this.state = 'queued';
    this.tQueued = clock();
    const be = this.be!;
    // configuration.txt §4.2 "timeout queue": defaults to "timeout connect".
    const t = be.timeouts.queue ?? be.timeouts.connect;
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
      // backend.c: a retry on another server is a redispatch, else a retry.
      if (prev !== s) {
        this.redispatched = true;
        prev.counters.redispatches++;
        this.be!.counters.redispatches++;
      } else {
        prev.counters.retries++;
        this.be!.counters.retries++;
      }
      this.avoid = undefined;
    }
    this.server = s;
    this.connect();
  }

  /** backend.c: back_handle_st_cer(); `timedOut` for `timeout connect`, else the connect failed. */
  protected connectFailed(timedOut: boolean): void {
    const be = this.be!;
    const s = this.server!;
    this.dropServerSocket();
    s.observe(Observed.L4_ERR);
    if (this.retriesDone >= be.retries) {
      s.counters.connectFailures++;
      be.counters.connectFailures++;
      this.releaseServer();
      this.setTerm(timedOut ? 's' : 'S', 'C');
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

  protected retry(): void {
    if (this.server !== undefined) {
      // Same server, slot kept: a plain retry.
      const s = this.server;
      this.avoid = undefined;
      s.counters.retries++;
      this.be!.counters.retries++;
      this.connect();
      return;
    }
    this.assign();
  }

  protected leaveQueue(): void {
    if (!this.queued) return;
    if (this.queuedOn !== undefined) this.queuedOn.queue.remove(this);
    else this.be?.queue.remove(this);
    this.queuedOn = undefined;
  }

  /** `timeout queue` expired: sQ. */
  protected queueTimeout(): void {
    this.leaveQueue();
    this.be!.counters.queueTimeouts++;
    this.setTerm('s', 'Q');
    this.closeClient();
  }

  // ---- the timer ----------------------------------------------------------

  /** Fires at {@link deadline}, bound once per stream. */
  protected readonly onTimer = (): void => {
    this.timer = undefined;
    if (this.finished) return;
    const now = clock();
    if (!this.coreTimer(now)) this.otherTimer(now);
  };

  /**
   * The timer's work in the states both streams share: `timeout queue`,
   * `timeout connect`, the turn-around delay before a retry, and the side
   * timeouts once established. False in any other state.
   */
  protected coreTimer(now: number): boolean {
    switch (this.state) {
      case 'queued':
        this.queueTimeout();
        return true;
      case 'connecting':
        if (now + 1 >= this.deadline) this.connectFailed(true);
        else this.armAt(this.deadline);
        return true;
      case 'turnaround':
        this.retry();
        return true;
      case 'established': {
        const side = this.expiredSide(now);
        if (side !== undefined) {
          this.setTerm(side, 'D');
          this.abortBoth();
          return true;
        }
        this.rearm(now);
        return true;
      }
      default:
        return false;
    }
  }

  protected armAt(deadline: number): void {
    this.deadline = deadline;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(deadline - clock())));
  }

  protected disarm(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.deadline = 0;
  }

  /**
   * Effective inactivity timeouts once established: `timeout tunnel` replaces
   * both; once a direction is shut, `timeout client-fin` / `server-fin` apply
   * to their side when set (configuration.txt §4.2).
   */
  private sideTimeouts(): { cli: number | undefined; srv: number | undefined } {
    const be = this.be!;
    const tunnel = be.timeouts.tunnel;
    let cli = tunnel ?? this.fe.timeouts.client;
    let srv = tunnel ?? be.timeouts.server;
    if (this.cliReadDone || this.srvReadDone) {
      cli = this.fe.timeouts.clientFin ?? cli;
      srv = be.timeouts.serverFin ?? srv;
    }
    return { cli, srv };
  }

  // A side paused because its peer is full has no read timeout armed.
  private cliTimed(): boolean {
    return this.cliFull || (!this.cliReadDone && !this.srvFull);
  }

  private srvTimed(): boolean {
    return this.srvFull || (!this.srvReadDone && !this.cliFull);
  }

  /** Established: arms the timer for the nearest deadline. */
  protected rearm(now: number): void {
    const d = this.nextDeadline();
    if (d === Infinity) {
      this.disarm();
      return;
    }
    // A pending timer firing earlier (e.g. the connect deadline) is kept: it
    // re-arms itself when it fires, which saves a timer per connection.
    if (this.timer !== undefined && this.deadline <= d) return;
    this.deadline = d;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(this.onTimer, Math.max(1, Math.ceil(d - now)));
  }

  /** The nearest side deadline once established (Infinity when none is armed). */
  protected nextDeadline(): number {
    const t = this.sideTimeouts();
    let d = Infinity;
    if (t.cli !== undefined && this.cliTimed()) d = Math.min(d, this.cliLast + t.cli);
    if (t.srv !== undefined && this.srvTimed()) d = Math.min(d, this.srvLast + t.srv);
    return d;
  }

  /** The side whose inactivity timeout expired at `now` ('c' client first, 's' server), if any. */
  protected expiredSide(now: number): 'c' | 's' | undefined {
    const t = this.sideTimeouts();
    if (t.cli !== undefined && this.cliTimed() && now + 1 >= this.cliLast + t.cli) return 'c';
    if (t.srv !== undefined && this.srvTimed() && now + 1 >= this.srvLast + t.srv) return 's';
    return undefined;
  }

  // ---- ending ---------------------------------------------------------------

  protected setTerm(cause: string, state?: string): void {
    this.termCause = cause;
    this.termState = state ?? STATE_LETTER[this.state];
  }

  /** Closes a stream before any server connection (cause `S` unless given): FIN to the client. */
  protected refuse(state: string, cause = 'S'): void {
    if (this.termCause === '-') {
      this.termCause = cause;
      this.termState = state;
    }
    this.closeClient();
  }

  /**
   * Ends the stream before or without a server connection: a FIN to the
   * client, whose further bytes are discarded so that the close is not
   * turned into a reset by unread data; the client timeout bounds it.
   */
  protected closeClient(): void {
    this.state = 'closed';
    this.finClient();
    const t = this.fe.timeouts.client;
    this.armAt(clock() + (t ?? 10000));
    this.maybeFinish();
  }

  protected maybeFinish(): void {
    if (this.finished || !this.cliClosed || !this.srvClosed) return;
    this.finish();
  }

  /** Called once as the stream finishes, before anything is released (the traffic log of TcpStream). */
  protected onFinish(): void {
    // nothing by default
  }

  /** Releases everything the stream holds, exactly once. */
  private finish(): void {
    this.finished = true;
    this.onFinish();
    this.state = 'closed';
    this.disarm();
    this.leaveQueue();
    this.settleCounters();
    this.releaseServer();
    this.unregister();
  }

  /** Closes both connections now (hard stop, `on-marked-down shutdown-sessions`). */
  kill(): void {
    if (this.finished) return;
    if (this.termCause === '-') this.setTerm('K');
    this.disarm();
    if (this.state === 'turnaround' || this.state === 'queued') this.state = 'closed';
    this.abortBoth();
  }

  /** The end of the stream in the counters: its bytes, one connection less on the frontend and backend. */
  private settleCounters(): void {
    const s = this.server;
    if (s !== undefined) {
      s.counters.bytesIn += this.bytesIn;
      s.counters.bytesOut += this.bytesOut;
    }
    const fc = this.fe.counters;
    fc.bytesIn += this.bytesIn;
    fc.bytesOut += this.bytesOut;
    fc.curConns--;
    const be = this.be;
    if (be !== undefined) {
      be.counters.bytesIn += this.bytesIn;
      be.counters.bytesOut += this.bytesOut;
      be.counters.curConns--;
    }
  }

  /** The two termination flags (`--` for a normal end), as in haproxy's logs. */
  get terminationFlags(): string {
    return `${this.termCause}${this.termState}`;
  }
}

/** Counts a new connection on `counters` (cumulated, current and its maximum). */
export function countConnection(counters: { cumConns: number; curConns: number; maxConns: number }): void {
  counters.cumConns++;
  if (++counters.curConns > counters.maxConns) counters.maxConns = counters.curConns;
}
