/**
 * Idle server connections kept for reuse: haproxy's per-server idle lists
 * and their purge task (server.c srv_add_to_idle_list(),
 * srv_cleanup_idle_conns(); configuration.txt §4.2 "http-reuse", §5.2
 * "pool-max-conn", "pool-purge-delay", "pool-low-conn").
 *
 * Cheap by construction: a server socket gets its event handlers once, for
 * its whole life (stream-server.ts). While it is idle its owner is empty and
 * those handlers call {@link idleEvent}: data or a close on an idle
 * connection ends it. Parking and taking a connection therefore adds and
 * removes no listener; it is a push and a pop on an array plus two stores.
 *
 * Each entry remembers how many requests the connection carried: haproxy
 * files a connection that served a second request in its "safe" list, which
 * `http-reuse aggressive` may give to the first request of a client
 * connection (backend.c connect_server()).
 *
 * Purging follows srv_cleanup_idle_conns(): every `pool-purge-delay`
 * (default 5 s) after the first connection was parked, half of the
 * connections beyond the estimated need are closed, where the need is the
 * most connections used at once since the previous purge (checked against
 * haproxy 2.6: one idle connection lives three purge periods; two idle ones
 * left by one-at-a-time clients are both closed at the first purge).
 */
import type net from 'node:net';
import type { Server } from '../server/server.js';

/** What the pool keeps on a server socket (a symbol property: no side map lookup). */
export interface ConnMeta {
  /** The server it connects to. */
  readonly server: Server;
  /** Requests sent on it so far. */
  uses: number;
  /** Parked in the server's idle list. */
  idle: boolean;
  /** Neighbours in the idle list while parked (older, newer). */
  prev: MetaSocket | null;
  next: MetaSocket | null;
}

const META: unique symbol = Symbol('switchyard.poolMeta');
interface MetaSocket extends net.Socket {
  [META]?: ConnMeta;
}

/**
 * Per-server idle list and the counters of haproxy's purge estimate. The
 * list is intrusive and doubly linked (oldest at the head, most recent at
 * the tail) so that taking back a given connection, taking the newest and
 * purging the oldest are all O(1): an array with lazily dropped entries grew
 * by one stale entry per reused request and made the purge quadratic (a
 * frozen proxy after a few seconds of 40k requests/s).
 */
interface ServerPool {
  head: MetaSocket | null;
  tail: MetaSocket | null;
  /** Live idle connections (srv->curr_idle_conns): the length of the list. */
  idle: number;
  /** Connections attached to a stream (srv->curr_used_conns). */
  used: number;
  /** Most used at once since the last purge (srv->max_used_conns). */
  maxUsed: number;
  /** srv->est_need_conns. */
  estNeed: number;
  purgeTimer: NodeJS.Timeout | undefined;
}

const pools = new WeakMap<Server, ServerPool>();

const DEFAULT_PURGE_DELAY = 5000;

function poolOf(server: Server): ServerPool {
  let p = pools.get(server);
  if (p === undefined) {
    p = { head: null, tail: null, idle: 0, used: 0, maxUsed: 0, estNeed: 0, purgeTimer: undefined };
    pools.set(server, p);
  }
  return p;
}

/** The pool data of a server socket, created on its first use. */
function connMeta(sock: net.Socket, server: Server): ConnMeta {
  const s = sock as MetaSocket;
  let m = s[META];
  if (m === undefined) {
    m = { server, uses: 0, idle: false, prev: null, next: null };
    s[META] = m;
  }
  return m;
}

/** Parks `sock` at the tail of the idle list. */
function link(p: ServerPool, sock: MetaSocket, m: ConnMeta): void {
  m.idle = true;
  m.prev = p.tail;
  m.next = null;
  if (p.tail === null) p.head = sock;
  else p.tail[META]!.next = sock;
  p.tail = sock;
  p.idle++;
}

/** Takes `sock` out of the idle list. */
function unlink(p: ServerPool, sock: MetaSocket, m: ConnMeta): void {
  if (m.prev === null) p.head = m.next;
  else m.prev[META]!.next = m.next;
  if (m.next === null) p.tail = m.prev;
  else m.next[META]!.prev = m.prev;
  m.prev = null;
  m.next = null;
  m.idle = false;
  p.idle--;
}

/**
 * A stream starts using `sock` for a request (new or reused connection):
 * counts it as used (server.h srv_use_conn()) and as one more request on it.
 */
export function useConn(sock: net.Socket, server: Server): void {
  const m = connMeta(sock, server);
  m.uses++;
  const p = poolOf(server);
  p.used++;
  if (p.maxUsed < p.used) p.maxUsed = p.used;
  if (p.estNeed < p.used) p.estNeed = p.used;
}

/** The stream stopped using `sock` (it is being parked, kept private or closed). */
export function unuseConn(sock: net.Socket): void {
  const m = (sock as MetaSocket)[META];
  if (m === undefined) return;
  const p = pools.get(m.server);
  if (p !== undefined && p.used > 0) p.used--;
}

