/**
 * The runtime server: one object per `server` line, the single owner of that
 * server's state (UP/DOWN/MAINT), its weight, its current connections, its
 * FIFO queue and its counters. Stats, logs, checks and the balance algorithm
 * all read the same object (ROADMAP: "server state in one place").
 *
 * Mirrors haproxy's `struct server` (include/haproxy/server-t.h) where it
 * matters: `served`, `queue`, `uweight`/`eweight` (user weight scaled by
 * BE_WEIGHT_SCALE), `puid`, and the per-algorithm node fields kept in
 * {@link LbSlot}.
 */
import type { SocketAddress } from '../config/model/address.js';
import type { ServerConfig } from '../config/model/server.js';

/** backend.h: user weights are scaled by this factor into effective weights. */
export const BE_WEIGHT_SCALE = 16;
/** server-t.h: SRV_UWGHT_MAX, the highest user weight. */
export const SRV_UWGHT_MAX = 256;
/** server-t.h: SRV_UWGHT_RANGE (256) used by lb_fwrr's tree keys. */
export const SRV_UWGHT_RANGE = 256;
/** server-t.h: SRV_EWGHT_MAX = SRV_UWGHT_MAX * BE_WEIGHT_SCALE. */
export const SRV_EWGHT_MAX = SRV_UWGHT_MAX * BE_WEIGHT_SCALE;

/** Operational state as shown by `show servers state` and the stats page. */
export type ServerState = 'UP' | 'DOWN' | 'MAINT';

/** Counters of one server; read by stats, logs and Prometheus later. */
export interface ServerCounters {
  /** Connections (sessions) ever assigned to this server: `stot`. */
  cumConns: number;
  /** Highest number of concurrent connections seen: `smax`. */
  maxConns: number;
  /** Connection attempts that failed after all retries: `econ`. */
  connectFailures: number;
  /** Retries on this same server: `wretr`. */
  retries: number;
  /** Streams moved away from this server after a failure: `wredis`. */
  redispatches: number;
  /** Bytes from the client to the server: `bin`. */
  bytesIn: number;
  /** Bytes from the server to the client: `bout`. */
  bytesOut: number;
  /** Streams that waited in this server's queue: total, and the highest queue length: `qmax`. */
  queued: number;
  maxQueue: number;
  /** Streams aborted while waiting in the queue (timeout queue). */
  queueTimeouts: number;
  /** Failed health checks: `chkfail`; transitions to DOWN: `chkdown`. */
  checkFailures: number;
  downTransitions: number;
  /** Date.now() of the last state change (`lastchg`) and the last session (`lastsess`). */
  lastChange: number;
  lastSession: number;
}

function newCounters(): ServerCounters {
  return {
    cumConns: 0, maxConns: 0, connectFailures: 0, retries: 0, redispatches: 0, bytesIn: 0, bytesOut: 0,
    queued: 0, maxQueue: 0, queueTimeouts: 0, checkFailures: 0, downTransitions: 0, lastChange: Date.now(), lastSession: 0,
  };
}

/**
 * Per-server fields owned by the balance algorithm (haproxy keeps them in
 * `struct server` too: lb_node, npos, lpos, rweight, wscore). Only the
 * backend's own algorithm touches them.
 */
export interface LbSlot {
  key: number;
  npos: number;
  lpos: number;
  rweight: number;
  wscore: number;
  /** Which tree/list the server sits in, algorithm-defined; -1 when in none. */
  tree: number;
  /** Insertion sequence, for FIFO order among equal keys (ebtree duplicates). */
  seq: number;
  /** The effective weight the algorithm last accounted for (haproxy's cur_eweight). */
  weight: number;
  /** Whether the algorithm currently counts the server as usable. */
  active: boolean;
  /** Position in the binary heap the server sits in (src/lb/server-heap.ts), -1 when in none. */
  heap: number;
}

/**
 * Something waiting for a connection slot: a stream in a server or backend
 * queue. `grant` hands it the server (the slot is already taken for it).
 */
