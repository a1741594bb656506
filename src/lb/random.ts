/**
 * `balance random[(<draws>)]`: draw `<draws>` servers at random, weighted,
 * and keep the least loaded one ("power of two choices", configuration.txt
 * §4.2 "random"; lb_chash.c: chash_get_server_hash with a random key and
 * backend.c: get_server_rnd). Default 2 draws.
 */
import type { AlgorithmOptions, BalanceAlgorithm, PickContext } from './registry.js';
import { eligibleServers, recountServers, type Server } from '../server/server.js';

/** Weighted random with several draws. */
export class RandomDraws implements BalanceAlgorithm {
  readonly name = 'random';
  readonly kind = 'rr' as const;
  readonly draws: number;
  private readonly servers: readonly Server[];
  private readonly allBackups: boolean;
  private eligible: Server[] = [];
  private totalWeight = 0;
  /** Injectable for tests; returns [0, 1). */
  random: () => number = Math.random;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    this.servers = servers;
    this.allBackups = opts.allBackups;
    const n = Number(opts.args[0]);
    this.draws = opts.args[0] !== undefined && opts.args[0] !== '' && Number.isInteger(n) && n > 0 ? n : 2;
    this.rebuild();
  }

  private rebuild(): void {
    this.eligible = eligibleServers(recountServers(this.servers, this.allBackups));
    this.totalWeight = 0;
    for (const s of this.eligible) this.totalWeight += s.eweight;
  }

  private drawOne(avoid: Server | undefined): Server | undefined {
    let total = this.totalWeight;
    if (avoid !== undefined && this.eligible.includes(avoid) && this.eligible.length > 1) total -= avoid.eweight;
    let r = this.random() * total;
    let last: Server | undefined;
    for (const s of this.eligible) {
      if (s === avoid && this.eligible.length > 1) continue;
      last = s;
      r -= s.eweight;
      if (r < 0) return s;
    }
    return last;
  }

  pick(ctx: PickContext): Server | undefined {
    if (this.eligible.length === 0 || this.totalWeight === 0) return undefined;
    let best: Server | undefined;
    for (let d = 0; d < this.draws; d++) {
      const cur = this.drawOne(ctx.avoid);
      if (cur === undefined) continue;
      // get_server_rnd(): keep the previous choice when it serves fewer
      // connections relative to its weight.
      if (best === undefined || cur.served * best.eweight < best.served * cur.eweight) best = cur;
    }
    return best;
  }

  onServerUp(_s: Server): void {
    this.rebuild();
  }

  onServerDown(_s: Server): void {
    this.rebuild();
  }

  onWeightChange(_s: Server): void {
    this.rebuild();
  }

  onConnectionStart(_s: Server): void {
    /* load is read at pick time */
  }

  onConnectionEnd(_s: Server): void {
    /* load is read at pick time */
  }
}
