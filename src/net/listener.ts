/**
 * Listeners: one listening socket per address and port of a `bind` line
 * (configuration.txt §5.1, §11 "Address formats"): IPv4/IPv6 `host:port`,
 * port ranges `8000-8009`, comma lists, `unix@` paths (with `mode`, `uid`,
 * `gid`), `abns@` Linux abstract sockets and `fd@<n>` inherited sockets.
 *
 * Connection limits (`maxconn` on the bind line, the frontend and global)
 * pause accepting: haproxy stops polling the listener and lets the kernel
 * queue new connections in the backlog. Node cannot stop accepting on a
 * listening handle, so accepted sockets stay paused (`pauseOnConnect`, not
 * read) in a FIFO bounded by the backlog until a slot frees: the client sees
 * the same thing, an established connection that nobody reads yet.
 */
import net from 'node:net';
import { chmodSync, chownSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { BindConfig } from '../config/model/bind.js';
import type { SocketAddress } from '../config/model/address.js';
import { bindSocketIssues } from './socket-options.js';
import { formatIPv6 } from './inet-ntop.js';
import { parseIpv6 } from '../sample/sample.js';
import { isTcpHandle, rawHandlesAvailable, type TcpHandle } from './raw-handle.js';

/** One listening address: a single port of a bind line's address. */
export interface ListenerSpec {
  readonly bind: BindConfig;
  readonly address: SocketAddress;
  /** The port for inet families, 0 otherwise. */
  readonly port: number;
}

/**
 * Expands a bind line into one spec per address and port: `bind :80,:81-83`
 * gives four listeners (configuration.txt §5.1 "bind": port ranges and
 * comma-separated lists).
 */
export function expandBind(bind: BindConfig): ListenerSpec[] {
  const out: ListenerSpec[] = [];
  for (const address of bind.addresses) {
    if (address.family === 'ipv4' || address.family === 'ipv6') {
      const end = Math.max(address.port, address.portEnd);
      for (let p = address.port; p <= end; p++) out.push({ bind, address, port: p });
    } else {
      out.push({ bind, address, port: 0 });
    }
  }
  return out;
}

/** Connection slots at one level (bind line, frontend or process). 0 = unlimited. */
export class ConnSlots {
  current = 0;
  constructor(public max: number) {}
  get full(): boolean {
    return this.max > 0 && this.current >= this.max;
  }
}

/** A bind failure, with haproxy's protocol rank for ordering the alerts. */
export interface BindFailure {
  readonly spec: ListenerSpec;
  /** The alert text after `Binding [file:line] for <proxy>: `. */
  readonly reason: string;
  /**
   * haproxy binds protocol by protocol (protocol_bind_all): TCPv6 first, then
   * TCPv4, then unix and abns, in configuration order within each.
   */
  readonly rank: number;
  /** The Node error code (EADDRINUSE, EACCES...). */
  readonly code: string;
}

/** strerror(3) texts for the errors a bind can return. */
const STRERROR: Record<string, string> = {
  EADDRINUSE: 'Address already in use',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EINVAL: 'Invalid argument',
  EAFNOSUPPORT: 'Address family not supported by protocol',
  EBADF: 'Bad file descriptor',
  ENOTSOCK: 'Socket operation on non-socket',
  ENAMETOOLONG: 'File name too long',
  EROFS: 'Read-only file system',
  ENOTFOUND: 'Name or service not known',
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
};

/** The strerror text for a Node system error. */
export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code !== undefined && STRERROR[code] !== undefined) return STRERROR[code];
  return (err as Error | undefined)?.message ?? String(err);
}

/** How haproxy prints an inet listening address: `0.0.0.0:80`, `:::80`, `::1:80`. */
export function formatInetAddress(spec: ListenerSpec): string {
  const host = printHost(spec);
  return `${host}:${spec.port}`;
}

function listenHost(spec: ListenerSpec): string {
  const h = spec.address.host;
  if (h === '' || h === '*') return spec.address.family === 'ipv6' ? '::' : '0.0.0.0';
  return h;
}

