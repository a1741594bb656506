/**
 * What health checks do to a server: the health counters of its check and
 * agent, the state changes they cause and haproxy's lines for them.
 *
 * This is haproxy 2.6's set_server_check_status(), check_notify_*() (both in
 * src/check.c) and the messages of srv_update_status() (src/server.c):
 *
 *   Server be/s1 is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable",
 *     check duration: 1ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued,
 *     0 remaining in queue.
 *   Server be/s1 is UP, reason: Layer7 check passed, code: 200, check duration: 0ms. 1 active
 *     and 0 backup servers online. 0 sessions requeued, 0 total in queue.
 *   Server be/s1 is stopping, reason: Layer7 check conditionally passed, code: 404, ...
 *   Server be/s1 enters drain state. 1 active and 0 backup servers online. ...
 *   Server be/s1 remains in forced drain mode.
 *   Server be/s1 is going DOWN for maintenance. 1 active and 0 backup servers left. ...
 *   Server be/s1 is UP/READY (leaving forced maintenance).
 *   backend 'be' has no server available!
 *
 * (every line verified against haproxy 2.6 -db, see docs/health-checks.md).
 *
 * Health goes from 0 to rise+fall-1; the server counts as UP from `rise` on.
 * A server starts UP at health `rise`, so the first failure takes it down.
 *
 * The states haproxy has and `Server` does not (yet): forced drain (agent
 * `drain`) and "stopping" (`http-check disable-on-404`) both take the server
 * out of load balancing while it stays UP; they are kept here and applied
 * through the server's effective weight (`eweight` 0, as haproxy's
 * srv_willbe_usable() treats them) with `Server.weightForcedZero`.
 * What follows a transition (trackers, shutdown-sessions) is in
 * src/server/server-transitions.ts, shared with tracking servers.
 */
import { SRV_UWGHT_MAX, type Server } from '../server.js';
import { afterMarkedDown, afterMarkedUp, afterStopping, propagateAdmin, reportBackendDown, serverLabel, statusCounts, usableCount } from '../server-transitions.js';
import type { Reporter } from '../../proxy/runtime.js';
import { asciiEncode, clampDesc, statusDescription, statusHasCode, statusResult, type CheckOutcome, type CheckStatus } from './status.js';

/** The health counter of one check (haproxy's struct check: health, rise, fall, status, desc, code). */
export class HealthCounter {
  readonly rise: number;
  readonly fall: number;
  health: number;
  /** CHK_ST_ENABLED: the check is configured. */
  readonly enabled: boolean;
  status: CheckStatus = 'INI';
  desc = '';
  code = 0;
  /** Duration of the last check in ms, -1 before the first. */
  duration = -1;

  constructor(rise: number, fall: number, enabled: boolean) {
    this.rise = rise;
    this.fall = fall;
    this.enabled = enabled;
    this.health = rise;
  }

  get max(): number {
    return this.rise + this.fall - 1;
  }
}

/** Which of the two checks of a server reports. */
export type CheckRole = 'check' | 'agent';

/** srv_append_status() with a check: `, reason: ..., code: ..., info: "...", check duration: Nms`. */
export function checkReason(c: HealthCounter): string {
  let out = `, reason: ${statusDescription(c.status)}`;
  if (statusHasCode(c.status)) out += `, code: ${c.code}`;
  if (c.desc !== '') out += `, info: "${asciiEncode(c.desc)}"`;
  if (c.duration >= 0) out += `, check duration: ${c.duration}ms`;
  return out;
}

/**
 * The `option log-health-checks` line of check.c set_server_check_status()
 * (haproxy 2.6), without its final dot:
 *
 *   Health check for server be/s1 failed, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms, status: 0/2 DOWN
 *   Health check for backup server be/s2 succeeded, reason: Layer4 check passed, check duration: 0ms, status: 3/3 UP
 *   Agent check for server be/s3 succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: 0ms, status: 1/1 DRAIN
 *   Health check for server be/s1 conditionally succeeded, reason: Layer7 check conditionally passed, code: 404, ...
 *
 * `status` is health-rise+1 out of fall once UP (DRAIN when the user weight
 * is 0), else health out of rise.
 */
