/**
 * The server side of an `HttpStream`: server selection and queueing
 * (backend.c assign_server), idle-pool reuse (`http-reuse`), connecting,
 * retries on connect failure, and the server socket's end/error/close
 * handling. Plain functions taking the stream: its socket handlers stay
 * bound once per connection in stream.ts.
 */
import type net from 'node:net';
import { openConnection } from '../net/connect.js';
import { Observed, type Server } from '../server/server.js';
import type { Backend } from '../proxy/runtime.js';
import { beConnConfig } from './stream-config.js';
import { redirectToServer } from '../server/server-redirect.js';
import { BODY_CHUNKED, BODY_LENGTH, BODY_UNTIL_CLOSE } from './h1-head.js';
import { connServer, idleEvent, releaseIdle, TAKE_ANY, TAKE_SAFE, TAKE_SAFE_FIRST, takeIdle, unuseConn, useConn } from './server-pool.js';
import type { HttpStream } from './stream.js';
import { errorReply, responseError } from './stream-replies.js';
import { CONNECT, FORWARD, TUNNEL } from './stream-state.js';
import { armIn } from './stream-timers.js';
import { directReadOption, type DirectReadHandler } from './stream-read.js';
import { retryDecision } from '../proxy/retry-policy.js';
import { persistRetry, persistTarget } from './cookie-persistence.js';
import { connRetryAllowed, retryOnClose } from './l7-retry.js';
import { resHoldRead } from './stream-res-wait.js';

/** backend.c assign_server(): pick, queue when full, 503 when none. */
export function assignServer(s: HttpStream): void {
  const be = s.be!;
  // use-server or the persistence cookie first (SF_ASSIGNED), then the balancer.
  const server = persistTarget(s) ?? lastServer(s, be) ?? be.algorithm.pick(s);
  if (server === undefined) {
    if (be.activeCount + be.backupCount > 0) {
      be.queue.push(s);
      s.txlog?.queued(be.queue, true);
      be.counters.queued++;
      armIn(s, be.timeouts.queue ?? be.timeouts.connect);
      return;
    }
    s.setTerm('S', 'C');
    errorReply(s, 503);
    return;
  }
  if (!server.hasFreeSlot()) {
    // configuration.txt §5.2 "maxqueue": a full server queue answers 503 (sQ).
    if (server.maxqueue > 0 && server.queue.length >= server.maxqueue) {
      server.counters.connectFailures++;
      be.counters.connectFailures++;
      s.setTerm('s', 'Q');
      errorReply(s, 503);
      return;
    }
    server.enqueue(s);
    s.txlog?.queued(server.queue, false);
    armIn(s, be.timeouts.queue ?? be.timeouts.connect);
    return;
  }
  server.take(s);
  s.grant(server);
}

/**
 * backend.c assign_server(): with `option prefer-last-server` and an
 * algorithm that does not hash, the server of the client connection's idle
 * server connection, while it is usable and, with `max-keep-alive-queue`,
 * has room or a queue shorter than that. haproxy 2.6 looks at the session's
 * connection list only, which holds private connections (`http-reuse
 * never`): shared ones go back to the server's pool and are forgotten by
 * the session, so the option changes nothing with the other modes (checked
 * with haproxy 2.6: safe and always alternate two servers, never stays).
 */
function lastServer(s: HttpStream, be: Backend): Server | undefined {
  const own = s.ownConn;
  if (own === undefined || !s.ownPrivate) return undefined;
  const c = beConnConfig(be);
  if (!c.preferLast || be.algorithm.kind === 'hi') return undefined;
  const srv = connServer(own);
  if (srv === undefined || srv.owner !== be || !srv.usable) return undefined;
  if (c.maxKaQueue !== 0 && !srv.hasFreeSlot() && srv.queue.length + 1 >= c.maxKaQueue) return undefined;
  return srv;
}

/** Waiter: a slot on `server` is ours. */
export function grantServer(s: HttpStream, server: Server): void {
  if (s.finished || s.phase !== CONNECT) {
    server.drop(s);
    return;
  }
  s.server = server;
  s.txlog?.assigned();
  // `redir <prefix>`: a 302 instead of a connection (src/server/server-redirect.ts).
  if (server.config.redir !== undefined && redirectToServer(s, server)) return;
  if (s.srv === undefined) {
    const sock = reusableConn(s, server);
    if (sock !== undefined) {
      attachSrv(s, sock);
      s.reused = true;
      s.srvConnected = true;
      s.startForward();
      return;
    }
  }
  connectServer(s);
}

