/**
 * The timeouts of an `HttpStream`: one coarse timer per connection, checked
 * against activity marks when it fires (DESIGN "Timers"): `timeout
 * http-request`, `http-keep-alive`, `queue`, `connect`, `client`, `server`,
 * `tunnel` (configuration.txt §4 "timeout ...").
 */
import type { HttpStream } from './stream.js';
import { feConnConfig } from './stream-config.js';
import { errorReply, rawErrorReply, timeoutReply } from './stream-replies.js';
import { Observed } from '../server/server.js';
import { connectFailed } from './stream-server.js';
import { RE_TIMEOUT, retryOnFailure } from './l7-retry.js';
import { clock, CONNECT, FORWARD, TUNNEL, WAIT_REQ } from './stream-state.js';

/** No deadline (the armed timer, if any, re-arms itself when it fires early). */
export function resetTimer(s: HttpStream): void {
  s.deadline = Infinity;
}

/** Arms the timer for `ms` from now (undefined: no timeout). */
export function armIn(s: HttpStream, ms: number | undefined): void {
  if (ms === undefined) {
    s.deadline = Infinity;
    return;
  }
  setDeadline(s, clock() + ms);
}

/** Moves the deadline; the one timer is re-created only when it must fire earlier. */
export function setDeadline(s: HttpStream, d: number): void {
  s.deadline = d;
  if (s.timer === undefined) s.timer = setTimeout(s.onTimer, Math.max(1, Math.ceil(d - clock())));
  else if (d < s.timerAt) {
    clearTimeout(s.timer);
    s.timer = setTimeout(s.onTimer, Math.max(1, Math.ceil(d - clock())));
  } else return;
  s.timerAt = d;
}

/** WAIT_REQ: `timeout http-request` (first request or once bytes arrived), else `http-keep-alive`. */
export function armWait(s: HttpStream): void {
  const t = s.fe.timeouts;
  const ka = s.txCount > 0 && s.waitStart < 0;
  const ms = ka ? t.httpKeepAlive ?? t.httpRequest ?? t.client : t.httpRequest ?? t.client;
  armIn(s, ms);
}

/** FORWARD/TUNNEL: inactivity timeouts are checked against the activity marks when the timer fires. */
export function armForward(s: HttpStream): void {
  const ms = activeTimeout(s);
  armIn(s, ms);
}

/** A tunnel side was sent a FIN: its `timeout client-fin` / `server-fin` may now strike sooner. */
export function armFin(s: HttpStream): void {
  let d = Infinity;
  const cf = s.fe.timeouts.clientFin;
  if (cf !== undefined && s.cli.writableEnded) d = Math.min(d, s.cliLast + cf);
  const sf = s.be?.timeouts.serverFin;
  if (sf !== undefined && s.srv?.writableEnded === true) d = Math.min(d, s.srvLast + sf);
  if (d < s.deadline) setDeadline(s, Math.max(d, clock() + 1));
}

/** The inactivity timeout of the current phase: `timeout tunnel`, else the smaller of client/server. */
export function activeTimeout(s: HttpStream): number | undefined {
  const be = s.be;
  // set-timeout server|tunnel rules (src/http/rules.ts) override the backend's values.
  if (s.phase === TUNNEL) return s.curTunnelTimeout ?? be?.timeouts.tunnel ?? minDef(s.fe.timeouts.client, s.curServerTimeout ?? be?.timeouts.server);
  return minDef(s.fe.timeouts.client, s.curServerTimeout ?? be?.timeouts.server);
}

