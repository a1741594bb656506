/**
 * `balance first`: the first server (lowest id) with a free connection slot
 * takes the connection (src/lb_fas.c), so that idle servers can be powered
 * down. Without `maxconn`, the first server takes everything.
 */
import type { AlgorithmOptions, BalanceAlgorithm, PickContext } from './registry.js';
import { recountServers, type Server } from '../server/server.js';

/** haproxy's lb_fas: first available server by id. */
export class First implements BalanceAlgorithm {
  readonly name = 'first';
  readonly kind = 'cb' as const;
  private readonly servers: readonly Server[];
  private readonly allBackups: boolean;
  private active: Server[] = [];
  private backup: Server[] = [];
  private firstBackup: Server | undefined;

  constructor(servers: readonly Server[], opts: AlgorithmOptions) {
    this.servers = servers;
    this.allBackups = opts.allBackups;
    this.rebuild();
  }

  private rebuild(): void {
    const g = recountServers(this.servers, this.allBackups);
    // lb_fas.c: servers are keyed by their id (puid), lowest first.
    this.active = g.active.slice().sort((a, b) => a.id - b.id);
    this.backup = g.backup.slice().sort((a, b) => a.id - b.id);
    this.firstBackup = g.firstBackup;
  }

  /** fas_get_next_server() */
  pick(ctx: PickContext): Server | undefined {
    let list: Server[];
    if (this.active.length > 0) list = this.active;
    else if (this.firstBackup !== undefined) return this.firstBackup;
    else list = this.backup;
    let avoided: Server | undefined;
    for (const s of list) {
      if (s.hasFreeSlot()) {
        if (s !== ctx.avoid) return s;
        avoided = s;
      }
    }
    return avoided;
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
    /* order does not depend on load */
  }

  onConnectionEnd(_s: Server): void {
    /* order does not depend on load */
  }
}