/** The host as haproxy prints it (inet_ntop(): `::ffff:127.0.0.1` keeps its dotted IPv4 tail). */
function printHost(spec: ListenerSpec): string {
  const h = listenHost(spec);
  if (spec.address.family !== 'ipv6') return h;
  const b = parseIpv6(h);
  return b === undefined ? h : formatIPv6(b, 0);
}

/** The error a missing parent directory of `path` gives, if any. */
function parentDirError(path: string): NodeJS.ErrnoException | undefined {
  try {
    statSync(dirname(path));
    return undefined;
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
}

function rankOf(spec: ListenerSpec): number {
  switch (spec.address.family) {
    case 'ipv6':
      return 0;
    case 'ipv4':
      return 1;
    case 'unix':
    case 'abns':
      return 2;
    default:
      return 3;
  }
}

/** Shared accept gate: the process-wide slots and the listeners holding paused sockets. */
export class AcceptGate {
  readonly global: ConnSlots;
  /** Listeners with held sockets, served when a slot frees anywhere. */
  readonly waiting = new Set<Listener>();
  /** When false (soft stop), held sockets are never served. */
  open = true;

  constructor(globalMaxconn = 0) {
    this.global = new ConnSlots(globalMaxconn);
  }

  /** Serves held sockets in listener order while slots allow. */
  kick(): void {
    if (this.waiting.size === 0 || !this.open) return;
    for (const l of this.waiting) {
      l.drainHeld();
      if (this.global.full) return;
    }
  }
}

export type AcceptHandler = (socket: net.Socket, listener: Listener) => void;

/** Takes an accepted connection as a bare TCP handle (src/net/raw-handle.ts, src/tcp/raw-stream.ts). */
export type RawAcceptHandler = (handle: TcpHandle, listener: Listener) => void;

/** One listening socket. */
export class Listener {
  readonly spec: ListenerSpec;
  readonly own: ConnSlots;
  /** Slot levels this listener takes from, innermost first: bind, frontend, global. */
  readonly limits: ConnSlots[];
  /** Accepted sockets (or bare handles) waiting for a slot, not read yet. */
  private held: (net.Socket | TcpHandle)[] = [];
  private heldHead = 0;
  readonly backlog: number;
  server: net.Server | undefined;
  /** Total accepted connections (haproxy's listener counters). */
  accepted = 0;
  /** haproxy's luid: the bind's `id`, or its position among the frontend's listeners (set by the runtime). */
  luid = 0;
  /**
   * When set, TCP connections are accepted as bare handles and given to this
   * handler instead of becoming `net.Socket`s (set by the runtime for
   * frontends whose streams take the raw path, docs/tcp-data-path.md).
   */
  rawAccept: RawAcceptHandler | undefined;
  /** Options of the bind line Node cannot apply, reported as warnings once bound (src/net/socket-options.ts). */
  readonly warnings: readonly string[];
  private readonly fatal: string | undefined;

  constructor(
    spec: ListenerSpec,
    private readonly gate: AcceptGate,
    frontendSlots: ConnSlots,
    private readonly onAccept: AcceptHandler,
  ) {
    this.spec = spec;
    this.own = new ConnSlots(spec.bind.maxconn ?? 0);
    this.limits = [this.own, frontendSlots, gate.global];
    // configuration.txt §5.1 "backlog": defaults to the frontend's maxconn.
    this.backlog = spec.bind.backlog ?? (frontendSlots.max > 0 ? frontendSlots.max : 1024);
    const issues = bindSocketIssues(spec.bind);
    const where = ` [${this.describe()}]`;
    this.fatal = issues.fatal === undefined ? undefined : issues.fatal + where;
    this.warnings = issues.warnings.map((w) => w + where);
  }

  /** Connections currently held through this socket (the `dst_conn` fetch). */
  get curConns(): number {
    return this.own.current;
  }

  /** `127.0.0.1:8080`, `/path`, `abns@name`, `fd@3`: for messages. */
  describe(): string {
    const a = this.spec.address;
    if (a.family === 'ipv4' || a.family === 'ipv6') return formatInetAddress(this.spec);
    if (a.family === 'abns') return `abns@${a.host}`;
    if (a.family === 'fd') return `fd@${a.fd ?? ''}`;
    return a.host;
  }

  /** The bound TCP port (useful when a test binds port 0). */
  get port(): number {
    const a = this.server?.address();
    return typeof a === 'object' && a !== null ? a.port : this.spec.port;
  }

  /** Starts listening; resolves with a failure description instead of throwing. */
  bind(): Promise<BindFailure | undefined> {
    const spec = this.spec;
    const a = spec.address;
    // An option Node cannot apply and that changes what is received refuses the start (docs/bind-options.md).
    if (this.fatal !== undefined) return Promise.resolve({ spec, reason: this.fatal, rank: rankOf(spec), code: 'ENOTSUP' });
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, this.handleConnection);
    this.server = server;
    return new Promise((resolve) => {
      let tmpPath: string | undefined;
      const fail = (err: unknown): void => {
        this.server = undefined;
        if (tmpPath !== undefined) rmSync(tmpPath, { force: true });
        resolve({ spec, reason: this.failureText(err), rank: rankOf(spec), code: (err as NodeJS.ErrnoException | undefined)?.code ?? 'UNKNOWN' });
      };
      server.once('error', fail);
      const done = (): void => {
        server.removeListener('error', fail);
        server.on('error', () => {
          /* accept errors (EMFILE...) must not take the process down */
        });
        if (a.family === 'ipv4' || a.family === 'ipv6') this.hookAccept(server);
        try {
          if (tmpPath !== undefined) this.finishUnix(tmpPath);
        } catch (err) {
          server.close();
          fail(err);
          return;
        }
        resolve(undefined);
      };
      try {
        switch (a.family) {
          case 'ipv4':
          case 'ipv6':
            server.listen({ host: listenHost(spec), port: spec.port, backlog: this.backlog, exclusive: true, ipv6Only: spec.bind.v6only }, done);
            break;
          case 'unix':
            // haproxy binds "<path>.<pid>.tmp" then renames it over the final
            // path (sock_unix.c), so a stale or live old socket is replaced.
            tmpPath = `${a.host}.${process.pid}.tmp`;
            rmSync(tmpPath, { force: true });
            server.listen({ path: tmpPath, backlog: this.backlog, exclusive: true }, done);
            break;
          case 'abns':
            server.listen({ path: `\0${a.host}`, backlog: this.backlog, exclusive: true }, done);
            break;
          case 'fd':
            server.listen({ fd: a.fd ?? -1, exclusive: true }, done);
            break;
          default:
            fail(Object.assign(new Error('unsupported address family'), { code: 'EAFNOSUPPORT' }));
        }
      } catch (err) {
        fail(err);
      }
    });
  }

  private finishUnix(tmpPath: string): void {
    const b = this.spec.bind;
    if (b.unixMode !== undefined) chmodSync(tmpPath, b.unixMode);
    if (b.uid !== undefined || b.gid !== undefined) chownSync(tmpPath, b.uid ?? -1, b.gid ?? -1);
    renameSync(tmpPath, this.spec.address.host);
  }

  /** The reason text as haproxy's sock_inet/sock_unix bind functions word it. */
  private failureText(err: unknown): string {
    const a = this.spec.address;
    if (a.family === 'unix' || a.family === 'abns') {
      const code = (err as NodeJS.ErrnoException | undefined)?.code;
      // sock_unix.c prints the path as a C string: empty for abns (leading NUL).
      const path = a.family === 'abns' ? '' : a.host;
      let why = code === 'EADDRINUSE' ? 'already in use' : strerror(err);
      // libuv turns ENOENT into EACCES for unix binds (uv_pipe_bind); haproxy shows the real errno.
      if (code === 'EACCES' && a.family === 'unix') why = strerror(parentDirError(a.host) ?? err);
      return `cannot bind UNIX socket (${why}) [${path}]`;
    }
    if (a.family === 'fd') return `cannot use file descriptor '${a.fd ?? ''}' : ${strerror(err)}.`;
    return `cannot bind socket (${strerror(err)}) for [${formatInetAddress(this.spec)}]`;
  }

  /**
   * Takes over the listening handle's accept callback (lib/net.js sets
   * `handle.onconnection = onconnection` in setupListenHandle()) so that a
   * frontend on the raw path gets the accepted handle itself, before Node
   * builds a net.Socket around it; other connections go the usual way.
   */
  private hookAccept(server: net.Server): void {
    if (!rawHandlesAvailable) return;
    const h = (server as unknown as { _handle?: unknown })._handle;
    if (!isTcpHandle(h) || typeof h.onconnection !== 'function') return;
    const orig = h.onconnection as (this: unknown, err: number, client: unknown) => void;
    const raw = this.handleRaw;
    const self = this;
    h.onconnection = function onconnection(this: unknown, err: number, client: unknown): void {
      if (err === 0 && self.rawAccept !== undefined && isTcpHandle(client)) raw(client);
      else orig.call(this, err, client);
    };
  }

  private readonly handleRaw = (h: TcpHandle): void => {
    if (!this.gate.open) {
      h.close();
      return;
    }
    if (this.heldCount() === 0 && this.hasRoom()) {
      this.admit(h);
      return;
    }
    if (this.heldCount() >= this.backlog) {
      h.close();
      return;
    }
    this.held.push(h);
    this.gate.waiting.add(this);
  };

  private readonly handleConnection = (socket: net.Socket): void => {
    if (!this.gate.open) {
      socket.destroy();
      return;
    }
    if (this.heldCount() === 0 && this.hasRoom()) {
      this.admit(socket);
      return;
    }
    if (this.heldCount() >= this.backlog) {
      // The kernel would have dropped the SYN once the backlog was full.
      socket.destroy();
      return;
    }
    this.held.push(socket);
    this.gate.waiting.add(this);
  };

  private hasRoom(): boolean {
    const l = this.limits;
    for (let i = 0; i < l.length; i++) if (l[i]!.full) return false;
    return true;
  }

  private heldCount(): number {
    return this.held.length - this.heldHead;
  }

  private admit(socket: net.Socket | TcpHandle): void {
    const l = this.limits;
    for (let i = 0; i < l.length; i++) l[i]!.current++;
    this.accepted++;
    if (socket instanceof net.Socket) this.onAccept(socket, this);
    else this.rawAccept!(socket, this);
  }

  /** Gives back the slot of a finished connection and serves waiting sockets. */
  release(): void {
    const l = this.limits;
    for (let i = 0; i < l.length; i++) l[i]!.current--;
    this.gate.kick();
  }

  /** Admits held sockets while every level has room. */
  drainHeld(): void {
    while (this.heldCount() > 0 && this.hasRoom()) {
      const s = this.held[this.heldHead];
      this.held[this.heldHead] = undefined as unknown as net.Socket;
      this.heldHead++;
      if (s === undefined) continue;
      if (s instanceof net.Socket && s.destroyed) continue;
      this.admit(s);
    }
    if (this.heldCount() === 0) {
      this.held = [];
      this.heldHead = 0;
      this.gate.waiting.delete(this);
    } else if (this.heldHead >= 1024 && this.heldHead * 2 >= this.held.length) {
      // Under sustained overload the FIFO never empties: drop the served head
      // (amortised O(1) per socket), or the array grows with every connection.
      this.held = this.held.slice(this.heldHead);
      this.heldHead = 0;
    }
  }

  /** Stops listening (held sockets are closed). Resolves once the socket is closed. */
  close(): Promise<void> {
    for (let i = this.heldHead; i < this.held.length; i++) {
      const s = this.held[i];
      if (s instanceof net.Socket) s.destroy();
      else s?.close();
    }
    this.held = [];
    this.heldHead = 0;
    this.gate.waiting.delete(this);
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return Promise.resolve();
    // net.Server#close() closes the listening handle at once, but its callback
    // waits for every accepted connection to end: do not wait for that.
    server.close();
    return new Promise((resolve) => setImmediate(resolve));
  }
}