export interface Waiter {
  /** Global enqueue order, to serve the oldest of the server and backend queues first. */
  queueSeq: number;
  /** Set by the queue: false once granted or removed. */
  queued: boolean;
  /**
   * Set by the queue: the queue holding the waiter, undefined once granted
   * or removed. {@link PendingQueue.remove} only acts on its own waiters.
   */
  queuedIn?: PendingQueue | undefined;
  grant(server: Server): void;
  /** Closes the stream at once (streams implement it; see {@link ServerSession}). */
  kill?(): void;
}

/**
 * A stream holding a connection slot on a server, as haproxy's per-server
 * stream list (srv->per_thr[].streams): what `on-marked-down
 * shutdown-sessions` and `on-marked-up shutdown-backup-sessions` close.
 */
export interface ServerSession {
  kill?(): void;
}

let nextQueueSeq = 1;

/**
 * A FIFO of waiters with O(1) removal by marking (haproxy's pendconn list).
 * Removed entries are skipped lazily; `length` counts live entries only.
 *
 * An entry is live while its waiter's `queuedIn` is this queue: removing a
 * waiter from a queue that does not hold it is a no-op. (With a bare
 * `queued` flag, an HTTP stream waiting on a server queue that ended was
 * "removed" from the backend queue first: the backend queue's length went
 * to -1 and the server's stayed at 1 for good, so the idle server never
 * took a connection again and answered every request with a 503 after
 * `timeout queue`. A stale entry of a waiter queued again elsewhere also
 * looked live.)
 */
export class PendingQueue {
  private items: (Waiter | undefined)[] = [];
  private head = 0;
  length = 0;
  /** Waiters handed a slot so far (queue.c queue.idx): the logs' %sq/%bq positions (src/log/http-log.ts). */
  dequeued = 0;

  push(w: Waiter): void {
    w.queueSeq = nextQueueSeq++;
    w.queued = true;
    w.queuedIn = this;
    this.items.push(w);
    this.length++;
  }

  /** The oldest live waiter, without removing it. */
  peek(): Waiter | undefined {
    while (this.head < this.items.length) {
      const w = this.items[this.head];
      if (w !== undefined && w.queuedIn === this) return w;
      this.items[this.head] = undefined;
      this.head++;
    }
    this.compact();
    return undefined;
  }

  shift(): Waiter | undefined {
    const w = this.peek();
    if (w === undefined) return undefined;
    this.items[this.head] = undefined;
    this.head++;
    w.queued = false;
    w.queuedIn = undefined;
    this.length--;
    this.dequeued++;
    if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
    return w;
  }

  /** Removes a waiter (queue timeout, client gone); no-op when it is not queued. */
  remove(w: Waiter): void {
    if (w.queuedIn !== this) return;
    w.queued = false;
    w.queuedIn = undefined;
    this.length--;
  }

  private compact(): void {
    if (this.head === 0) return;
    this.items = this.items.slice(this.head).filter((w) => w !== undefined && w.queuedIn === this);
    this.head = 0;
  }
}

/**
 * What a server needs from its backend, implemented by `Backend` in
 * src/proxy/runtime.ts; kept as an interface so this file has no runtime
 * dependency on the proxy layer.
 */
export interface ServerOwner {
  readonly name: string;
  /** Word used in haproxy's messages: 'backend' or 'proxy' (a listen section). */
  readonly typeLabel: 'backend' | 'proxy';
  /** The backend-wide queue, for streams that no server could take yet. */
  readonly queue: PendingQueue;
  /** Usable active and backup servers (haproxy's srv_act / srv_bck). */
  readonly activeCount: number;
  readonly backupCount: number;
  /** Called after a connection slot is taken or released, for the algorithm. */
  onTake(s: Server): void;
  onDrop(s: Server): void;
  /** Called after the usability of a server changed (state, weight). */
  onServerChange(s: Server, wasUsable: boolean): void;
  /** The backend's counters: `curConns` is haproxy's beconn, read by the dynamic maxconn. */
  readonly counters?: { readonly curConns: number };
  /** The backend's servers, for `on-marked-up shutdown-backup-sessions`. */
  readonly servers?: readonly Server[];
}

