/**
 * Layer-4 health checks (`server ... check` without a check option): kept
 * for the callers of the first data plane. The checks now live in
 * src/server/checks/ (one file per kind, registry.ts picks one); this class
 * is the plain connect check of that folder with its old constructor.
 */
import type { Backend, Reporter } from '../proxy/runtime.js';
import type { Server } from './server.js';
import { CheckRun, withTarget } from './checks/engine.js';
import { HealthCheck } from './checks/health-check.js';
import { ServerHealth } from './checks/server-health.js';
import { defaultConnectRuleset } from './checks/tcp-connect.js';
import { connectOptions } from '../net/connect.js';

/** One server's layer-4 check task (see src/server/checks/ for every kind). */
export class TcpCheck extends HealthCheck {
  readonly server: Server;
  readonly backend: Backend;

  constructor(server: Server, backend: Backend, reporter: Reporter) {
    const c = server.config;
    const inter = c.inter ?? 2000;
    const rs = defaultConnectRuleset();
    super(new ServerHealth(server, reporter), 'check', {
      run(done) {
        const r = new CheckRun(rs, {
          inter,
          timeoutConnect: backend.timeouts.connect,
          timeoutCheck: backend.timeouts.check,
          disable404: () => false,
          serverState: () => '',
          connectSpec: () => ({ options: withTarget(connectOptions(server.address), c.checkAddr, c.checkPort) }),
        }, done);
        r.start();
        return r;
      },
    }, { inter, fastinter: c.fastinter, downinter: c.downinter });
    this.server = server;
    this.backend = backend;
  }
}
