/**
 * `balance static-rr`: haproxy's map-based round robin (src/lb_map.c). A table
 * of servers, one slot per unit of weight, spread so that equal weights keep
 * declaration order; picks walk it circularly. Weight changes rebuild the map.
 * The map is shared with the hash-based algorithms (`source`).
 */
import type { AlgorithmOptions, BalanceAlgorithm, PickContext } from './registry.js';
import { eligibleServers, recountServers, type Server } from '../server/server.js';

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/**
 * lb_map.c: recalc_server_map(). Weights are divided by their greatest common
 * divisor first (init_server_map), which keeps the table small without
 * changing the order it produces.
 */
export function buildServerMap(servers: readonly Server[]): Server[] {
  let div = 0;
  for (const s of servers) div = gcd(s.uweight, div);
  if (div === 0) return [];
  const weights = servers.map((s) => s.uweight / div);
  let tot = 0;
  for (const w of weights) tot += w;
  const map: Server[] = [];
  if (tot === 0) return map;
  const score = new Array<number>(servers.length).fill(0);
  for (let o = 0; o < tot; o++) {
    let best = -1;
    let max = 0;
    for (let i = 0; i < servers.length; i++) {
      if (tot === 1) {
        best = i;
        break;
      }
      score[i] = (score[i] ?? 0) + (weights[i] ?? 0);
      // "result between 0 and 3": the first server with the highest score wins.
      const v = Math.trunc(((score[i] ?? 0) + tot) / tot);
      if (best < 0 || v > max) {
        max = v;
        best = i;
      }
    }
    const b = servers[best];
    if (b === undefined) break;
    map.push(b);
    score[best] = (score[best] ?? 0) - tot;
  }
  return map;
}

/** The eligible-server map of a backend, rebuilt on every state or weight change. */
export class ServerMap {
  map: Server[] = [];
  /** haproxy's lbprm.tot_used: how many distinct servers the map holds. */
  used = 0;

  constructor(private readonly servers: readonly Server[], private readonly allBackups: boolean) {
    this.rebuild();
  }

  rebuild(): void {
    const eligible = eligibleServers(recountServers(this.servers, this.allBackups));
    this.used = eligible.length;
    this.map = buildServerMap(eligible);
  }
}

/** Static weighted round robin, haproxy's map_get_server_rr(). */
export class StaticRoundRobin implements BalanceAlgorithm {
  readonly name = 'static-rr';
  readonly kind = 'rr' as const;
  private readonly table: ServerMap;
  private idx = 0;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    this.table = new ServerMap(servers, opts.allBackups);
  }

  pick(ctx: PickContext): Server | undefined {
    const map = this.table.map;
    const tot = map.length;
    if (tot === 0) return undefined;
    if (this.idx < 0 || this.idx >= tot) this.idx = 0;
    let newidx = this.idx;
    let avoided: Server | undefined;
    let avoididx = 0;
    do {
      const srv = map[newidx++];
      if (srv !== undefined && srv.hasFreeSlot()) {
        avoided = srv;
        avoididx = newidx;
        if (srv !== ctx.avoid) {
          this.idx = newidx;
          return srv;
        }
      }
      if (newidx === tot) newidx = 0;
    } while (newidx !== this.idx);
    if (avoided !== undefined) this.idx = avoididx;
    return avoided;
  }

  onServerUp(_s: Server): void {
    this.table.rebuild();
  }

  onServerDown(_s: Server): void {
    this.table.rebuild();
  }

  onWeightChange(_s: Server): void {
    this.table.rebuild();
  }

  onConnectionStart(_s: Server): void {
    /* static */
  }

  onConnectionEnd(_s: Server): void {
    /* static */
  }
}