/**
 * An idle connection to `server` this request may use (backend.c
 * connect_server()): first the session's private ones (`http-reuse never`),
 * then the server's lists as `http-reuse` allows (server-pool.ts): never
 * none; safe only for a request that is not the first of its client
 * connection (the oldest one-request connection, else the oldest safe one);
 * aggressive also for a first request, from the safe list (connections that
 * carried two requests); always any, the safe list first. A shared
 * connection is not kept for the client connection that used it: haproxy
 * 2.6 gives it back to the server (mux_h1.c h1_detach()), and the next
 * request of that client may get another one.
 */
function reusableConn(s: HttpStream, server: Server): net.Socket | undefined {
  // session.c session_get_conn(): the session's private idle connections to this server first.
  const priv = s.privConns;
  if (priv !== undefined) {
    for (let i = 0; i < priv.length; i++) {
      const c = priv[i]!;
      if (connServer(c) !== server) continue;
      priv.splice(i, 1);
      if (s.ownConn === c) s.ownConn = undefined;
      if (!c.destroyed && c.writable) return c;
      c.destroy();
      break;
    }
  }
  const reuse = beConnConfig(s.be!).reuse;
  if (reuse === 'never') return undefined;
  if (s.txCount > 1) return takeIdle(server, TAKE_ANY);
  if (reuse === 'always') return takeIdle(server, TAKE_SAFE_FIRST);
  if (reuse === 'aggressive') return takeIdle(server, TAKE_SAFE);
  return undefined;
}

/**
 * The transaction is over and its server connection may stay open: parked
 * in the server's pool and remembered as this client connection's own, or
 * kept private to the client connection with `http-reuse never` (h1_detach():
 * CO_FL_PRIVATE connections stay in the session).
 */
export function keepServerConn(s: HttpStream, server: Server, sock: net.Socket): void {
  if (s.be !== undefined && beConnConfig(s.be).reuse === 'never') {
    // session.c session_check_idle_conn(): a session keeps at most
    // `max-session-srv-conns` (default 5) idle connections; one more is
    // closed at once (checked with haproxy 2.6: with 1, a client
    // alternating two servers keeps the first server's connection only).
    let priv = (s.privConns ??= []);
    // Connections the server closed while idle left the session (conn_free()).
    if (priv.some((c) => c.destroyed)) priv = s.privConns = priv.filter((c) => !c.destroyed);
    if (priv.length >= (s.fe.config.maxSessionServerConns ?? MAX_SRV_LIST)) {
      sock.destroy();
      return;
    }
    priv.push(sock);
    s.ownConn = sock;
    s.ownPrivate = true;
    return;
  }
  releaseIdle(server, sock);
  s.ownConn = undefined;
  s.ownPrivate = false;
}

/** The client connection ends: its private server connection closes, a shared one stays in the pool. */
export function dropOwnConn(s: HttpStream): void {
  s.ownConn = undefined;
  const priv = s.privConns;
  s.privConns = undefined;
  if (priv !== undefined) for (const c of priv) c.destroy();
}

/** haproxy's MAX_SRV_LIST: the default `max-session-srv-conns`. */
const MAX_SRV_LIST = 5;

/** A new connection to the granted server (`timeout connect` armed). */
export function connectServer(s: HttpStream): void {
  const be = s.be!;
  s.reused = false;
  s.srvConnected = false;
  const opts = be.connectOptionsFor(s.server!, s);
  // Reads straight from libuv (stream-read.ts); the options object is shared per server, so a copy.
  const sock = openConnection(SRV_ONREAD === undefined ? opts : { ...opts, onread: SRV_ONREAD });
  attachSrv(s, sock);
  sock.once('connect', s.onSrvConnect);
  armIn(s, be.timeouts.connect);
}

/** The stream a server socket currently belongs to (undefined while idle in the pool or dropped). */
const OWNER: unique symbol = Symbol('switchyard.httpOwner');
interface OwnedSocket extends net.Socket {
  [OWNER]?: HttpStream | undefined;
}

