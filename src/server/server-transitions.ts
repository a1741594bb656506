/**
 * What follows a server state change, whatever caused it (a check, the
 * agent, a tracked server): haproxy's status lines and counts
 * (server.c srv_append_status(), srv_update_status()), the backend-down
 * alert (backend.c set_backend_down()), `on-marked-down shutdown-sessions`,
 * `on-marked-up shutdown-backup-sessions`, and `track` propagation.
 *
 * Verified with haproxy 2.6 -db (docs/servers.md):
 *
 *   Server fe/s1 is DOWN, reason: Layer4 connection problem, ... 1 active and 1 backup servers left. ...
 *   Server be2/t1 is DOWN via fe/s1. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.
 *   backend 'be2' has no server available!
 *   Server fe/s2 is DOWN via fe/s1. 0 active and 1 backup servers left. Running on backup. ...
 *   Backup Server fe/s3 is DOWN via fe/s2. 0 active and 0 backup servers left. ...
 *   Server be2/t1 is UP via fe/s1. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.
 *
 * Order: the server's own line, its backend's alert, then its trackers,
 * newest `track` first (srv->trackers is a list built by prepending), each
 * recursively. The "sessions active" count is taken before the sessions are
 * shut down (haproxy prints "1 sessions active" and then closes it).
 */
import type { Reporter } from '../proxy/runtime.js';
import type { Server, ServerOwner } from './server.js';

/** The backend's usable servers count (srv_act + srv_bck). */
export function usableCount(owner: ServerOwner): number {
  return owner.activeCount + owner.backupCount;
}

/** `Server be/s` or `Backup Server be/s`, how haproxy's lines start. */
export function serverLabel(s: Server): string {
  return `${s.backup ? 'Backup ' : ''}Server ${s.fullName}`;
}

/** srv_append_status(): the server counts, "left" when the server is (going) down. */
export function statusCounts(s: Server, xferred: number, down: boolean): string {
  const be = s.owner;
  const backup = be.backupCount > 0 && be.activeCount === 0 ? ' Running on backup.' : '';
  if (down) {
    return `. ${be.activeCount} active and ${be.backupCount} backup servers left.${backup} ` +
      `${s.served} sessions active, ${xferred} requeued, ${s.queue.length} remaining in queue`;
  }
  return `. ${be.activeCount} active and ${be.backupCount} backup servers online.${backup} ` +
    `${xferred} sessions requeued, ${s.queue.length} total in queue`;
}

/** backend.c set_backend_down(), when the last usable server went away. */
export function reportBackendDown(s: Server, prevCount: number, reporter: Reporter): void {
  if (prevCount === 0 || usableCount(s.owner) !== 0) return;
  const be = s.owner;
  reporter.report('alert', `${be.typeLabel} '${be.name}' has no server available!`);
}

/**
 * After `s` was marked DOWN (or entered maintenance) and its line was
 * printed: `on-marked-down shutdown-sessions` (server.c srv_update_status():
 * srv_shutdown_streams(s, SF_ERR_DOWN)), then the servers tracking it.
 */
export function afterMarkedDown(s: Server, reporter: Reporter): void {
  if (s.config.onMarkedDown === 'shutdown-sessions') s.killSessions();
  for (const t of [...s.trackers]) trackerDown(t, s, reporter);
}

/**
 * After `s` was marked UP and its line was printed: `on-marked-up
 * shutdown-backup-sessions` closes the streams of every backup server, only
 * for a non-backup server with a non-zero weight (configuration.txt §5.2),
 * then the servers tracking it follow.
 */
export function afterMarkedUp(s: Server, reporter: Reporter): void {
  if (s.config.onMarkedUp === 'shutdown-backup-sessions' && !s.backup && s.eweight > 0) {
    for (const b of s.owner.servers ?? []) if (b.backup) b.killSessions();
  }
  for (const t of [...s.trackers]) trackerUp(t, s, reporter);
}

/** server.c srv_set_stopped() on a tracking server: "is DOWN via <tracked>". */
function trackerDown(t: Server, via: Server, reporter: Reporter): void {
  t.trackStopping = false;
  if (t.maint) {
    t.setOperational(false);
    return;
  }
  if (t.operational === 'DOWN') return;
  const prev = usableCount(t.owner);
  t.setOperational(false);
  const xferred = t.redistributeQueue();
  reporter.report('warning', `${serverLabel(t)} is DOWN via ${via.fullName}${statusCounts(t, xferred, true)}.`);
  reportBackendDown(t, prev, reporter);
  afterMarkedDown(t, reporter);
}

/** server.c srv_set_running() on a tracking server: "is UP via <tracked>". */
function trackerUp(t: Server, via: Server, reporter: Reporter): void {
  const wasStopping = t.trackStopping;
  t.trackStopping = false;
  if (t.maint) {
    t.setOperational(true);
    return;
  }
  if (t.operational === 'UP' && !wasStopping) return;
  if (!t.setOperational(true)) t.refreshEweight();
  const xferred = t.grabFromBackend();
  reporter.report('warning', `${serverLabel(t)} is UP via ${via.fullName}${statusCounts(t, xferred, false)}.`);
  afterMarkedUp(t, reporter);
}