/**
 * haproxy's analyze statuses (check.h HANA_STATUS_*) that streams report to
 * a server observed with `observe layer4|layer7` (src/server/server-observe.ts).
 */
export const Observed = {
  L4_OK: 1,
  L4_ERR: 2,
  HTTP_OK: 3,
  HTTP_STS: 4,
  HTTP_HDRRSP: 5,
  HTTP_RSP: 6,
  HTTP_READ_ERROR: 7,
  HTTP_READ_TIMEOUT: 8,
  HTTP_BROKEN_PIPE: 9,
} as const;
export type Observed = (typeof Observed)[keyof typeof Observed];

/** A runtime server. See the file comment. */
export class Server {
  readonly name: string;
  readonly address: SocketAddress;
  /** haproxy's puid: the `id` keyword, or the 1-based position in the backend. */
  readonly id: number;
  readonly backup: boolean;
  /** `maxconn` (0: unlimited); the agent's `maxconn:<n>` changes it at run time. */
  maxconn: number;
  /**
   * `minconn`: cfgparse.c check_config_validity() sets it to maxconn when
   * unset (a static limit) and raises maxconn to it when it is higher.
   */
  minconn: number;
  readonly maxqueue: number;
  /** The backend's `fullconn` (src/server/server-runtime.ts); 0 keeps the limit static. */
  fullconn = 0;
  /** `slowstart` in seconds, rounded up as haproxy stores it (server.c srv_parse_slowstart()). */
  readonly slowstart: number;
  /** SRV_ST_STARTING: warming up after coming back UP, while `slowstart` runs. */
  starting = false;
  /** The effective weight is forced to 0 (agent drain, `http-check disable-on-404`): set by ServerHealth. */
  weightForcedZero = false;
  /** SRV_ADMF_FMAINT: put in maintenance by its own agent (`maint`); set by ServerHealth. */
  forcedMaint = false;
  /** SRV_ADMF_IMAINT: in maintenance because the server it tracks is (src/server/server-transitions.ts). */
  inheritedMaint = false;
  /** SRV_ADMF_IDRAIN: drained because the server it tracks is; the effective weight is 0. */
  inheritedDrain = false;
  /** SRV_ST_STOPPING inherited through `track` (a tracked server answering 404 to `disable-on-404`). */
  trackStopping = false;
  /** BE_LB_PROP_DYN: the balance algorithm takes any weight, so slowstart ramps the weight. */
  dynamicWeights = true;
  readonly owner: ServerOwner;
  readonly config: ServerConfig;
  /** User weight 0..256 as configured or set at runtime. */
  uweight: number;
  /** Effective weight used by the algorithms (uweight * BE_WEIGHT_SCALE, less during slowstart). */
  eweight: number;
  /** Operational state from checks; MAINT is an administrative overlay. */
  operational: 'UP' | 'DOWN' = 'UP';
  maint: boolean;
  /** Connections currently established or being established to this server. */
  served = 0;
  readonly queue = new PendingQueue();
  readonly counters: ServerCounters = newCounters();
  readonly lb: LbSlot = { key: 0, npos: 0, lpos: 0, rweight: 0, wscore: 0, tree: -1, seq: 0, weight: 0, active: false, heap: -1 };
  /** Streams holding a slot here that can be closed (`on-marked-down shutdown-sessions`). */
  readonly sessions = new Set<ServerSession>();
  /** `track`: the server whose state this one follows (srv->track). */
  tracks: Server | undefined;
  /** The servers tracking this one, newest first as haproxy's srv->trackers list. */
  readonly trackers: Server[] = [];
  /** `observe layer4|layer7`: receives what streams saw (src/server/server-observe.ts). */
  observer: ((status: Observed) => void) | undefined;
  private warmup: NodeJS.Timeout | undefined;