/** The connection's timer fired: the timeout of the current phase, if it is really due. */
export function timerFired(s: HttpStream): void {
  s.timer = undefined;
  s.timerAt = Infinity;
  if (s.finished) return;
  const now = clock();
  // http-response wait-for-body (stream-res-wait.ts): its own deadline, then a 504.
  const hd = s.phase === FORWARD && s.resHold?.waiting === true ? s.resHold.deadline : Infinity;
  if (now + 1 >= hd) {
    resWaitExpired(s);
    return;
  }
  if (now + 1 < s.deadline) {
    const d = Math.min(s.deadline, hd);
    if (d !== Infinity) setDeadline(s, d);
    return;
  }
  switch (s.phase) {
    case WAIT_REQ: {
      if (s.txCount > 0 && s.waitStart < 0 && s.cliBuf === undefined) {
        // Idle keep-alive connection: closed silently.
        s.closeCli();
        return;
      }
      if (s.txCount === 0 && s.bytesIn === 0 && feConnConfig(s.fe).ignoreProbes) {
        // configuration.txt §4.2 "option http-ignore-probes": a connection
        // that never sent a byte gets no 408.
        s.closeCli();
        return;
      }
      s.setTerm('c', 'R');
      // `errorfile 408 /dev/null` closes silently (stream-replies.ts rawErrorReply).
      rawErrorReply(s, 408);
      s.closeCli();
      return;
    }
    case CONNECT:
      if (s.reqWait.waiting) {
        // http-buffer-request, wait-for-body: the body did not come in time (http_wait_for_msg_body()).
        s.reqWait.waiting = false;
        s.setTerm('c', 'R');
        errorReply(s, 408);
        return;
      }
      if (s.server !== undefined && s.srv !== undefined && !s.srvConnected) {
        connectFailed(s);
        return;
      }
      // Queue timeout.
      s.setTerm('s', 'Q');
      errorReply(s, 503);
      return;
    case FORWARD:
    case TUNNEL: {
      const be = s.be;
      const tun = s.phase === TUNNEL ? s.curTunnelTimeout ?? be?.timeouts.tunnel : undefined;
      let ts = tun ?? s.curServerTimeout ?? be?.timeouts.server;
      let tc = tun ?? s.fe.timeouts.client;
      // stconn.c sc_app_shutw(): once a side was sent a FIN, its read timeout
      // becomes `timeout client-fin` / `server-fin` when set (over `tunnel` too).
      if (s.phase === TUNNEL) {
        if (s.cli.writableEnded) tc = s.fe.timeouts.clientFin ?? tc;
        if (s.srv?.writableEnded === true) ts = be?.timeouts.serverFin ?? ts;
      }
      const waitingRes = s.phase === FORWARD && !s.resDone;
      if (ts !== undefined && (waitingRes || s.phase === TUNNEL) && now + 1 >= s.srvLast + ts) {
        // retry-on response-timeout (l7-retry.ts).
        if (waitingRes && s.l7 !== undefined && retryOnFailure(s, RE_TIMEOUT)) return;
        s.setTerm('s', s.resStarted ? 'D' : 'H');
        // http_ana.c: `observe layer7` counts a server timeout before the response.
        if (s.phase === FORWARD && !s.resStarted) s.server?.observe(Observed.HTTP_READ_TIMEOUT);
        if (s.phase === FORWARD && !s.resStarted) timeoutReply(s);
        else s.kill();
        return;
      }
      if (tc !== undefined && (s.phase === TUNNEL || !s.reqDone || s.cliFull) && now + 1 >= s.cliLast + tc) {
        s.setTerm('c', 'D');
        s.kill();
        return;
      }
      const next = Math.min(ts === undefined ? Infinity : s.srvLast + ts, tc === undefined ? Infinity : s.cliLast + tc, hd);
      if (next !== Infinity) setDeadline(s, Math.max(next, now + 1));
      return;
    }
    default:
      s.cli.destroy();
  }
}

/**
 * http_ana.c http_wait_for_msg_body() on the response: the time of an
 * `http-response wait-for-body` ran out before the body came; haproxy 2.6
 * answers a 504 (its server-side read timeout), nothing of the held
 * response reaching the client.
 */
function resWaitExpired(s: HttpStream): void {
  s.resHold = undefined;
  s.resStarted = false;
  s.setTerm('s', 'H');
  timeoutReply(s);
}

function minDef(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
