/**
 * haproxy's consistent hashing ring (src/lb_chash.c), the lookup of every
 * hash algorithm under `hash-type consistent` and of `balance random`
 * (configuration.txt §4.2 "hash-type", "random").
 *
 * Each usable server owns `eweight` points (user weight × BE_WEIGHT_SCALE =
 * 16 per unit of weight) on a 32-bit ring; point `j` of the server with id
 * `puid` sits at `full_hash(puid * SRV_EWGHT_RANGE + j)`, so a server's points
 * do not depend on the other servers: taking a server down, bringing it back
 * or changing its weight only moves the keys of the points it loses or gains.
 * A hash goes to the server of the closest point, the one before it on a tie
 * (chash_get_server_hash()).
 *
 * The ring is a sorted array of point keys with a parallel array of owners
 * (haproxy uses an eb32 tree): lookups are a binary search, O(log n); a
 * server change rewrites the array once, O(points).
 *
 * `hash-balance-factor` (bounded loads, "Consistent Hashing with Bounded
 * Loads"): a server is skipped, walking the ring forward, while it serves as
 * many connections as its share of `factor`% of the backend's total
 * (chash_server_is_eligible()).
 */
import { fullHash } from './hash-functions.js';
import { BE_WEIGHT_SCALE, SRV_EWGHT_MAX, type Server } from '../server/server.js';

/** server-t.h SRV_EWGHT_RANGE: a server may have up to this many points, so ids are spaced by it. */
export const SRV_EWGHT_RANGE = SRV_EWGHT_MAX;

/** The ring key of point `node` of the server with id `puid` (lb_chash.c, 32-bit wrapping as with -fwrapv). */
export function chashNodeKey(puid: number, node: number): number {
  return fullHash((Math.imul(puid, SRV_EWGHT_RANGE) + node) | 0);
}

/** One ring (haproxy has one for active servers and one for backups). */
class Ring {
  keys = new Uint32Array(0);
  /** Index of the owning server in ChashTree.servers. */
  owners = new Int32Array(0);
  /** Which point of its server each entry is (for `last`). */
  points = new Int32Array(0);
  size = 0;
  /**
   * Bucket index over the top `bits` bits of the keys: `start[b]` is the
   * first entry whose key is >= b << (32 - bits). About one point per
   * bucket, so a lookup is one index read and a step or two: O(1) expected
   * instead of the binary search's O(log n) cache misses on large rings.
   */
  private start = new Int32Array(1);
  private shift = 32;

  /** Rebuilds the bucket index; called after every change of `keys`. */
  reindex(): void {
    let bits = 0;
    while (bits < 20 && 1 << bits < this.size) bits++;
    const nb = 1 << bits;
    this.shift = 32 - bits;
    const start = new Int32Array(nb + 1);
    let i = 0;
    for (let b = 0; b < nb; b++) {
      // Keys are unsigned: compare bucket numbers, not shifted keys.
      while (i < this.size && (bits === 0 ? 0 : this.keys[i]! >>> this.shift) < b) i++;
      start[b] = i;
    }
    start[nb] = this.size;
    this.start = start;
  }