// Handlers bound once per server socket, for its whole life: a pooled
// connection moves from stream to stream by changing its owner, without
// adding and removing five listeners per transaction (bench/http.ts profile:
// listener churn showed as megamorphic keyed loads/stores and splices).
// Without an owner the connection is idle (pooled or kept private): data,
// an end or a close from the server means it is done with it (idleEvent).
function ownerData(this: OwnedSocket, chunk: Buffer): void {
  const o = this[OWNER];
  if (o !== undefined) o.onSrvData(chunk);
  else idleEvent(this);
}
function ownerEnd(this: OwnedSocket): void {
  const o = this[OWNER];
  if (o !== undefined) o.onSrvEnd();
  else idleEvent(this);
}
function ownerDrain(this: OwnedSocket): void {
  this[OWNER]?.onSrvDrain();
}
function ownerError(this: OwnedSocket): void {
  const o = this[OWNER];
  if (o !== undefined) o.onSrvError();
  else idleEvent(this);
}
function ownerClose(this: OwnedSocket): void {
  const o = this[OWNER];
  if (o !== undefined) o.onSrvClose();
  else idleEvent(this);
}

/** Direct reads of server sockets go to the same owner dispatch as 'data' events. */
const SRV_ONREAD = directReadOption(ownerData as DirectReadHandler);

/** Makes `sock` the stream's server connection (its handlers are bound on first use only). */
export function attachSrv(s: HttpStream, sock: net.Socket): void {
  s.srv = sock;
  s.srvBuf = undefined;
  s.srvFull = false;
  const o = sock as OwnedSocket;
  if (!(OWNER in o)) {
    if (SRV_ONREAD === undefined) sock.on('data', ownerData);
    sock.on('end', ownerEnd);
    sock.on('drain', ownerDrain);
    sock.on('error', ownerError);
    sock.on('close', ownerClose);
  }
  o[OWNER] = s;
  useConn(sock, s.server!);
}

/**
 * Closes a server connection the proxy is done with before the server
 * closed it: haproxy 2.6 aborts it (the server sees a reset, with or without
 * `option nolinger`: checked after `http-server-close`, `httpclose` and a
 * 504), while a connection whose FIN was already read ends with a FIN
 * (haproxy too; a FIN arriving with the last bytes of the response races
 * with the close in both).
 */
export function closeSrv(sock: net.Socket | undefined): void {
  if (sock === undefined || sock.destroyed) return;
  if (sock.readableEnded || !sock.writable) sock.destroy();
  else sock.resetAndDestroy();
}

/** Forgets the server connection (its handlers then do nothing); returns it (to pool or destroy). */
export function detachSrv(s: HttpStream): net.Socket | undefined {
  const sock = s.srv;
  if (sock === undefined) return undefined;
  const o = sock as OwnedSocket;
  if (o[OWNER] === s) o[OWNER] = undefined;
  unuseConn(sock);
  if (!s.srvConnected) sock.removeListener('connect', s.onSrvConnect);
  s.srv = undefined;
  return sock;
}

/** The server half-closed: end of a close-delimited body, or a 502 mid-response. */
export function onServerEnd(s: HttpStream): void {
  if (s.phase === TUNNEL) {
    // haproxy 2.6 ends the whole tunnel when the server half-closes: the
    // server gets a FIN back at once, the client the FIN, then its
    // connection is released (later client bytes get a reset); `timeout
    // client-fin` plays no part (test/compat/http/connection-fin.test.ts).
    s.srv?.end();
    s.closeCli();
    return;
  }
  if (s.phase === FORWARD && s.resHead !== undefined && s.resHead.bodyKind === BODY_UNTIL_CLOSE && !s.resDone) {
    s.resParser.finish();
    // A held response (stream-res-wait.ts) is complete now: its rules go on.
    if (s.resHold !== undefined) resHoldRead(s);
    return;
  }
  s.srvKeep = false;
  if (s.phase === FORWARD && !s.resDone) {
    // retry-on empty-response / junk-response (l7-retry.ts).
    if (s.l7 !== undefined && retryOnClose(s)) return;
    if (abortKeepAlive(s)) return;
    if (!s.resStarted) s.server?.observe(Observed.HTTP_BROKEN_PIPE);
    responseError(s, 502);
  }
}

