/**
 * haproxy's weighted server map (src/lb_map.c), the lookup of every hash
 * algorithm under `hash-type map-based` (the default, configuration.txt §4.2
 * "hash-type"): a table with one slot per unit of weight, where a hash picks
 * `map[hash % total_weight]` and a missing key falls back to walking the
 * table round-robin (map_get_server_rr()).
 *
 * Weights: init_server_map() divides every user weight by their greatest
 * common divisor (`wmult`, computed once over all servers) and the map has
 * `tot_weight` slots, the sum of those weights over the servers in use (the
 * active ones, else the first backup alone, else every backup with
 * `option allbackups`, backend.c update_backend_weight()).
 *
 * Building that table costs O(slots × servers). The table built from weights
 * k·w is the table of w repeated k times (each round of recalc_server_map()
 * only compares ratios), so the table is kept reduced by the extra common
 * divisor of the weights in use, and indexes are taken modulo its length:
 * `map[h % tot]` = `reduced[(h % tot) % reduced.length]`, the same server.
 */
import { recountServers, type Server } from '../server/server.js';

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/**
 * lb_map.c recalc_server_map(): `tot` slots filled by score; each round every
 * candidate gains its weight, the first with the highest `(score + tot) / tot`
 * wins and pays `tot`. Equal weights keep declaration order, and the first
 * slot always goes to the first declared server of highest weight ratio.
 */
export function recalcServerMap(candidates: readonly Server[], weights: readonly number[], tot: number): Server[] {
  const map = new Array<Server>(tot);
  const n = candidates.length;
  const score = new Float64Array(n);
  for (let o = 0; o < tot; o++) {
    let best = -1;
    let max = 0;
    for (let i = 0; i < n; i++) {
      // "If we are forced to return only one server, we don't want to go
      // further, because we would return the wrong one due to divide overflow."
      if (tot === 1) {
        best = i;
        break;
      }
      const sc = score[i]! + weights[i]!;
      score[i] = sc;
      const v = Math.trunc((sc + tot) / tot);
      if (best < 0 || v > max) {
        max = v;
        best = i;
      }
    }
    if (best < 0) {
      map.length = o;
      break;
    }
    map[o] = candidates[best]!;
    score[best] = score[best]! - tot;
  }
  return map;
}

/**
 * The map of one backend, rebuilt on every server state or weight change
 * (lb_map.c map_set_server_status_up/down: recount_servers(),
 * update_backend_weight(), recalc_server_map()).
 */
export class ServerHashMap {
  /** The reduced table; slot `i` of haproxy's table is `entries[i % entries.length]`. */
  entries: Server[] = [];
  /** haproxy's lbprm.tot_weight: the size of its table. 0 when no server is usable. */
  totWeight = 0;
  /** haproxy's lbprm.tot_used: how many servers are in use (no hashing when 1). */
  totUsed = 0;
  /** haproxy's lbprm.map.rr_idx, in units of haproxy's table. */
  private rrIdx = 0;
  /** init_server_map(): the gcd of the configured user weights. */
  private readonly wmult: number;

  constructor(private readonly servers: readonly Server[], private readonly allBackups: boolean) {
    let g = 0;
    for (const s of servers) g = gcd(s.uweight, g);
    this.wmult = g === 0 ? 1 : g;
    this.rebuild();
  }

  /** The map weight of a server: `(uweight * wdiv + wmult - 1) / wmult` with wdiv = 1. */
  private weightOf(s: Server): number {
    return Math.trunc((s.uweight + this.wmult - 1) / this.wmult);
  }

  /** Recomputes the table from the servers' current states and weights. */
  rebuild(): void {
    const g = recountServers(this.servers, this.allBackups);
    let candidates: Server[];
    let tot: number;
    if (g.active.length > 0) {
      candidates = g.active;
      this.totUsed = g.active.length;
      tot = 0;
      for (const s of candidates) tot += this.weightOf(s);
    } else if (g.firstBackup !== undefined) {
      // update_backend_weight(): only the first backup's weight counts, but
      // recalc_server_map() still scores every usable backup server against it.
      candidates = g.backup;
      this.totUsed = 1;
      tot = this.weightOf(g.firstBackup);
    } else {
      candidates = g.backup;
      this.totUsed = g.backup.length;
      tot = 0;
      for (const s of candidates) tot += this.weightOf(s);
    }
    this.totWeight = candidates.length === 0 ? 0 : tot;
    if (this.totWeight === 0) {
      this.entries = [];
      return;
    }
    const weights = candidates.map((s) => this.weightOf(s));
    let div = tot;
    for (const w of weights) div = gcd(w, div);
    // Periodicity only holds when the weights add up to the table size.
    let sum = 0;
    for (const w of weights) sum += w;
    if (sum !== tot || div <= 1) {
      this.entries = recalcServerMap(candidates, weights, tot);
    } else {
      this.entries = recalcServerMap(candidates, weights.map((w) => w / div), tot / div);
    }
  }

  /** lb_map.c map_get_server_hash(): `map[hash % tot_weight]`. */
  byHash(hash: number): Server | undefined {
    const tot = this.totWeight;
    if (tot === 0) return undefined;
    const e = this.entries;
    return e[((hash >>> 0) % tot) % e.length];
  }

  /**
   * lb_map.c map_get_server_rr(): the next slot whose server has a free
   * connection slot, avoiding `avoid` unless it is the only one; the walk
   * covers haproxy's whole table, so the index moves exactly as haproxy's.
   */
  nextRoundRobin(avoid: Server | undefined): Server | undefined {
    const tot = this.totWeight;
    if (tot === 0) return undefined;
    const e = this.entries;
    const n = e.length;
    if (this.rrIdx < 0 || this.rrIdx >= tot) this.rrIdx = 0;
    let newidx = this.rrIdx;
    let avoided: Server | undefined;
    let avoididx = 0;
    do {
      const srv = e[newidx % n]!;
      newidx++;
      if (srv.maxconn === 0 || (srv.queue.length === 0 && srv.served < srv.maxconn)) {
        avoided = srv;
        avoididx = newidx;
        if (srv !== avoid) {
          this.rrIdx = newidx;
          return srv;
        }
      }
      if (newidx === tot) newidx = 0;
    } while (newidx !== this.rrIdx);
    if (avoided !== undefined) this.rrIdx = avoididx;
    return avoided;
  }
}