  /** eb32_lookup_ge(): index of the first key >= hash, or `size`. */
  lowerBound(hash: number): number {
    const k = this.keys;
    const b = this.shift === 32 ? 0 : hash >>> this.shift;
    let lo = this.start[b]!;
    let hi = this.start[b + 1]!;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (k[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of point `point` of server `owner`, or -1. */
  find(key: number, owner: number, point: number): number {
    for (let i = this.lowerBound(key); i < this.size && this.keys[i] === key; i++) {
      if (this.owners[i] === owner && this.points[i] === point) return i;
    }
    return -1;
  }

  /**
   * Removes every point of `owner` with index >= `fromPoint`, then inserts
   * `add` (points of `owner`, sorted by key, each after existing equal keys
   * as ebtree duplicates are), in one pass.
   */
  rewrite(owner: number, fromPoint: number, add: ReadonlyArray<{ key: number; point: number }>): void {
    let kept = 0;
    for (let i = 0; i < this.size; i++) {
      if (!(this.owners[i] === owner && this.points[i]! >= fromPoint)) kept++;
    }
    const n = kept + add.length;
    const keys = new Uint32Array(n);
    const owners = new Int32Array(n);
    const points = new Int32Array(n);
    let o = 0;
    let a = 0;
    for (let i = 0; i < this.size; i++) {
      const k = this.keys[i]!;
      if (this.owners[i] === owner && this.points[i]! >= fromPoint) continue;
      while (a < add.length && add[a]!.key < k) {
        keys[o] = add[a]!.key;
        owners[o] = owner;
        points[o++] = add[a++]!.point;
      }
      keys[o] = k;
      owners[o] = this.owners[i]!;
      points[o++] = this.points[i]!;
    }
    while (a < add.length) {
      keys[o] = add[a]!.key;
      owners[o] = owner;
      points[o++] = add[a++]!.point;
    }
    this.keys = keys;
    this.owners = owners;
    this.points = points;
    this.size = n;
    this.reindex();
  }
}

/** Where chash_get_next_server() stopped: haproxy's lbprm.chash.last, a node of one ring. */
interface LastNode {
  ring: Ring;
  key: number;
  owner: number;
  point: number;
}

export interface ChashOptions {
  /** `option allbackups`. */
  readonly allBackups: boolean;
  /** `hash-balance-factor` (0 or >100; 0 disables bounded loads). */
  readonly hashBalanceFactor?: number | undefined;
}

/** The consistent-hashing state of one backend (haproxy's lbprm.chash). */
export class ChashTree {
  readonly servers: readonly Server[];
  private readonly index = new Map<Server, number>();
  private readonly act = new Ring();
  private readonly bck = new Ring();
  private readonly allBackups: boolean;
  readonly hashBalanceFactor: number;
  /** Points each server has in its ring (lb_nodes_now) and has keys for (lb_nodes_tot). */
  private readonly nodesNow: Int32Array;
  private readonly nodesTot: Int32Array;
  /** recount_servers(): weight of the servers before it in its group, computed once at start as haproxy does. */
  private readonly cumulative: Float64Array;
  private srvAct = 0;
  private srvBck = 0;
  private totWact = 0;
  private totWbck = 0;
  private fbck: Server | undefined;
  /** lbprm.tot_weight and tot_used (backend.c update_backend_weight()). */
  totWeight = 0;
  totUsed = 0;
  /** px->served: connections served by all servers of the backend. */
  private served = 0;
  private last: LastNode | undefined;

  constructor(servers: readonly Server[], opts: ChashOptions) {
    this.servers = servers;
    this.allBackups = opts.allBackups;
    this.hashBalanceFactor = opts.hashBalanceFactor ?? 0;
    const n = servers.length;
    this.nodesNow = new Int32Array(n);
    this.nodesTot = new Int32Array(n);
    this.cumulative = new Float64Array(n);
    // chash_init_server_tree(): recount_servers(), then queue each usable server.
    servers.forEach((s, i) => {
      this.index.set(s, i);
      this.served += s.served;
      s.lb.weight = s.eweight;
      s.lb.active = s.usable;
      this.nodesTot[i] = s.uweight * BE_WEIGHT_SCALE;
      if (!s.usable) return;
      if (s.backup) {
        if (this.srvBck === 0 && !this.allBackups) this.fbck = s;
        this.srvBck++;
        this.cumulative[i] = this.totWbck;
        this.totWbck += s.eweight;
      } else {
        this.srvAct++;
        this.cumulative[i] = this.totWact;
        this.totWact += s.eweight;
      }
    });
    this.updateBackendWeight();
    // Initial fill: every usable server's points, sorted once.
    for (const [ring, backup] of [[this.act, false], [this.bck, true]] as const) {
      const all: Array<{ key: number; owner: number; point: number }> = [];
      servers.forEach((s, i) => {
        if (!s.usable || s.backup !== backup) return;
        const want = Math.min(s.eweight, this.nodesTot[i]!);
        for (let j = 0; j < want; j++) all.push({ key: chashNodeKey(s.id, j), owner: i, point: j });
        this.nodesNow[i] = want;
      });
      // Array.prototype.sort is stable: equal keys keep declaration order, as successive eb32 inserts.
      all.sort((a, b) => a.key - b.key);
      ring.keys = Uint32Array.from(all, (x) => x.key);
      ring.owners = Int32Array.from(all, (x) => x.owner);
      ring.points = Int32Array.from(all, (x) => x.point);
      ring.size = all.length;
      ring.reindex();
    }
  }

  /** backend.c update_backend_weight(). */
  private updateBackendWeight(): void {
    if (this.srvAct > 0) {
      this.totWeight = this.totWact;
      this.totUsed = this.srvAct;
    } else if (this.fbck !== undefined) {
      this.totWeight = this.fbck.eweight;
      this.totUsed = 1;
    } else {
      this.totWeight = this.totWbck;
      this.totUsed = this.srvBck;
    }
  }

  private ringOf(s: Server): Ring {
    return s.backup ? this.bck : this.act;
  }

  /**
   * chash_skip_node() applied to `last` while points [from, now) of `owner`
   * leave `ring`: `last` moves to the first surviving node after it, or
   * none when no other node remains.
   */
  private skipLast(ring: Ring, owner: number, from: number): void {
    const l = this.last;
    if (l === undefined || l.ring !== ring || l.owner !== owner || l.point < from) return;
    const at = ring.find(l.key, l.owner, l.point);
    if (at < 0) return;
    for (let step = 1; step < ring.size; step++) {
      const i = (at + step) % ring.size;
      if (ring.owners[i] === owner && ring.points[i]! >= from) continue;
      this.last = { ring, key: ring.keys[i]!, owner: ring.owners[i]!, point: ring.points[i]! };
      return;
    }
    this.last = undefined;
  }

  /** chash_dequeue_srv(): removes all of a server's points. */
  private dequeueAll(i: number, s: Server): void {
    if (this.nodesNow[i] === 0) return;
    const ring = this.ringOf(s);
    this.skipLast(ring, i, 0);
    ring.rewrite(i, 0, []);
    this.nodesNow[i] = 0;
  }

  /**
   * chash_queue_dequeue_srv(): gives the server exactly `eweight` points,
   * dropping its last ones or adding the next ones. Growing past the points
   * it was created with first takes all of them out (haproxy reallocates the
   * nodes), which only matters to the round-robin position.
   */
  private queueDequeue(i: number, s: Server): void {
    const ring = this.ringOf(s);
    const want = s.eweight;
    let now = this.nodesNow[i]!;
    if (now > want) {
      this.skipLast(ring, i, want);
      ring.rewrite(i, want, []);
      now = want;
    }
    if (this.nodesTot[i]! < want) {
      this.dequeueAll(i, s);
      now = 0;
      this.nodesTot[i] = want;
    }
    if (now < want) {
      const add: Array<{ key: number; point: number }> = [];
      for (let j = now; j < want; j++) add.push({ key: chashNodeKey(s.id, j), point: j });
      add.sort((a, b) => a.key - b.key);
      ring.rewrite(i, want, add);
    }
    this.nodesNow[i] = want;
  }

  /** chash_set_server_status_up() */
  onServerUp(s: Server): void {
    const i = this.index.get(s);
    if (i === undefined || s.lb.active || !s.usable) return;
    if (s.backup) {
      this.totWbck += s.eweight;
      this.srvBck++;
      if (!this.allBackups) {
        // A backup restored before the current first backup replaces it.
        if (this.fbck === undefined || i < (this.index.get(this.fbck) ?? Infinity)) this.fbck = s;
      }
    } else {
      this.totWact += s.eweight;
      this.srvAct++;
    }
    this.queueDequeue(i, s);
    this.updateBackendWeight();
    s.lb.active = true;
    s.lb.weight = s.eweight;
  }

  /** chash_set_server_status_down() */
  onServerDown(s: Server): void {
    const i = this.index.get(s);
    if (i === undefined || !s.lb.active || s.usable) return;
    if (s.backup) {
      this.totWbck -= s.lb.weight;
      this.srvBck--;
      if (s === this.fbck) {
        // "we lost the first backup server in a single-backup configuration,
        // we must search another one."
        let next: Server | undefined;
        for (let k = i + 1; k < this.servers.length; k++) {
          const c = this.servers[k]!;
          if (c.backup && c.usable) {
            next = c;
            break;
          }
        }
        this.fbck = next;
      }
    } else {
      this.totWact -= s.lb.weight;
      this.srvAct--;
    }
    this.dequeueAll(i, s);
    this.updateBackendWeight();
    s.lb.active = false;
    s.lb.weight = s.eweight;
  }

  /** chash_update_server_weight(): only the server's own points change. */
  onWeightChange(s: Server): void {
    const i = this.index.get(s);
    if (i === undefined) return;
    const was = s.lb.active;
    const now = s.usable;
    if (!was && !now) {
      s.lb.weight = s.eweight;
      return;
    }
    if (!was) return this.onServerUp(s);
    if (!now) return this.onServerDown(s);
    this.queueDequeue(i, s);
    if (s.backup) this.totWbck += s.eweight - s.lb.weight;
    else this.totWact += s.eweight - s.lb.weight;
    this.updateBackendWeight();
    s.lb.weight = s.eweight;
  }

  onConnectionStart(_s: Server): void {
    this.served++;
  }

  onConnectionEnd(_s: Server): void {
    this.served--;
  }

  /**
   * lb_chash.c chash_server_is_eligible(): the server may take one more
   * connection while it serves fewer than its weighted share of
   * `ceil((served + 1) * factor / 100)` slots.
   */
  private eligible(i: number, s: Server): boolean {
    const tot = this.totWeight;
    const totSlots = Math.trunc(((this.served + 1) * this.hashBalanceFactor + 99) / 100);
    const perWeight = Math.trunc(totSlots / tot);
    const remainder = totSlots % tot;
    const w = s.lb.weight;
    const cum = this.cumulative[i]!;
    let slots = w * perWeight;
    slots += Math.trunc(((cum + w) * remainder) / tot) - Math.trunc((cum * remainder) / tot);
    if (slots === 0) slots = 1;
    return s.served < slots;
  }

  /** The ring in use: active servers, else backups (the first one alone without `option allbackups`). */
  private ringInUse(): Ring | Server | undefined {
    if (this.srvAct > 0) return this.act;
    if (this.fbck !== undefined) return this.fbck;
    if (this.srvBck > 0) return this.bck;
    return undefined;
  }

  /** lb_chash.c chash_get_server_hash(): the server of the point closest to `hash`. */
  byHash(hash: number, avoid: Server | undefined): Server | undefined {
    const r = this.ringInUse();
    if (r === undefined) return undefined;
    if (!(r instanceof Ring)) return r;
    const n = r.size;
    if (n === 0) return undefined;
    const h = hash >>> 0;
    let next = r.lowerBound(h);
    if (next === n) next = 0;
    const prev = next === 0 ? n - 1 : next - 1;
    // Unsigned distances around the ring; a tie goes to the point before.
    const dp = (h - r.keys[prev]!) >>> 0;
    const dn = (r.keys[next]! - h) >>> 0;
    if (dp <= dn) next = prev;
    let owner = r.owners[next]!;
    let srv = this.servers[owner]!;
    const factor = this.hashBalanceFactor;
    let loop = 0;
    while (srv === avoid || (factor !== 0 && !this.eligible(owner, srv))) {
      next++;
      if (next === n) {
        next = 0;
        if (++loop > 1) break; // "protection against accidental loop"
      }
      owner = r.owners[next]!;
      srv = this.servers[owner]!;
    }
    return srv;
  }

  /**
   * lb_chash.c chash_get_next_server(): round robin over the ring points, for
   * requests without a hash key; skips saturated servers and `avoid` unless
   * nothing else is left.
   */
  nextRoundRobin(avoid: Server | undefined): Server | undefined {
    const root = this.ringInUse();
    if (root === undefined) return undefined;
    if (!(root instanceof Ring)) return root;
    if (root.size === 0) {
      this.last = undefined;
      return undefined;
    }
    // eb32_next() walks the tree of the `last` node, which may be the other
    // ring (backups were in use until an active server came back); at the
    // end of that tree the walk continues from the first node of `root`.
    let ring: Ring | undefined;
    let node = -1;
    const l = this.last;
    if (l !== undefined) {
      const at = l.ring.find(l.key, l.owner, l.point);
      if (at >= 0) {
        ring = l.ring;
        node = at;
      }
    }
    // "if we came here after a down/up cycle with no last pointer [...] we
    // must set stop to non-null": without one, only the first node is tried.
    let stopRing = ring;
    let stop = node;
    let avoided: Server | undefined;
    let avoidedRing: Ring = root;
    let avoidedAt = -1;
    // haproxy loops forever if `stop` is in a tree the walk never re-enters
    // and every server is saturated; stop after two rounds of `root`.
    let wraps = 0;
    for (;;) {
      if (ring !== undefined && node + 1 < ring.size) {
        node++;
      } else {
        ring = root;
        node = 0;
        if (++wraps > 2) break;
      }
      this.setLast(ring, node);
      if (stopRing === undefined) {
        stopRing = ring;
        stop = node;
      }
      const s = this.servers[ring.owners[node]!]!;
      if (s.maxconn === 0 || (s.queue.length === 0 && s.served < s.maxconn)) {
        if (s !== avoid) return s;
        avoided = s;
        avoidedRing = ring;
        avoidedAt = node;
      }
      if (ring === stopRing && node === stop) break;
    }
    if (avoided !== undefined) this.setLast(avoidedRing, avoidedAt);
    else this.last = undefined;
    return avoided;
  }

  private setLast(r: Ring, i: number): void {
    this.last = { ring: r, key: r.keys[i]!, owner: r.owners[i]!, point: r.points[i]! };
  }

  /** How many points each server has on its ring now (for tests and `show` commands). */
  pointsOf(s: Server): number {
    const i = this.index.get(s);
    return i === undefined ? 0 : this.nodesNow[i]!;
  }
}