export function healthCheckLine(s: Server, c: HealthCounter, role: CheckRole, res: 'failed' | 'passed' | 'condpass'): string {
  const up = c.health >= c.rise;
  const verdict = res === 'failed' ? 'failed' : res === 'condpass' ? 'conditionally succeeded' : 'succeeded';
  const state = up ? (s.uweight !== 0 ? 'UP' : 'DRAIN') : 'DOWN';
  return `${role === 'agent' ? 'Agent' : 'Health'} check for ${s.backup ? 'backup ' : ''}server ${s.fullName} ${verdict}` +
    `${checkReason(c)}, status: ${up ? c.health - c.rise + 1 : c.health}/${up ? c.fall : c.rise} ${state}`;
}

/** A server's view of its checks. One per server with `check` or `agent-check`. */
export class ServerHealth {
  readonly server: Server;
  readonly check: HealthCounter;
  readonly agent: HealthCounter;
  /** SRV_ADMF_FDRAIN: drained by the agent. */
  forcedDrain = false;
  /** SRV_ADMF_FMAINT: put in maintenance by the agent (kept on the server, which trackers consult). */
  get forcedMaint(): boolean {
    return this.server.forcedMaint;
  }

  set forcedMaint(v: boolean) {
    this.server.forcedMaint = v;
  }
  /** SRV_ST_STOPPING: a 404 with `http-check disable-on-404`. */
  stopping = false;
  /** The configured weight (haproxy's iweight), base of the agent's `<n>%`. */
  readonly initialWeight: number;
  /** BE_LB_PROP_DYN: whether the backend's algorithm accepts weight changes other than 0% and 100%. */
  dynamicWeights = true;
  /**
   * `option log-health-checks` (PR_O2_LOGHCHKS) on the server's backend: each
   * check result that changes the status or the health is printed, and the
   * server's own state lines then leave out the check's reason (set by
   * src/server/server-runtime.ts).
   */
  logChecks = false;

  constructor(server: Server, private readonly reporter: Reporter) {
    this.server = server;
    const c = server.config;
    // configuration.txt §5.2: rise 2, fall 3.
    this.check = new HealthCounter(c.rise ?? 2, c.fall ?? 3, c.check === true);
    // include/haproxy/defaults.h DEF_AGENT_RISETIME / DEF_AGENT_FALLTIME: 1 and 1.
    this.agent = new HealthCounter(1, 1, c.agentCheck === true);
    this.initialWeight = server.uweight;
  }

  private counter(role: CheckRole): HealthCounter {
    return role === 'agent' ? this.agent : this.check;
  }

  /**
   * Applies the outcome of a finished check: set_server_check_status() then
   * check_notify_failure/stopping/success() (check.c).
   */
  apply(role: CheckRole, o: CheckOutcome, duration: number): void {
    const c = this.counter(role);
    let prevStatus = c.status;
    c.status = o.status;
    c.desc = clampDesc(o.desc);
    c.code = o.code;
    c.duration = duration;
    const res = statusResult(o.status);
    if (res !== 'failed' && res !== 'passed' && res !== 'condpass') return;
    const times = o.repeat ?? 1;
    for (let i = 0; i < times; i++) {
      let report = false;
      if (res === 'failed') {
        // Failing to reach the agent never marks the server down: only its "down" words do.
        if ((role !== 'agent' || statusHasCode(o.status)) && c.health > 0) {
          this.server.counters.checkFailures++;
          report = true;
          c.health--;
          if (c.health < c.rise) c.health = 0;
        }
      } else if (c.health < c.max) {
        report = true;
        c.health++;
        if (c.health >= c.rise) c.health = c.max;
      }
      // check.c set_server_check_status(): with `option log-health-checks`, one
      // line per status change or health move, before any server state line.
      if (this.logChecks && (o.status !== prevStatus || report)) {
        this.reporter.report('warning', `${healthCheckLine(this.server, c, role, res)}.`);
      }
      prevStatus = o.status;
    }
    if (res === 'failed') this.notifyFailure(c, role);
    else if (res === 'condpass') this.notifyStopping(c, role);
    else this.notifySuccess(c, role);
  }

  /** check.c check_notify_failure() */
  private notifyFailure(c: HealthCounter, role: CheckRole): void {
    if (role === 'agent' && c.status !== 'L7STS') return;
    if (c.health > 0) return;
    this.setStopped(c);
  }

  /** check.c check_notify_stopping() */
  private notifyStopping(c: HealthCounter, role: CheckRole): void {
    if (this.server.maint) return;
    if (role === 'agent') return;
    if (this.agent.enabled && this.agent.health < this.agent.rise) return;
    this.setStopping(c);
  }