  constructor(config: ServerConfig, owner: ServerOwner, position: number) {
    this.config = config;
    this.name = config.name;
    this.address = config.address;
    this.id = config.id ?? position;
    this.backup = config.backup === true;
    this.maxconn = config.maxconn ?? 0;
    this.minconn = config.minconn ?? 0;
    // cfgparse.c check_config_validity(): minconn > maxconn turns into maxconn;
    // no minconn makes the limit static (minconn = maxconn).
    if (this.minconn > this.maxconn) this.maxconn = this.minconn;
    else if (this.maxconn > 0 && this.minconn === 0) this.minconn = this.maxconn;
    this.maxqueue = config.maxqueue ?? 0;
    this.slowstart = Math.trunc(((config.slowstart ?? 0) + 999) / 1000);
    this.owner = owner;
    // configuration.txt §5.2 "weight": default 1, range 0..256.
    this.uweight = Math.max(0, Math.min(SRV_UWGHT_MAX, config.weight ?? 1));
    this.eweight = this.uweight * BE_WEIGHT_SCALE;
    this.maint = config.disabled === true;
  }

  /** Whether a cause other than `track` holds the server in maintenance: `disabled` (CMAINT), no address (RMAINT), its agent (FMAINT). */
  get ownMaint(): boolean {
    return this.config.disabled === true || this.address.unresolved === true || this.forcedMaint;
  }

  /** `be/srv`, as in haproxy's messages. */
  get fullName(): string {
    return `${this.owner.name}/${this.name}`;
  }

  get state(): ServerState {
    return this.maint ? 'MAINT' : this.operational;
  }

  /** haproxy's srv_currently_usable(): UP, not in maintenance, non-zero weight. */
  get usable(): boolean {
    return !this.maint && this.operational === 'UP' && this.eweight > 0;
  }

  /**
   * backend.c srv_dynamic_maxconn(): with `minconn` below `maxconn`, the limit
   * follows the backend's load, max(minconn, beconn * maxconn / fullconn), up
   * to maxconn once the backend holds `fullconn` connections; during slowstart
   * it ramps from 1 to 100% of that. Only meaningful when `maxconn` is set.
   */
  dynamicMaxconn(nowMs?: number): number {
    let max = this.maxconn;
    const full = this.fullconn;
    if (this.minconn !== max && full > 0) {
      const beconn = this.owner.counters?.curConns ?? 0;
      if (beconn < full) max = Math.max(this.minconn, Math.trunc((beconn * max) / full));
    }
    if (this.starting) {
      const elapsed = Math.floor((nowMs ?? Date.now()) / 1000) - Math.floor(this.counters.lastChange / 1000);
      if (elapsed >= 0 && elapsed < this.slowstart) {
        const ratio = Math.trunc((100 * elapsed) / this.slowstart);
        max = Math.max(1, Math.trunc((max * ratio) / 100));
      }
    }
    return max;
  }

  /** Whether a new connection may go to this server now without queueing (lb_fwrr's saturation test). */
  hasFreeSlot(): boolean {
    return this.maxconn === 0 || (this.queue.length === 0 && this.served < this.dynamicMaxconn());
  }

  /** Takes a connection slot (haproxy's sess_change_server + served++); `sess` can then be shut down. */
  take(sess?: ServerSession): void {
    this.served++;
    this.counters.cumConns++;
    this.counters.lastSession = Date.now();
    if (this.served > this.counters.maxConns) this.counters.maxConns = this.served;
    if (sess?.kill !== undefined) this.sessions.add(sess);
    this.owner.onTake(this);
  }

  /** Releases a slot and hands it to the oldest waiter (haproxy's process_srv_queue). */
  drop(sess?: ServerSession): void {
    this.served--;
    if (sess !== undefined) this.sessions.delete(sess);
    // A stream that released its slot without naming itself cannot stay registered past the last slot.
    if (this.served <= 0) this.sessions.clear();
    this.owner.onDrop(this);
    this.processQueue();
  }

  /**
   * Closes every stream holding a slot here (server.c srv_shutdown_streams());
   * they release their slots as they finish. Returns how many were closed.
   */
  killSessions(): number {
    if (this.sessions.size === 0) return 0;
    const list = [...this.sessions];
    this.sessions.clear();
    for (const sess of list) sess.kill?.();
    return list.length;
  }