/** `pool-purge-delay` of a server (0: nothing is kept). */
function purgeDelay(server: Server): number {
  return server.config.poolPurgeDelay ?? DEFAULT_PURGE_DELAY;
}

/**
 * Parks an idle connection to `server` for any stream (srv_add_to_idle_list());
 * closes it when the pool takes none (`pool-max-conn 0`, `pool-purge-delay 0`,
 * the pool full) or the socket is no longer usable. The caller already
 * called {@link unuseConn}.
 */
export function releaseIdle(server: Server, sock: net.Socket): void {
  const max = server.config.poolMaxConn ?? -1;
  const delay = purgeDelay(server);
  const p = poolOf(server);
  if (sock.destroyed || !sock.writable || delay <= 0 || max === 0 || (max > 0 && p.idle >= max)) {
    closeConn(sock);
    return;
  }
  const m = connMeta(sock, server);
  if (m.idle) return;
  link(p, sock as MetaSocket, m);
  // A paused socket would not report the server's close.
  if (sock.isPaused()) sock.resume();
  if (p.purgeTimer === undefined) p.purgeTimer = setTimeout(purge, delay, server, p).unref();
}

/**
 * Takes the most recently parked live connection to `server`, if any;
 * `minUses` > 0 takes only connections that carried that many requests
 * (haproxy's safe list, for `http-reuse aggressive`).
 */
export function takeIdle(server: Server, minUses = 0): net.Socket | undefined {
  const p = pools.get(server);
  if (p === undefined) return undefined;
  let sock = p.tail;
  while (sock !== null) {
    const m = sock[META]!;
    const older = m.prev;
    if (m.uses >= minUses) {
      unlink(p, sock, m);
      if (!sock.destroyed && sock.writable) return sock;
      sock.destroy();
    }
    sock = older;
  }
  return undefined;
}

/**
 * Takes a given idle connection back (the client connection's own previous
 * server connection, preferred as haproxy's session list is); false when it
 * is gone or was given to another stream meanwhile.
 */
export function takeBack(sock: net.Socket): boolean {
  const m = (sock as MetaSocket)[META];
  if (m === undefined || !m.idle) return false;
  const p = pools.get(m.server);
  if (p !== undefined) unlink(p, sock as MetaSocket, m);
  return !sock.destroyed && sock.writable;
}

/** The server a pooled or used connection goes to (undefined for a socket the pool never saw). */
export function connServer(sock: net.Socket): Server | undefined {
  return (sock as MetaSocket)[META]?.server;
}

/** Whether `sock` is parked idle in its server's pool. */
export function isIdle(sock: net.Socket): boolean {
  return (sock as MetaSocket)[META]?.idle === true;
}

/**
 * An idle connection's socket reported data, its end or its close (the
 * handlers of stream-server.ts call this while no stream owns it): the
 * server is done with it; it is closed and leaves the pool.
 */
export function idleEvent(sock: net.Socket): void {
  const m = (sock as MetaSocket)[META];
  if (m !== undefined && m.idle) {
    const p = pools.get(m.server);
    if (p !== undefined) unlink(p, sock as MetaSocket, m);
  }
  sock.destroy();
}

/**
 * Closes a connection the pool does not keep: haproxy 2.6 aborts these (the
 * server sees a reset, not a FIN: checked with pool-max-conn 0 and with the
 * purge), so that no TIME_WAIT stays on the proxy's side.
 */
function closeConn(sock: net.Socket): void {
  if (sock.destroyed) return;
  sock.resetAndDestroy();
}

/** server.c srv_cleanup_idle_conns() for one server. */
function purge(server: Server, p: ServerPool): void {
  p.purgeTimer = undefined;
  if (p.idle > 0) {
    let exceed = p.used + p.idle - Math.max(p.maxUsed, p.estNeed);
    exceed = (exceed >> 1) + (exceed & 1);
    p.estNeed = (p.estNeed + p.maxUsed) >> 1;
    if (p.estNeed < p.maxUsed) p.estNeed = p.maxUsed;
    p.maxUsed = p.used;
    if (exceed > 0) {
      // One thread: max_conn = exceed * idle / idle + 1; the oldest go first.
      let kill = exceed + 1;
      while (kill > 0 && p.head !== null) {
        const sock = p.head;
        unlink(p, sock, sock[META]!);
        kill--;
        closeConn(sock);
      }
    }
  }
  if (p.idle > 0) p.purgeTimer = setTimeout(purge, purgeDelay(server), server, p).unref();
}

/** Closes every idle connection to `server` (server going down, stop). */
export function purgeIdle(server: Server): void {
  const p = pools.get(server);
  if (p === undefined) return;
  while (p.head !== null) {
    const sock = p.head;
    unlink(p, sock, sock[META]!);
    closeConn(sock);
  }
  if (p.purgeTimer !== undefined) clearTimeout(p.purgeTimer);
  p.purgeTimer = undefined;
}
