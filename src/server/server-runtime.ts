/**
 * Server runtime wiring done once the whole runtime is built (backends,
 * frontends and checks all exist), haproxy's check_config_validity() and
 * srv_apply_track() / init_srv_check() parts that link servers together:
 *
 *   - `fullconn`: the backend's value, else 10% (rounded up, at least 1) of
 *     the maxconn of every frontend that may branch to it through
 *     `default_backend` or a static `use_backend` (a listen section counts
 *     for itself); a frontend without `maxconn` has the global one
 *     (configuration.txt §4.2 "fullconn"; verified with haproxy's `slim`);
 *   - BE_LB_PROP_DYN: whether slowstart may ramp the weight;
 *   - `track`: each server learns which server it follows and the tracked
 *     one its trackers, newest first; a tracker starts in the state of the
 *     server at the end of its chain;
 *   - `observe`: the passive monitor of src/server/server-observe.ts;
 *   - servers whose address is still unresolved (`init-addr none`, a
 *     `server-template` FQDN that libc did not resolve) start in maintenance
 *     as haproxy's SRV_ADMF_RMAINT, silently.
 */
import { readFileSync } from 'node:fs';
import type { Runtime, Backend } from '../proxy/runtime.js';
import { HealthCheck } from './checks/health-check.js';
import type { ServerHealth } from './checks/server-health.js';
import { HealthObserver } from './server-observe.js';
import type { Server } from './server.js';

/**
 * haproxy's default global maxconn when none is configured is derived from
 * the file-descriptor limit (haproxy.c compute_ideal_maxconn(): about half
 * of RLIMIT_NOFILE, each connection needing two descriptors). An
 * approximation: we do not count the descriptors haproxy reserves.
 */
function defaultGlobalMaxconn(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'latin1'));
    if (m !== null) return Math.max(1, Math.floor(Number(m[1]) / 2));
  } catch {
    // not Linux: fall through
  }
  return 4096;
}

/** BE_LB_PROP_DYN (cfgparse.c): every algorithm but static-rr and map-based hashing takes dynamic weights. */
function dynamicWeights(be: Backend): boolean {
  const p = be.config;
  const algo = p.balance?.algorithm ?? 'roundrobin';
  if (algo === 'static-rr') return false;
  const hashed = algo !== 'roundrobin' && algo !== 'leastconn' && algo !== 'first' && !algo.startsWith('random');
  return !hashed || p.hashType?.method === 'consistent';
}

/** The fullconn of every backend (see the file comment). */
export function computeFullconn(runtime: Runtime): Map<Backend, number> {
  const total = new Map<Backend, number>();
  let globalMax = runtime.model.global.maxconn;
  const add = (be: Backend | undefined, n: number): void => {
    if (be !== undefined) total.set(be, (total.get(be) ?? 0) + n);
  };
  for (const fe of runtime.frontends) {
    const max = fe.config.maxconn ?? (globalMax ??= defaultGlobalMaxconn());
    add(fe.defaultBackend, max);
    for (const r of fe.config.useBackends) {
      if (r.dynamic !== undefined) continue;
      add(runtime.backends.get(r.name), max);
    }
  }
  const out = new Map<Backend, number>();
  for (const be of runtime.backends.values()) {
    const set = be.config.fullconn;
    out.set(be, set !== undefined && set > 0 ? set : Math.max(1, Math.trunc(((total.get(be) ?? 0) + 9) / 10)));
  }
  return out;
}

/** The server a `track` line names, or undefined. */
function trackedServer(runtime: Runtime, be: Backend, s: Server): Server | undefined {
  const t = s.config.track;
  if (t === undefined) return undefined;
  const target = t.backend !== undefined ? runtime.backends.get(t.backend) : be;
  return target?.serverByName.get(t.server);
}

/** Wires every server of the runtime (see the file comment). */
export function initServerRuntime(runtime: Runtime): void {
  const fullconn = computeFullconn(runtime);
  const health = new Map<Server, { health: ServerHealth; check: HealthCheck | undefined }>();
  for (const c of runtime.checks) {
    if (!(c instanceof HealthCheck)) continue;
    const entry = health.get(c.health.server) ?? { health: c.health, check: undefined };
    if (c.role === 'check') entry.check = c;
    health.set(c.health.server, entry);
  }
  for (const be of runtime.backends.values()) {
    const full = fullconn.get(be) ?? 0;
    const dyn = dynamicWeights(be);
    // configuration.txt §4.2 "option log-health-checks" (src/server/checks/server-health.ts healthCheckLine()).
    const logChecks = be.config.options.get('log-health-checks') === true;
    for (const s of be.servers) {
      s.fullconn = full;
      s.dynamicWeights = dyn;
      const h = health.get(s);
      if (h !== undefined) h.health.logChecks = logChecks;
      // srv_apply_track(): prepended, so the newest tracker is notified first.
      const tracked = trackedServer(runtime, be, s);
      if (tracked !== undefined && tracked !== s) {
        s.tracks = tracked;
        tracked.trackers.unshift(s);
      }
      if (s.address.unresolved === true && !s.maint) {
        // server.c srv_iterate_initaddr(): "none" leaves the server in RMAINT until resolved.
        s.setOperational(false);
        s.setMaint(true);
      }
      const obs = s.config.observe;
      if (obs === 'layer4' || (obs === 'layer7' && be.config.mode === 'http')) {
        s.observer = new HealthObserver(s, h?.health, h?.check, s.config.fastinter).observe;
      }
    }
  }
  // A tracker starts in the state of the end of its chain, and in maintenance
  // (SRV_ADMF_IMAINT, silently) when a server up its chain is: server.c
  // srv_apply_track() / srv_set_admin_flag() at startup; verified with haproxy
  // 2.6, a tracker of a `disabled` server takes no traffic.
  for (const be of runtime.backends.values()) {
    for (const s of be.servers) {
      let end = s.tracks;
      let maint = end?.maint === true;
      const seen = new Set<Server>([s]);
      while (end?.tracks !== undefined && !seen.has(end)) {
        seen.add(end);
        end = end.tracks;
        if (end.maint) maint = true;
      }
      if (end !== undefined && end.operational === 'DOWN') s.setOperational(false);
      if (maint && !s.maint) {
        s.inheritedMaint = true;
        s.setOperational(false);
        s.setMaint(true);
      } else if (maint) {
        s.inheritedMaint = true;
      }
    }
  }
}