  /** check.c check_notify_success() */
  private notifySuccess(c: HealthCounter, role: CheckRole): void {
    if (this.server.maint) return;
    if (c.health < c.rise) return;
    if (this.check.enabled && this.check.health < this.check.rise) return;
    if (this.agent.enabled && this.agent.health < this.agent.rise) return;
    if (role === 'agent' && this.stopping) return;
    this.setRunning(c);
  }

  /** srv_willbe_usable() count over the backend (srv_act + srv_bck). */
  private usableCount(): number {
    return usableCount(this.server.owner);
  }

  private prefix(): string {
    return serverLabel(this.server);
  }

  /**
   * srv_append_status() with a check: reason, code, info and duration;
   * nothing with `option log-health-checks`, whose own line already said it
   * (server.c srv_update_status() passes no check then; verified with 2.6).
   */
  private reason(c: HealthCounter): string {
    return this.logChecks ? '' : checkReason(c);
  }

  /** srv_append_status(): the server counts, "left" when the server is (going) down. */
  private counts(xferred: number, down: boolean): string {
    return statusCounts(this.server, xferred, down);
  }

  private warn(line: string): void {
    this.reporter.report('warning', `${line}.`);
  }

  /** backend.c set_backend_down(), when the last usable server went away. */
  private backendDown(prevCount: number): void {
    reportBackendDown(this.server, prevCount, this.reporter);
  }

  /** srv_update_status(): a server still in forced drain says so after each update. */
  private drainRemains(): void {
    if (this.forcedDrain && !this.server.maint) this.warn(`${this.prefix()} remains in forced drain mode`);
  }

  /** The effective weight: 0 while drained or stopping (srv_willbe_usable()). */
  private refreshWeight(): void {
    const s = this.server;
    s.weightForcedZero = this.forcedDrain || this.stopping;
    s.refreshEweight();
  }

  /** server.c srv_set_stopped() */
  private setStopped(c: HealthCounter): void {
    const s = this.server;
    if (s.maint) {
      s.setOperational(false);
      return;
    }
    if (s.operational === 'DOWN') return;
    const prev = this.usableCount();
    this.stopping = false;
    s.setOperational(false);
    this.refreshWeight();
    const xferred = s.redistributeQueue();
    this.warn(`${this.prefix()} is DOWN${this.reason(c)}${this.counts(xferred, true)}`);
    this.backendDown(prev);
    this.drainRemains();
    afterMarkedDown(s, this.reporter);
  }

  /** server.c srv_set_running() */
  private setRunning(c: HealthCounter): void {
    const s = this.server;
    if (s.maint) {
      s.setOperational(true);
      return;
    }
    if (s.operational === 'UP' && !this.stopping) return;
    this.stopping = false;
    s.setOperational(true);
    this.refreshWeight();
    const xferred = s.grabFromBackend();
    this.warn(`${this.prefix()} is UP${this.reason(c)}${this.counts(xferred, false)}`);
    this.drainRemains();
    afterMarkedUp(s, this.reporter);
  }

  /** server.c srv_set_stopping() */
  private setStopping(c: HealthCounter): void {
    const s = this.server;
    if (this.stopping) return;
    const prev = this.usableCount();
    this.stopping = true;
    s.setOperational(true);
    this.refreshWeight();
    const xferred = s.redistributeQueue();
    this.warn(`${this.prefix()} is stopping${this.reason(c)}${this.counts(xferred, false)}`);
    this.backendDown(prev);
    this.drainRemains();
    afterStopping(s, this.reporter);
  }

  /**
   * The agent's "up" and "down" words set the agent's own health
   * (tcpcheck_agent_expect_reply()), never the main check's: verified with
   * haproxy 2.6, an agent saying "up" does not bring back a server whose
   * main check failed, and after "down" the main check's next success moves
   * no health (no `log-health-checks` line).
   */
  setCheckHealth(up: boolean): void {
    this.agent.health = up ? this.agent.max : 0;
  }

  /** Agent `drain`: srv_adm_set_drain() (SRV_ADMF_FDRAIN). */
  setDrain(): void {
    if (this.forcedDrain) return;
    const prev = this.usableCount();
    const s = this.server;
    // server.c srv_set_admin_flag(): already drained through `track`, nothing more happens.
    const already = s.inheritedDrain;
    this.forcedDrain = true;
    this.refreshWeight();
    if (already) return;
    if (!s.maint) {
      const down = s.operational === 'DOWN';
      const xferred = s.redistributeQueue();
      this.warn(`${this.prefix()} enters drain state${this.counts(xferred, down)}`);
      this.backendDown(prev);
    }
    propagateAdmin(s, 'drain', true, this.reporter);
  }

