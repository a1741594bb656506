/**
 * The server side of an `HttpStream`: server selection and queueing
 * (backend.c assign_server), idle-pool reuse (`http-reuse`), connecting,
 * retries on connect failure, and the server socket's end/error/close
 * handling. Plain functions taking the stream: its socket handlers stay
 * bound once per connection in stream.ts.
 */
import type net from 'node:net';
import { openConnection } from '../net/connect.js';
import type { Server } from '../server/server.js';
import { BODY_UNTIL_CLOSE } from './h1-head.js';
import { takeIdle } from './server-pool.js';
import type { HttpStream } from './stream.js';
import { errorReply, responseError } from './stream-replies.js';
import { CONNECT, FORWARD, TUNNEL } from './stream-state.js';
import { armIn } from './stream-timers.js';
import { retryDecision } from '../proxy/retry-policy.js';

/** backend.c assign_server(): pick, queue when full, 503 when none. */
export function assignServer(s: HttpStream): void {
  const be = s.be!;
  const server = be.algorithm.pick(s);
  if (server === undefined) {
    if (be.activeCount + be.backupCount > 0) {
      be.queue.push(s);
      be.counters.queued++;
      armIn(s, be.timeouts.queue ?? be.timeouts.connect);
      return;
    }
    s.setTerm('S', 'C');
    errorReply(s, 503);
    return;
  }
  if (!server.hasFreeSlot()) {
    server.enqueue(s);
    armIn(s, be.timeouts.queue ?? be.timeouts.connect);
    return;
  }
  server.take();
  s.grant(server);
}

/** Waiter: a slot on `server` is ours. */
export function grantServer(s: HttpStream, server: Server): void {
  if (s.finished || s.phase !== CONNECT) {
    server.drop();
    return;
  }
  s.server = server;
  // configuration.txt §4.2 "http-reuse safe": the first request of a
  // connection gets its own server connection, later ones may reuse idle ones.
  if (s.srv === undefined && s.be!.config.httpReuse !== 'never' && (s.txCount > 1 || s.be!.config.httpReuse === 'always' || s.be!.config.httpReuse === 'aggressive')) {
    const idle = takeIdle(server);
    if (idle !== undefined) {
      attachSrv(s, idle);
      s.reused = true;
      s.srvConnected = true;
      s.startForward();
      return;
    }
  }
  connectServer(s);
}

/** A new connection to the granted server (`timeout connect` armed). */
export function connectServer(s: HttpStream): void {
  const be = s.be!;
  s.reused = false;
  s.srvConnected = false;
  const sock = openConnection(be.connectOptionsFor(s.server!, s));
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
function ownerData(this: OwnedSocket, chunk: Buffer): void {
  this[OWNER]?.onSrvData(chunk);
}
function ownerEnd(this: OwnedSocket): void {
  this[OWNER]?.onSrvEnd();
}
function ownerDrain(this: OwnedSocket): void {
  this[OWNER]?.onSrvDrain();
}
function ownerError(this: OwnedSocket): void {
  this[OWNER]?.onSrvError();
}
function ownerClose(this: OwnedSocket): void {
  this[OWNER]?.onSrvClose();
}

/** Makes `sock` the stream's server connection (its handlers are bound on first use only). */
export function attachSrv(s: HttpStream, sock: net.Socket): void {
  s.srv = sock;
  s.srvBuf = undefined;
  s.srvFull = false;
  const o = sock as OwnedSocket;
  if (!(OWNER in o)) {
    sock.on('data', ownerData);
    sock.on('end', ownerEnd);
    sock.on('drain', ownerDrain);
    sock.on('error', ownerError);
    sock.on('close', ownerClose);
  }
  o[OWNER] = s;
}

/** Forgets the server connection (its handlers then do nothing); returns it (to pool or destroy). */
export function detachSrv(s: HttpStream): net.Socket | undefined {
  const sock = s.srv;
  if (sock === undefined) return undefined;
  const o = sock as OwnedSocket;
  if (o[OWNER] === s) o[OWNER] = undefined;
  if (!s.srvConnected) sock.removeListener('connect', s.onSrvConnect);
  s.srv = undefined;
  return sock;
}

/** The server half-closed: end of a close-delimited body, or a 502 mid-response. */
export function onServerEnd(s: HttpStream): void {
  if (s.phase === TUNNEL) {
    s.cli.end();
    return;
  }
  if (s.phase === FORWARD && s.resHead !== undefined && s.resHead.bodyKind === BODY_UNTIL_CLOSE && !s.resDone) {
    s.resParser.finish();
    return;
  }
  s.srvKeep = false;
  if (s.phase === FORWARD && !s.resDone) responseError(s, 502);
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
      return;
    }
    responseError(s, 502);
  }
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
  if (s.retries >= be.retries || server === undefined) {
    be.counters.connectFailures++;
    if (server !== undefined) server.counters.connectFailures++;
    s.setTerm('S', 'C');
    errorReply(s, 503);
    return;
  }
  s.retries++;
  be.counters.retries++;
  const { redispatch, delayed, delayMs } = retryDecision(be, server, s.retries);
  s.avoid = server;
  if (redispatch) {
    // The slot goes back; the next attempt picks a server again, avoiding this one.
    s.server = undefined;
    server.drop();
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
  const server = s.server;
  s.server = undefined;
  if (server !== undefined) server.drop();
  const be = s.be;
  if (be !== undefined) {
    be.counters.curConns--;
    s.be = undefined;
  }
}
