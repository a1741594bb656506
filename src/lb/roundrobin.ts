/**
 * `balance roundrobin`: haproxy's fast weighted round robin (src/lb_fwrr.c),
 * reproduced step for step so the order of server choices is the same as
 * haproxy 2.6's for any weights 0..256 (test/compat/lb/roundrobin.test.ts).
 *
 * Each group (active, backup) has three trees: "curr" ordered by the next
 * position of each server in the current window, and "init"/"next" ordered by
 * weight, which swap when the window is exhausted. Weights are effective
 * weights (user weight × BE_WEIGHT_SCALE); `lb.weight` is haproxy's
 * cur_eweight and `Server.eweight` its next_eweight.
 *
 * The trees are binary heaps (src/lb/server-heap.ts): a pick takes the first
 * server and puts it back, O(log n) however many servers the backend has.
 */
import type { AlgorithmOptions, BalanceAlgorithm, PickContext } from './registry.js';
import { recountServers, Server, BE_WEIGHT_SCALE, SRV_EWGHT_MAX, SRV_UWGHT_RANGE } from '../server/server.js';
import { ServerHeap } from './server-heap.js';

interface Group {
  /** Tree ids: base + 0 = curr, base + 1 = t0, base + 2 = t1. */
  readonly base: number;
  readonly curr: ServerHeap;
  readonly t: [ServerHeap, ServerHeap];
  init: ServerHeap;
  next: ServerHeap;
  currPos: number;
  currWeight: number;
  nextWeight: number;
}

function newGroup(base: number, weight: number): Group {
  const t0 = new ServerHeap(base + 1);
  const t1 = new ServerHeap(base + 2);
  return { base, curr: new ServerHeap(base), t: [t0, t1], init: t0, next: t1, currPos: weight, currWeight: weight, nextWeight: weight };
}