/**
 * After `s` started stopping (`http-check disable-on-404`) and its line was
 * printed: server.c srv_set_stopping() on each tracker, "is stopping via".
 * Verified with haproxy 2.6:
 *
 *   Server be/s2 is stopping via be/s1. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.
 */
export function afterStopping(s: Server, reporter: Reporter): void {
  for (const t of [...s.trackers]) trackerStopping(t, s, reporter);
}

function trackerStopping(t: Server, via: Server, reporter: Reporter): void {
  if (t.trackStopping) return;
  if (t.maint) {
    t.trackStopping = true;
    t.setOperational(true);
    return;
  }
  const prev = usableCount(t.owner);
  t.trackStopping = true;
  if (!t.setOperational(true)) t.refreshEweight();
  const xferred = t.redistributeQueue();
  reporter.report('warning', `${serverLabel(t)} is stopping via ${via.fullName}${statusCounts(t, xferred, false)}.`);
  reportBackendDown(t, prev, reporter);
  afterStopping(t, reporter);
}

/**
 * server.c srv_set_admin_flag() / srv_clr_admin_flag() on the trackers of
 * `s`: maintenance and drain pass down `track` chains as SRV_ADMF_IMAINT and
 * SRV_ADMF_IDRAIN, newest tracker first, each tracker's line (and its
 * backend's alert) before its own trackers'. A tracker already in that state
 * for another reason prints nothing and passes nothing on. Verified with
 * haproxy 2.6 (agent `maint`, `ready`, `drain` on the tracked server):
 *
 *   Server be2/t1 is going DOWN for maintenance via fe/s1. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.
 *   Server fe/s2 was DOWN and now enters maintenance via fe/s1.
 *   Server fe/s2 is UP/READY (leaving maintenance).
 *   Server be2/t1 enters drain state via fe/s1. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.
 *   Server fe/s2 is UP (leaving forced drain).
 */
export function propagateAdmin(s: Server, what: 'maint' | 'drain', set: boolean, reporter: Reporter): void {
  for (const t of [...s.trackers]) {
    if (what === 'maint') {
      if (set) trackerEnterMaint(t, s, reporter);
      else trackerLeaveMaint(t, s, reporter);
    } else if (set) {
      trackerEnterDrain(t, s, reporter);
    } else {
      trackerLeaveDrain(t, s, reporter);
    }
  }
}

function trackerEnterMaint(t: Server, via: Server, reporter: Reporter): void {
  if (t.inheritedMaint) return;
  t.inheritedMaint = true;
  if (t.maint) return;
  const prev = usableCount(t.owner);
  const wasDown = t.operational === 'DOWN';
  t.trackStopping = false;
  t.setMaint(true);
  t.setOperational(false);
  if (wasDown) {
    reporter.report('warning', `${serverLabel(t)} was DOWN and now enters maintenance via ${via.fullName}.`);
  } else {
    const xferred = t.redistributeQueue();
    reporter.report('warning', `${serverLabel(t)} is going DOWN for maintenance via ${via.fullName}${statusCounts(t, xferred, true)}.`);
    reportBackendDown(t, prev, reporter);
    if (t.config.onMarkedDown === 'shutdown-sessions') t.killSessions();
  }
  propagateAdmin(t, 'maint', true, reporter);
}

function trackerLeaveMaint(t: Server, via: Server, reporter: Reporter): void {
  if (!t.inheritedMaint) return;
  t.inheritedMaint = false;
  if (!t.maint || t.ownMaint) return;
  // srv_update_status(): a tracker leaving maintenance takes the state of the server it tracks.
  const up = via.operational === 'UP';
  t.trackStopping = false;
  t.setOperational(up);
  t.setMaint(false);
  if (up) t.grabFromBackend();
  reporter.report('warning', `${serverLabel(t)} is ${up ? 'UP' : 'DOWN'}/${t.inheritedDrain ? 'DRAIN' : 'READY'} (leaving maintenance).`);
  propagateAdmin(t, 'maint', false, reporter);
}

function trackerEnterDrain(t: Server, via: Server, reporter: Reporter): void {
  if (t.inheritedDrain) return;
  const prev = usableCount(t.owner);
  t.inheritedDrain = true;
  t.refreshEweight();
  if (!t.maint) {
    const xferred = t.redistributeQueue();
    reporter.report('warning', `${serverLabel(t)} enters drain state via ${via.fullName}${statusCounts(t, xferred, t.operational === 'DOWN')}.`);
    reportBackendDown(t, prev, reporter);
  }
  propagateAdmin(t, 'drain', true, reporter);
}

function trackerLeaveDrain(t: Server, _via: Server, reporter: Reporter): void {
  if (!t.inheritedDrain) return;
  t.inheritedDrain = false;
  t.refreshEweight();
  // haproxy 2.6 says "forced" for the inherited drain too.
  if (!t.maint) reporter.report('warning', `${serverLabel(t)} is ${t.operational === 'DOWN' ? 'DOWN' : 'UP'} (leaving forced drain).`);
  propagateAdmin(t, 'drain', false, reporter);
}
