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
  grant(server: Server): void;
}

let nextQueueSeq = 1;

/**
 * A FIFO of waiters with O(1) removal by marking (haproxy's pendconn list).
 * Removed entries are skipped lazily; `length` counts live entries only.
 */
export class PendingQueue {
  private items: (Waiter | undefined)[] = [];
  private head = 0;
  length = 0;

  push(w: Waiter): void {
    w.queueSeq = nextQueueSeq++;
    w.queued = true;
    this.items.push(w);
    this.length++;
  }

  /** The oldest live waiter, without removing it. */
  peek(): Waiter | undefined {
    while (this.head < this.items.length) {
      const w = this.items[this.head];
      if (w !== undefined && w.queued) return w;
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
    this.length--;
    if (this.head > 1024 && this.head * 2 > this.items.length) this.compact();
    return w;
  }

  /** Removes a waiter (queue timeout, client gone); no-op when it is not queued. */
  remove(w: Waiter): void {
    if (!w.queued) return;
    w.queued = false;
    this.length--;
  }

  private compact(): void {
    if (this.head === 0) return;
    this.items = this.items.slice(this.head).filter((w) => w !== undefined && w.queued);
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
}

/** A runtime server. See the file comment. */
export class Server {
  readonly name: string;
  readonly address: SocketAddress;
  /** haproxy's puid: the `id` keyword, or the 1-based position in the backend. */
  readonly id: number;
  readonly backup: boolean;
  readonly maxconn: number;
  readonly maxqueue: number;
  readonly owner: ServerOwner;
  readonly config: ServerConfig;
  /** User weight 0..256 as configured or set at runtime. */
  uweight: number;
  /** Effective weight used by the algorithms (uweight * BE_WEIGHT_SCALE). */
  eweight: number;
  /** Operational state from checks; MAINT is an administrative overlay. */
  operational: 'UP' | 'DOWN' = 'UP';
  maint: boolean;
  /** Connections currently established or being established to this server. */
  served = 0;
  readonly queue = new PendingQueue();
  readonly counters: ServerCounters = newCounters();
  readonly lb: LbSlot = { key: 0, npos: 0, lpos: 0, rweight: 0, wscore: 0, tree: -1, seq: 0, weight: 0, active: false };

  constructor(config: ServerConfig, owner: ServerOwner, position: number) {
    this.config = config;
    this.name = config.name;
    this.address = config.address;
    this.id = config.id ?? position;
    this.backup = config.backup === true;
    this.maxconn = config.maxconn ?? 0;
    this.maxqueue = config.maxqueue ?? 0;
    this.owner = owner;
    // configuration.txt §5.2 "weight": default 1, range 0..256.
    this.uweight = Math.max(0, Math.min(SRV_UWGHT_MAX, config.weight ?? 1));
    this.eweight = this.uweight * BE_WEIGHT_SCALE;
    this.maint = config.disabled === true;
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

  /** Whether a new connection may go to this server now without queueing (lb_fwrr's saturation test). */
  hasFreeSlot(): boolean {
    return this.maxconn === 0 || (this.queue.length === 0 && this.served < this.maxconn);
  }

  /** Takes a connection slot (haproxy's sess_change_server + served++). */
  take(): void {
    this.served++;
    this.counters.cumConns++;
    this.counters.lastSession = Date.now();
    if (this.served > this.counters.maxConns) this.counters.maxConns = this.served;
    this.owner.onTake(this);
  }

  /** Releases a slot and hands it to the oldest waiter (haproxy's process_srv_queue). */
  drop(): void {
    this.served--;
    this.owner.onDrop(this);
    this.processQueue();
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
    while (this.usable && (this.maxconn === 0 || this.served < this.maxconn)) {
      const mine = this.queue.peek();
      const theirs = this.owner.queue.peek();
      let w: Waiter | undefined;
      if (mine !== undefined && (theirs === undefined || mine.queueSeq < theirs.queueSeq)) w = this.queue.shift();
      else if (theirs !== undefined) w = this.owner.queue.shift();
      if (w === undefined) return;
      this.take();
      w.grant(this);
    }
  }

  /** Changes the user weight (0..256), as `set weight` will. */
  setWeight(w: number): void {
    const was = this.usable;
    this.uweight = Math.max(0, Math.min(SRV_UWGHT_MAX, Math.trunc(w)));
    this.eweight = this.uweight * BE_WEIGHT_SCALE;
    this.owner.onServerChange(this, was);
  }

  /** Operational change from checks (or tests); returns false when nothing changed. */
  setOperational(up: boolean): boolean {
    const next = up ? 'UP' : 'DOWN';
    if (this.operational === next) return false;
    const was = this.usable;
    this.operational = next;
    this.counters.lastChange = Date.now();
    if (!up) this.counters.downTransitions++;
    this.owner.onServerChange(this, was);
    return true;
  }

  /** Enters or leaves maintenance (`disabled`, `set server ... state maint`). */
  setMaint(maint: boolean): boolean {
    if (this.maint === maint) return false;
    const was = this.usable;
    this.maint = maint;
    this.counters.lastChange = Date.now();
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
    while (this.usable && (this.maxconn === 0 || this.served < this.maxconn)) {
      const w = this.owner.queue.shift();
      if (w === undefined) break;
      this.take();
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