  /** Agent `maint`: srv_adm_set_maint() (SRV_ADMF_FMAINT); the main check pauses. */
  setMaint(): void {
    if (this.forcedMaint) return;
    this.forcedMaint = true;
    const s = this.server;
    if (this.check.enabled) this.check.health = 0;
    if (s.maint) return;
    const prev = this.usableCount();
    const wasDown = s.operational === 'DOWN';
    s.setMaint(true);
    s.setOperational(false);
    this.stopping = false;
    this.refreshWeight();
    if (wasDown) {
      this.warn(`${this.prefix()} was DOWN and now enters maintenance`);
    } else {
      const xferred = s.redistributeQueue();
      this.warn(`${this.prefix()} is going DOWN for maintenance${this.counts(xferred, true)}`);
      this.backendDown(prev);
      // srv_update_status(): entering maintenance shuts the sessions down as going DOWN does.
      if (s.config.onMarkedDown === 'shutdown-sessions') s.killSessions();
    }
    // server.c srv_set_admin_flag(): the trackers inherit the maintenance (SRV_ADMF_IMAINT).
    propagateAdmin(s, 'maint', true, this.reporter);
  }

  /** Agent `ready`: srv_adm_set_ready(), leaving forced maintenance, then forced drain. */
  setReady(): void {
    const s = this.server;
    if (this.forcedMaint) {
      this.forcedMaint = false;
      // A server disabled in the configuration, or whose tracked server is in maintenance, stays in maintenance.
      if (s.maint && !s.ownMaint && !s.inheritedMaint) {
        // srv_update_status(): the check starts OK but checks at once.
        if (this.check.enabled) this.check.health = this.check.rise;
        const up = (!this.agent.enabled || this.agent.health >= this.agent.rise) &&
          (!this.check.enabled || this.check.health >= this.check.rise);
        s.setOperational(up);
        s.setMaint(false);
        this.refreshWeight();
        if (up) s.grabFromBackend();
        this.warn(`${this.prefix()} is ${up ? 'UP' : 'DOWN'}/${this.forcedDrain || s.inheritedDrain ? 'DRAIN' : 'READY'} (leaving forced maintenance)`);
        propagateAdmin(s, 'maint', false, this.reporter);
      }
    }
    if (this.forcedDrain) {
      this.forcedDrain = false;
      this.refreshWeight();
      // Still drained through `track`: nothing printed, the trackers stay drained (srv_clr_admin_flag()).
      if (s.inheritedDrain) return;
      if (!s.maint) this.warn(`${this.prefix()} is ${s.operational === 'DOWN' ? 'DOWN' : 'UP'} (leaving forced drain)`);
      propagateAdmin(s, 'drain', false, this.reporter);
    }
  }

  /**
   * server.c server_parse_weight_change_request(): `<n>%` of the configured
   * weight or an absolute weight. Returns haproxy's complaint, if any.
   */
  requestWeight(text: string): string | undefined {
    const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(text);
    if (text === '') return 'Require <weight> or <weight%>.\n';
    if (m === null) return 'Empty weight string empty or preceded by garbage';
    let w = Number(m[1]);
    const rest = text.slice(m[0].length);
    if (rest === '%') {
      if (w < 0) return 'Relative weight must be positive.\n';
      if (w > 25600) w = 25600;
      w = Math.trunc((this.initialWeight * w) / 100);
      if (w > SRV_UWGHT_MAX) w = SRV_UWGHT_MAX;
    } else if (w < 0 || w > SRV_UWGHT_MAX) {
      return 'Absolute weight can only be between 0 and 256 inclusive.\n';
    } else if (rest !== '') {
      return 'Trailing garbage in weight string';
    }
    if (w !== 0 && w !== this.initialWeight && !this.dynamicWeights) {
      return "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n";
    }
    this.server.uweight = w;
    this.refreshWeight();
    this.drainRemains();
    return undefined;
  }

  /** server.c server_parse_maxconn_change_request(). Returns haproxy's complaint, if any. */
  requestMaxconn(text: string): string | undefined {
    const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(text);
    if (m === null) return 'maxconn string empty';
    if (text.slice(m[0].length) !== '') return 'Trailing garbage in maxconn string';
    const s = this.server;
    s.maxconn = Number(m[1]);
    s.processQueue();
    return undefined;
  }
}
