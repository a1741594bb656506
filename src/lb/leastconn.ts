/**
 * `balance leastconn`: the server with the fewest in-flight connections
 * relative to its weight (src/lb_fwlc.c). Servers sit in a tree keyed by
 * `(inflight + 1) * SRV_EWGHT_MAX / eweight` (0 when idle); a server whose key
 * changes is reinserted after its equals, which rotates among equally loaded
 * servers like haproxy does.
 */
import type { AlgorithmOptions, BalanceAlgorithm, PickContext } from './registry.js';
import { recountServers, Server, ServerTree, SRV_EWGHT_MAX } from '../server/server.js';

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
  private readonly act = new ServerTree(0);
  private readonly bck = new ServerTree(1);
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
    let tree: ServerTree;
    if (this.srvAct > 0) tree = this.act;
    else if (this.firstBackup !== undefined) return this.firstBackup;
    else tree = this.bck;
    let avoided: Server | undefined;
    for (const s of tree.items) {
      // A full server is still eligible while its queue has room (maxqueue).
      if (s.maxconn === 0 || s.served + s.queue.length < s.maxconn + s.maxqueue) {
        if (s !== ctx.avoid) return s;
        avoided = s;
      }
    }
    return avoided;
  }

  /** fwlc_srv_reposition(): only moves the server when its key changed. */
  private reposition(s: Server): void {
    if (s.lb.tree === -1) return;
    const k = fwlcKey(s);
    if (k === s.lb.key) return;
    this.dequeue(s);
    this.queue(s);
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