  /** A stream's observation for `observe` (check.c health_adjust()); no-op when not observed. */
  observe(status: Observed): void {
    const o = this.observer;
    if (o !== undefined) o(status);
  }

  /** Queues a waiter on this server (it was assigned this server but the server is full). */
  enqueue(w: Waiter): void {
    this.queue.push(w);
    this.counters.queued++;
    if (this.queue.length > this.counters.maxQueue) this.counters.maxQueue = this.queue.length;
  }

  /**
   * Gives free slots to queued streams, oldest first between this server's
   * queue and the backend's (queue.c: pendconn_process_next_strm).
   */
  processQueue(): void {
    while (this.usable && (this.maxconn === 0 || this.served < this.dynamicMaxconn())) {
      const mine = this.queue.peek();
      const theirs = this.owner.queue.peek();
      let w: Waiter | undefined;
      if (mine !== undefined && (theirs === undefined || mine.queueSeq < theirs.queueSeq)) w = this.queue.shift();
      else if (theirs !== undefined) w = this.owner.queue.shift();
      if (w === undefined) return;
      this.take(w);
      w.grant(this);
    }
  }

  /**
   * The effective weight the server should have now (server.c
   * server_recalc_eweight()): 0 when forced (drain, stopping, own or inherited), else uweight * BE_WEIGHT_SCALE,
   * or during slowstart uweight * (SCALE * elapsed + slowstart) / slowstart
   * (whole seconds, at least uweight) when the algorithm takes dynamic weights.
   * Ends the warm-up once `slowstart` seconds have passed.
   */
  targetEweight(nowMs?: number): number {
    let w = BE_WEIGHT_SCALE;
    if (this.starting) {
      const now = Math.floor((nowMs ?? Date.now()) / 1000);
      const since = Math.floor(this.counters.lastChange / 1000);
      if (now < since || now >= since + this.slowstart) this.stopWarmup();
      else if (this.dynamicWeights) w = Math.trunc((BE_WEIGHT_SCALE * (now - since) + this.slowstart) / this.slowstart);
    }
    return this.weightForcedZero || this.inheritedDrain || this.trackStopping ? 0 : this.uweight * w;
  }

  /** Applies {@link targetEweight} and tells the algorithm when it changed. */
  refreshEweight(nowMs?: number): void {
    const next = this.targetEweight(nowMs);
    if (next === this.eweight) return;
    const was = this.usable;
    this.eweight = next;
    this.owner.onServerChange(this, was);
  }

  /** Changes the user weight (0..256), as `set weight` will. */
  setWeight(w: number): void {
    this.uweight = Math.max(0, Math.min(SRV_UWGHT_MAX, Math.trunc(w)));
    this.refreshEweight();
  }

  /**
   * SRV_ST_STARTING (server.c srv_set_running()): the weight and maxconn ramp
   * up; server_warmup() recomputes them every second and lets queued streams
   * in (pendconn_grab_from_px()).
   */
  private startWarmup(): void {
    if (this.slowstart <= 0) return;
    this.starting = true;
    if (this.warmup !== undefined) return;
    this.warmup = setInterval(() => {
      this.refreshEweight();
      if (!this.starting) this.stopWarmup();
      this.grabFromBackend();
    }, 1000);
    this.warmup.unref();
  }

  private stopWarmup(): void {
    this.starting = false;
    if (this.warmup !== undefined) clearInterval(this.warmup);
    this.warmup = undefined;
  }

  /** Operational change from checks (or tests); returns false when nothing changed. */
  setOperational(up: boolean): boolean {
    const next = up ? 'UP' : 'DOWN';
    if (this.operational === next) return false;
    const was = this.usable;
    this.operational = next;
    this.counters.lastChange = Date.now();
    if (!up) {
      this.counters.downTransitions++;
      this.stopWarmup();
    } else if (!this.maint) {
      // configuration.txt §5.2 "slowstart": only after the server was seen failed.
      this.startWarmup();
    }
    this.eweight = this.targetEweight();
    this.owner.onServerChange(this, was);
    return true;
  }