/** Smooth weighted round robin, haproxy's lb_fwrr. */
export class RoundRobin implements BalanceAlgorithm {
  readonly name = 'roundrobin';
  readonly kind = 'rr' as const;
  private readonly servers: readonly Server[];
  private readonly allBackups: boolean;
  private act: Group;
  private bck: Group;
  private srvAct = 0;
  private srvBck = 0;
  private firstBackup: Server | undefined;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    this.servers = servers;
    this.allBackups = opts.allBackups;
    // lb_fwrr.c: fwrr_init_server_groups()
    for (const s of servers) {
      s.lb.weight = s.eweight;
      s.lb.npos = 0;
      s.lb.rweight = 0;
      s.lb.tree = -1;
      s.lb.active = s.usable;
    }
    const g = recountServers(servers, this.allBackups);
    this.srvAct = g.active.length;
    this.srvBck = g.backup.length;
    this.firstBackup = g.firstBackup;
    this.act = newGroup(0, g.totalActiveWeight);
    this.bck = newGroup(3, g.totalBackupWeight);
    for (const s of servers) {
      if (!s.usable) continue;
      this.queueByWeight(this.groupOf(s).init, s);
    }
  }

  private groupOf(s: Server): Group {
    return s.backup ? this.bck : this.act;
  }

  private treeOf(s: Server): ServerHeap | undefined {
    const g = this.groupOf(s);
    const id = s.lb.tree - g.base;
    if (id === 0) return g.curr;
    if (id === 1) return g.t[0];
    if (id === 2) return g.t[1];
    return undefined;
  }

  /** fwrr_queue_by_weight(): init/next trees are ordered by decreasing weight. */
  private queueByWeight(tree: ServerHeap, s: Server): void {
    s.lb.key = SRV_EWGHT_MAX - s.eweight;
    tree.insert(s);
  }

  private dequeue(s: Server): void {
    this.treeOf(s)?.delete(s);
  }

  private removeFromTree(s: Server): void {
    s.lb.tree = -1;
  }

  /** fwrr_get_srv(): adjusts npos depending on where the server comes from. */
  private getSrv(s: Server): void {
    const g = this.groupOf(s);
    if (s.lb.tree === g.init.id) {
      s.lb.npos = 0;
      s.lb.rweight = 0;
    } else if (s.lb.tree === g.next.id) {
      s.lb.npos += g.currWeight;
    } else if (s.lb.tree === -1) {
      s.lb.npos = g.currPos;
    }
  }

  /** fwrr_switch_trees() */
  private switchTrees(g: Group): void {
    const swap = g.init;
    g.init = g.next;
    g.next = swap;
    g.currWeight = g.nextWeight;
    g.currPos = g.currWeight;
  }

  /** fwrr_get_server_from_group() */
  private fromGroup(g: Group): Server | undefined {
    const s1 = g.curr.first();
    if (s1 !== undefined && s1.lb.weight > 0 && s1.lb.npos <= g.currPos) return s1;
    const s2 = g.init.first();
    if (s2 !== undefined && s2.lb.weight > 0) {
      s2.lb.npos = 0;
      s2.lb.rweight = 0;
      return s2;
    }
    return s1;
  }

  /** fwrr_update_position() */
  private updatePosition(g: Group, s: Server): void {
    const w = s.lb.weight;
    if (w === 0) return;
    const lb = s.lb;
    if (lb.npos === 0) lb.npos = g.currPos;
    lb.lpos = lb.npos;
    lb.npos += Math.trunc(g.nextWeight / w);
    lb.rweight += g.nextWeight % w;
    if (lb.rweight >= w) {
      lb.rweight -= w;
      lb.npos++;
    }
  }

  /** fwrr_queue_srv(): back into "curr" at its next position, or into "next". */
  private queueSrv(s: Server): void {
    const g = this.groupOf(s);
    const lb = s.lb;
    if (!s.usable) {
      this.removeFromTree(s);
    } else if (s.eweight <= 0 || lb.npos >= 2 * g.currWeight || lb.npos >= g.currWeight + g.nextWeight) {
      lb.npos -= g.currWeight;
      this.queueByWeight(g.next, s);
    } else {
      // lb_fwrr.c: the key is in units of npos * user weight to avoid overflows.
      lb.key = SRV_UWGHT_RANGE * lb.npos + Math.trunc((SRV_EWGHT_MAX + lb.rweight - s.eweight) / BE_WEIGHT_SCALE);
      g.curr.insert(s);
    }
  }

  /** fwrr_get_next_server() */
  pick(ctx: PickContext): Server | undefined {
    const avoid = ctx.avoid;
    let g: Group;
    if (this.srvAct > 0) g = this.act;
    else if (this.firstBackup !== undefined) return this.firstBackup;
    else if (this.srvBck > 0) g = this.bck;
    else return undefined;

    let switched = false;
    let avoided: Server | undefined;
    // Saturated or avoided servers, in the order they were taken out (allocated only when one is met).
    let full: Server[] | undefined;
    let srv: Server | undefined;
    let take = false;
    outer: for (;;) {
      if (g.currWeight === 0) g.currPos = g.currWeight = g.nextWeight;
      for (;;) {
        srv = this.fromGroup(g);
        if (srv !== undefined) break;
        if (switched) {
          if (avoided !== undefined) {
            srv = avoided;
            take = true;
          }
          break outer;
        }
        switched = true;
        this.switchTrees(g);
      }
      this.updatePosition(g, srv);
      this.dequeue(srv);
      g.currPos++;
      if (srv.hasFreeSlot()) {
        if (srv !== avoid || avoided !== undefined) {
          take = true;
          break;
        }
        avoided = srv;
      }
      (full ??= []).push(srv);
      srv = undefined;
    }
    if (take && srv !== undefined) this.queueSrv(srv);
    // haproxy chains saturated servers LIFO (srv->next_full) and requeues them in that order.
    for (let i = (full?.length ?? 0) - 1; i >= 0; i--) {
      const f = full![i];
      if (f === undefined || f === srv) continue;
      if (switched) this.queueByWeight(g.init, f);
      else this.queueSrv(f);
    }
    return take ? srv : undefined;
  }

  /** fwrr_set_server_status_down() */
  onServerDown(s: Server): void {
    if (!s.lb.active) return;
    const g = this.groupOf(s);
    g.nextWeight -= s.lb.weight;
    if (s.backup) {
      this.srvBck--;
      if (s === this.firstBackup) {
        let i = this.servers.indexOf(s) + 1;
        let n: Server | undefined;
        for (; i < this.servers.length; i++) {
          const c = this.servers[i];
          if (c !== undefined && c.backup && c.usable) {
            n = c;
            break;
          }
        }
        this.firstBackup = n;
      }
    } else {
      this.srvAct--;
    }
    this.dequeue(s);
    this.removeFromTree(s);
    s.lb.weight = s.eweight;
    s.lb.active = false;
  }

  /** fwrr_set_server_status_up() */
  onServerUp(s: Server): void {
    if (s.lb.active || !s.usable) return;
    const g = this.groupOf(s);
    g.nextWeight += s.eweight;
    if (s.backup) {
      this.srvBck++;
      if (!this.allBackups) {
        if (this.firstBackup === undefined) this.firstBackup = s;
        else if (this.servers.indexOf(s) < this.servers.indexOf(this.firstBackup)) this.firstBackup = s;
      }
    } else {
      this.srvAct++;
    }
    this.getSrv(s);
    s.lb.npos = g.currPos + Math.trunc((g.nextWeight + g.currWeight - g.currPos) / s.eweight);
    s.lb.active = true;
    this.queueSrv(s);
    s.lb.weight = s.eweight;
  }

  /** fwrr_update_server_weight() for a server that stays usable. */
  onWeightChange(s: Server): void {
    if (!s.lb.active) {
      this.onServerUp(s);
      return;
    }
    if (!s.usable) {
      this.onServerDown(s);
      return;
    }
    const g = this.groupOf(s);
    g.nextWeight = g.nextWeight - s.lb.weight + s.eweight;
    if (s.lb.tree === g.init.id) {
      this.dequeue(s);
      this.queueByWeight(g.init, s);
    } else if (s.lb.tree === -1) {
      this.dequeue(s);
      this.getSrv(s);
      s.lb.npos = g.currPos + Math.trunc((g.nextWeight + g.currWeight - g.currPos) / s.eweight);
      this.queueSrv(s);
    } else {
      this.getSrv(s);
      if (s.eweight > 0) {
        const prevNext = s.lb.npos;
        const step = Math.trunc(g.nextWeight / s.eweight);
        s.lb.npos = s.lb.lpos + step;
        s.lb.rweight = 0;
        if (s.lb.npos > prevNext) s.lb.npos = prevNext;
        if (s.lb.npos < g.currPos + 2) s.lb.npos = g.currPos + step;
      } else {
        s.lb.npos = g.currPos + g.currWeight;
      }
      this.dequeue(s);
      this.queueSrv(s);
    }
    s.lb.weight = s.eweight;
  }

  onConnectionStart(_s: Server): void {
    /* positions do not depend on load */
  }

  onConnectionEnd(_s: Server): void {
    /* positions do not depend on load */
  }
}