/** Socket errors matter only while connecting; otherwise they surface as 'close'. */
export function onServerError(s: HttpStream): void {
  if (s.phase === CONNECT && !s.srvConnected) connectFailed(s);
}

/** The server connection closed: retry while connecting, end a tunnel, or a 502. */
export function onServerClose(s: HttpStream): void {
  detachSrv(s);
  if (s.phase === CONNECT) {
    connectFailed(s);
    return;
  }
  if (s.phase === TUNNEL) {
    s.cli.end();
    s.closeCli();
    return;
  }
  if (s.phase === FORWARD && !s.resDone) {
    if (s.resHead !== undefined && s.resHead.bodyKind === BODY_UNTIL_CLOSE) {
      s.resParser.finish();
      if (s.resHold !== undefined) resHoldRead(s);
      return;
    }
    if (s.l7 !== undefined && retryOnClose(s)) return;
    if (abortKeepAlive(s)) return;
    if (abortUpload(s)) return;
    if (!s.resStarted) s.server?.observe(Observed.HTTP_BROKEN_PIPE);
    responseError(s, 502);
  }
}

/**
 * The server's connection failed (a reset: an orderly FIN went through
 * onServerEnd) while the request body was still being forwarded and before
 * any byte of an answer. haproxy 2.6 takes the error on the request channel:
 * it shuts both sides and sends nothing, so the client connection closes,
 * logged `SD` with status -1 and 0 bytes. A FIN at the same point, or a reset
 * after the whole request, still gets the 502 (test/compat/http/upload-abort.test.ts).
 */
function abortUpload(s: HttpStream): boolean {
  const h = s.reqHead;
  // Only a request with a body can be mid-upload.
  if (h === undefined || s.reqDone || s.resHead !== undefined || s.resStarted) return false;
  if (!((h.bodyKind === BODY_LENGTH && h.contentLength > 0) || h.bodyKind === BODY_CHUNKED)) return false;
  s.setTerm('S', 'D');
  s.closeCli();
  return true;
}

/**
 * http_ana.c http_wait_for_response() "abort_keep_alive": the server closed
 * under a later keep-alive request (TX_NOT_FIRST) before any byte of its
 * answer: no 502, no log line, the client connection closes silently so that
 * the client retries (test/integration/soak/http-keepalive-abort.test.ts).
 */
function abortKeepAlive(s: HttpStream): boolean {
  if (s.firstRequest || s.resHead !== undefined || s.resStarted) return false;
  s.txlog = undefined;
  closeSrv(detachSrv(s));
  s.closeCli();
  return true;
}

/**
 * backend.c back_handle_st_cer(): retry up to `retries` times — on another
 * server when `option redispatch` allows, after the turn-around delay
 * otherwise — then 503.
 */
export function connectFailed(s: HttpStream): void {
  detachSrv(s)?.destroy();
  const be = s.be!;
  const server = s.server;
  server?.observe(Observed.L4_ERR);
  // retry-on without conn-failure: no connect retries either (l7-retry.ts).
  if (s.retries >= be.retries || server === undefined || !connRetryAllowed(be)) {
    be.counters.connectFailures++;
    if (server !== undefined) server.counters.connectFailures++;
    s.setTerm('S', 'C');
    errorReply(s, 503);
    return;
  }
  s.retries++;
  be.counters.retries++;
  const { redispatch, delayed, delayMs } = retryDecision(be, server, s.retries, persistRetry(s));
  s.avoid = server;
  if (redispatch) {
    // The slot goes back; the next attempt picks a server again, avoiding this one.
    s.server = undefined;
    server.drop(s);
  }
  const next = redispatch ? assignServer : connectServer;
  if (!delayed) {
    next(s);
    return;
  }
  // Failure path only: one timer for the turn-around, dropped if the stream ends
  // meanwhile; the stream's own timer is pushed past it so no connect or queue
  // timeout fires during the wait.
  armIn(s, delayMs * 2 + 100);
  setTimeout(() => {
    if (!s.finished && s.phase === CONNECT) next(s);
  }, delayMs);
}

/** Gives back the server slot and the backend's current-connection count. */
export function releaseServer(s: HttpStream): void {
  s.txlog?.released();
  const server = s.server;
  s.server = undefined;
  if (server !== undefined) server.drop(s);
  const be = s.be;
  if (be !== undefined) {
    be.counters.curConns--;
    s.be = undefined;
  }
}
