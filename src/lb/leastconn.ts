/**
 * `balance leastconn`: the server with the fewest in-flight connections
 * relative to its weight (src/lb_fwlc.c). Servers sit in a tree keyed by
 * `(inflight + 1) * SRV_EWGHT_MAX / eweight` (0 when idle); a server whose key
 * changes is reinserted after its equals, which rotates among equally loaded
 * servers like haproxy does.
 *
 * The trees are binary heaps (src/lb/server-heap.ts): taking, releasing and
 * picking cost O(log n); a pick walks past saturated servers in order as
 * haproxy's tree walk does, O(1) when the least loaded one has room.
 */
import type { AlgorithmOptions, BalanceAlgorithm, PickContext } from './registry.js';
import { recountServers, Server, SRV_EWGHT_MAX } from '../server/server.js';
import { ServerHeap } from './server-heap.js';

/** lb_fwlc.c: fwlc_queue_srv() key. */
function fwlcKey(s: Server): number {
  const inflight = s.served + s.queue.length;
  return inflight === 0 ? 0 : Math.trunc(((inflight + 1) * SRV_EWGHT_MAX) / s.lb.weight);
}

/** Weighted least connections, haproxy's lb_fwlc. */
export class LeastConn implements BalanceAlgorithm {
  readonly name = 'leastconn';
  readonly kind = 'cb' as const;
  private readonly servers: readonly Server[];
  private readonly allBackups: boolean;
  private readonly act = new ServerHeap(0);
  private readonly bck = new ServerHeap(1);
  private firstBackup: Server | undefined;
  private srvAct = 0;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    this.servers = servers;
    this.allBackups = opts.allBackups;
    for (const s of servers) {
      s.lb.weight = s.eweight;
      s.lb.active = s.usable;
      s.lb.tree = -1;
      if (s.usable) this.queue(s);
    }
    this.recount();
  }

  private recount(): void {
    const g = recountServers(this.servers, this.allBackups);
    this.srvAct = g.active.length;
    this.firstBackup = g.firstBackup;
  }

  private queue(s: Server): void {
    s.lb.key = fwlcKey(s);
    (s.backup ? this.bck : this.act).insert(s);
  }

  private dequeue(s: Server): void {
    (s.backup ? this.bck : this.act).delete(s);
    s.lb.tree = -1;
  }

  /** fwlc_get_next_server(): first non-saturated server in key order. */
  pick(ctx: PickContext): Server | undefined {
    let tree: ServerHeap;
    if (this.srvAct > 0) tree = this.act;
    else if (this.firstBackup !== undefined) return this.firstBackup;
    else tree = this.bck;
    const first = tree.first();
    if (first === undefined) return undefined;
    // Fast path: the least loaded server has room and is not avoided.
    if (first !== ctx.avoid && this.hasRoom(first)) return first;
    let found: Server | undefined;
    let avoided: Server | undefined;
    const avoid = ctx.avoid;
    tree.forEachInOrder((s) => {
      if (!this.hasRoom(s)) return false;
      if (s !== avoid) {
        found = s;
        return true;
      }
      avoided = s;
      return false;
    });
    return found ?? avoided;
  }

  /** A full server is still eligible while its queue has room (maxqueue). */
  private hasRoom(s: Server): boolean {
    return s.maxconn === 0 || s.served + s.queue.length < s.maxconn + s.maxqueue;
  }

  /** fwlc_srv_reposition(): only moves the server when its key changed. */
  private reposition(s: Server): void {
    if (s.lb.tree === -1) return;
    const k = fwlcKey(s);
    if (k === s.lb.key) return;
    // Same as dequeue + queue (the server goes after its new equals), in one sift.
    s.lb.key = k;
    (s.backup ? this.bck : this.act).update(s);
  }

  onServerUp(s: Server): void {
    if (s.lb.active || !s.usable) return;
    s.lb.weight = s.eweight;
    s.lb.active = true;
    this.queue(s);
    this.recount();
  }

  onServerDown(s: Server): void {
    if (!s.lb.active) return;
    s.lb.active = false;
    this.dequeue(s);
    s.lb.weight = s.eweight;
    this.recount();
  }

  onWeightChange(s: Server): void {
    if (!s.usable) {
      this.onServerDown(s);
      return;
    }
    if (!s.lb.active) {
      this.onServerUp(s);
      return;
    }
    s.lb.weight = s.eweight;
    this.dequeue(s);
    this.queue(s);
    this.recount();
  }

  onConnectionStart(s: Server): void {
    this.reposition(s);
  }

  onConnectionEnd(s: Server): void {
    this.reposition(s);
  }
}
