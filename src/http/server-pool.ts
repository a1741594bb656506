/**
 * Idle server connections kept for reuse (haproxy's per-server idle lists,
 * `http-reuse`, configuration.txt §4.2): a small LIFO stack per server.
 *
 * An idle connection has no stream: its data or close means the server is
 * done with it, so it is destroyed and forgotten. The stack is bounded
 * (`pool-max-conn`: -1 unlimited, 0 none; haproxy's default is unlimited, 64 here) and
 * each entry expires after `pool-purge-delay` (default 5 s).
 */
import type net from 'node:net';
import type { Server } from '../server/server.js';

interface Idle {
  readonly sock: net.Socket;
  readonly since: number;
}

const pools = new WeakMap<Server, Idle[]>();

const DEFAULT_MAX = 64;
const PURGE_DELAY = 5000;

function onIdleEvent(this: net.Socket): void {
  // Data on an idle connection is a protocol error, a close ends it: drop it.
  this.destroy();
}

function detach(sock: net.Socket): void {
  sock.removeListener('data', onIdleEvent);
  sock.removeListener('end', onIdleEvent);
  sock.removeListener('close', onIdleEvent);
  sock.removeListener('error', onIdleEvent);
}

/** Parks an idle connection to `server` for later reuse; destroys it when the pool is full. */
export function releaseIdle(server: Server, sock: net.Socket): void {
  if (sock.destroyed || !sock.writable) {
    sock.destroy();
    return;
  }
  let list = pools.get(server);
  if (list === undefined) {
    list = [];
    pools.set(server, list);
  }
  const max = server.config.poolMaxConn ?? DEFAULT_MAX;
  if (max === 0 || (max > 0 && list.length >= max)) {
    sock.destroy();
    return;
  }
  sock.on('data', onIdleEvent);
  sock.on('end', onIdleEvent);
  sock.on('close', onIdleEvent);
  sock.on('error', onIdleEvent);
  sock.resume();
  list.push({ sock, since: performance.now() });
}

/** Takes the most recently parked live connection to `server`, if any. */
export function takeIdle(server: Server): net.Socket | undefined {
  const list = pools.get(server);
  if (list === undefined) return undefined;
  const now = performance.now();
  while (list.length > 0) {
    const e = list.pop()!;
    detach(e.sock);
    if (e.sock.destroyed || !e.sock.writable || now - e.since > PURGE_DELAY) {
      e.sock.destroy();
      continue;
    }
    return e.sock;
  }
  return undefined;
}

/** Closes every idle connection to `server` (server going down, stop). */
export function purgeIdle(server: Server): void {
  const list = pools.get(server);
  if (list === undefined) return;
  for (const e of list.splice(0)) {
    detach(e.sock);
    e.sock.destroy();
  }
}