  /** Enters or leaves maintenance (`disabled`, `set server ... state maint`). */
  setMaint(maint: boolean): boolean {
    if (this.maint === maint) return false;
    const was = this.usable;
    this.maint = maint;
    this.counters.lastChange = Date.now();
    // server_recalc_eweight(): leaving maintenance starts at the slowstart's first step.
    if (maint) this.stopWarmup();
    else if (this.operational === 'UP') this.startWarmup();
    this.eweight = this.targetEweight();
    this.owner.onServerChange(this, was);
    return true;
  }

  /**
   * Moves the streams queued on this server to the backend queue when it goes
   * down (queue.c: pendconn_redistribute); returns how many moved.
   */
  redistributeQueue(): number {
    let n = 0;
    for (let w = this.queue.shift(); w !== undefined; w = this.queue.shift()) {
      this.owner.queue.push(w);
      n++;
    }
    return n;
  }

  /**
   * Pulls streams from the backend queue into free slots when the server
   * comes up (queue.c: pendconn_grab_from_px); returns how many were served.
   */
  grabFromBackend(): number {
    let n = 0;
    while (this.usable && (this.maxconn === 0 || this.served < this.dynamicMaxconn())) {
      const w = this.owner.queue.shift();
      if (w === undefined) break;
      this.take(w);
      w.grant(this);
      n++;
    }
    return n;
  }
}

/**
 * haproxy's recount_servers(): usable active/backup counts, their total
 * effective weights and the first usable backup (used alone unless
 * `option allbackups`). Shared by the balance algorithms.
 */
export interface ServerGroups {
  active: Server[];
  backup: Server[];
  totalActiveWeight: number;
  totalBackupWeight: number;
  firstBackup: Server | undefined;
}

/** Computes {@link ServerGroups} over servers in declaration order. */
export function recountServers(servers: readonly Server[], allBackups: boolean): ServerGroups {
  const g: ServerGroups = { active: [], backup: [], totalActiveWeight: 0, totalBackupWeight: 0, firstBackup: undefined };
  for (const s of servers) {
    if (!s.usable) continue;
    if (s.backup) {
      if (g.backup.length === 0 && !allBackups) g.firstBackup = s;
      g.backup.push(s);
      g.totalBackupWeight += s.eweight;
    } else {
      g.active.push(s);
      g.totalActiveWeight += s.eweight;
    }
  }
  return g;
}

/**
 * The servers a map-based algorithm spreads over (backend.c:
 * update_backend_weight): the active ones, else the first backup alone,
 * else all backups (`option allbackups`).
 */
export function eligibleServers(g: ServerGroups): Server[] {
  if (g.active.length > 0) return g.active;
  if (g.firstBackup !== undefined) return [g.firstBackup];
  return g.backup;
}

let nextTreeSeq = 1;

/**
 * Servers ordered by `lb.key`, equal keys in insertion order: the part of
 * haproxy's eb32 trees the algorithms rely on (ebtree.h: duplicates are
 * visited in insertion order). Backends hold few servers, so a sorted array
 * beats a tree here.
 */
export class ServerTree {
  readonly items: Server[] = [];

  constructor(readonly id: number) {}

  /** Inserts `s` with its current `lb.key`, after every server of equal key. */
  insert(s: Server): void {
    const key = s.lb.key;
    const a = this.items;
    let lo = 0;
    let hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = a[mid];
      if (m !== undefined && m.lb.key <= key) lo = mid + 1;
      else hi = mid;
    }
    a.splice(lo, 0, s);
    s.lb.tree = this.id;
    s.lb.seq = nextTreeSeq++;
  }

  first(): Server | undefined {
    return this.items[0];
  }

  /** Removes `s` if present; leaves `lb.tree` as is (like eb32_delete). */
  delete(s: Server): boolean {
    const i = this.items.indexOf(s);
    if (i < 0) return false;
    this.items.splice(i, 1);
    return true;
  }

  has(s: Server): boolean {
    return this.items.includes(s);
  }

  clear(): void {
    this.items.length = 0;
  }
}
