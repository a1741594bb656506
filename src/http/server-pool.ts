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
 * removes no listener; it is a link and an unlink in a list plus two stores.
 *
 * Two lists per server, as haproxy's per-thread `idle_conns` and
 * `safe_conns` trees: a connection that carried one request goes to the
 * idle list, one that carried two or more to the safe list (mux_h1.c
 * h1_detach(): H1S_F_NOT_FIRST). All connections to a server share one
 * hash, and an ebtree returns duplicates oldest first, so each list is a
 * FIFO. Which list a request looks at is {@link takeIdle}'s order
 * (backend.c connect_server(), conn_backend_get()). Checked against haproxy
 * 2.6 with `nbthread 1` (with several threads each thread has its own lists,
 * which spreads requests differently): test/compat/http/connection-reuse.test.ts.
 *
 * Admission (server.c srv_add_to_idle_list()): a released connection is
 * kept when the server's lists are empty (the safe list empty and, for a
 * one-request connection, the idle list too), or when `used + idle <=
 * max(used, estimated need) + pool-low-conn`; otherwise it is closed at once
 * (a reset, as haproxy). With one thread this is the only effect of
 * `pool-low-conn`: it lets that many more connections than the need stay
 * idle (checked against haproxy 2.6).
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
  /** Parked in one of the server's lists (idle or safe). */
  idle: boolean;
  /** Which list while parked: the safe one (it carried two requests or more). */
  safe: boolean;
  /** Neighbours in the list while parked (older, newer). */
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
/** One FIFO list of parked connections (oldest at the head). */
interface IdleList {
  head: MetaSocket | null;
  tail: MetaSocket | null;
}

interface ServerPool {
  /** Connections that carried one request (srv->per_thr[].idle_conns). */
  readonly once: IdleList;
  /** Connections that carried more (srv->per_thr[].safe_conns). */
  readonly safe: IdleList;
  /** Live idle connections (srv->curr_idle_conns): the length of both lists. */
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
    p = { once: { head: null, tail: null }, safe: { head: null, tail: null }, idle: 0, used: 0, maxUsed: 0, estNeed: 0, purgeTimer: undefined };
    pools.set(server, p);
  }
  return p;
}

/** The pool data of a server socket, created on its first use. */
function connMeta(sock: net.Socket, server: Server): ConnMeta {
  const s = sock as MetaSocket;
  let m = s[META];
  if (m === undefined) {
    m = { server, uses: 0, idle: false, safe: false, prev: null, next: null };
    s[META] = m;
  }
  return m;
}

/** Parks `sock` at the tail of its list (the safe one once it carried two requests). */
function link(p: ServerPool, sock: MetaSocket, m: ConnMeta): void {
  const l = m.uses >= 2 ? p.safe : p.once;
  m.idle = true;
  m.safe = l === p.safe;
  m.prev = l.tail;
  m.next = null;
  if (l.tail === null) l.head = sock;
  else l.tail[META]!.next = sock;
  l.tail = sock;
  p.idle++;
}

/** Takes `sock` out of its list. */
function unlink(p: ServerPool, sock: MetaSocket, m: ConnMeta): void {
  const l = m.safe ? p.safe : p.once;
  if (m.prev === null) l.head = m.next;
  else m.prev[META]!.next = m.next;
  if (m.next === null) l.tail = m.prev;
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
  const m = connMeta(sock, server);
  if (m.idle) return;
  if (sock.destroyed || !sock.writable || delay <= 0 || max === 0 || (max > 0 && p.idle >= max) || !admits(server, p, m.uses >= 2)) {
    closeConn(sock);
    return;
  }
  link(p, sock as MetaSocket, m);
  // A paused socket would not report the server's close.
  if (sock.isPaused()) sock.resume();
  if (p.purgeTimer === undefined) p.purgeTimer = setTimeout(purge, delay, server, p).unref();
}

/**
 * server.c srv_add_to_idle_list() with one thread: whether a connection
 * just released (still counted in `used` by haproxy, already uncounted here)
 * may stay idle. `pool-low-conn` adds to the estimated need.
 */
function admits(server: Server, p: ServerPool, safe: boolean): boolean {
  if (p.safe.head === null && (safe || p.once.head === null)) return true;
  const used = p.used + 1;
  return used + p.idle <= Math.max(used, p.estNeed) + (server.config.poolLowConn ?? 0);
}

/** {@link takeIdle}: a request that is not the first of its client connection (or may retry safely): the idle list, then the safe one. */
export const TAKE_ANY = 0;
/** `http-reuse aggressive`, first request: the safe list only. */
export const TAKE_SAFE = 1;
/** `http-reuse always`, first request: the safe list, then the idle one. */
export const TAKE_SAFE_FIRST = 2;

/**
 * Takes the oldest live connection to `server` from its lists in the order
 * backend.c connect_server() and conn_backend_get() look at them (see
 * {@link TAKE_ANY} and friends), if any.
 */
export function takeIdle(server: Server, order = TAKE_ANY): net.Socket | undefined {
  const p = pools.get(server);
  if (p === undefined) return undefined;
  const first = order === TAKE_ANY ? p.once : p.safe;
  const second = order === TAKE_ANY ? p.safe : order === TAKE_SAFE_FIRST ? p.once : undefined;
  return oldest(p, first) ?? (second === undefined ? undefined : oldest(p, second));
}

/** Unlinks and returns the oldest live connection of `l` (dead ones met on the way are dropped). */
function oldest(p: ServerPool, l: IdleList): net.Socket | undefined {
  let sock = l.head;
  while (sock !== null) {
    unlink(p, sock, sock[META]!);
    if (!sock.destroyed && sock.writable) return sock;
    sock.destroy();
    sock = l.head;
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
      // One thread: max_conn = exceed * idle / idle + 1; the oldest go
      // first, one-request connections before the safe ones.
      let kill = exceed + 1;
      for (const l of [p.once, p.safe]) {
        while (kill > 0 && l.head !== null) {
          const sock = l.head;
          unlink(p, sock, sock[META]!);
          kill--;
          closeConn(sock);
        }
      }
    }
  }
  if (p.idle > 0) p.purgeTimer = setTimeout(purge, purgeDelay(server), server, p).unref();
}

/** Closes every idle connection to `server` (server going down, stop). */
export function purgeIdle(server: Server): void {
  const p = pools.get(server);
  if (p === undefined) return;
  for (const l of [p.once, p.safe]) {
    while (l.head !== null) {
      const sock = l.head;
      unlink(p, sock, sock[META]!);
      closeConn(sock);
    }
  }
  if (p.purgeTimer !== undefined) clearTimeout(p.purgeTimer);
  p.purgeTimer = undefined;
}
