/**
 * Outgoing connections to servers (and health-check targets): TCP over IPv4
 * or IPv6, unix stream sockets and Linux abstract sockets.
 *
 * Every connection is half-open capable (`allowHalfOpen`) so each direction
 * can be shut independently, and Nagle is off: the proxy forwards what it
 * receives as soon as it can (DESIGN "Node on the data path"). `timeout
 * connect` is enforced by the caller's own timer (the stream already has one),
 * so no timer is created here.
 */
import net from 'node:net';
import type { SocketAddress } from '../config/model/address.js';

/**
 * The `net.connect` options for a server address. `clientPort` is the port the
 * client connected to, for servers written without a port (same port) or with
 * `+N`/`-N` offsets (configuration.txt §5.2 "address").
 */
export function connectOptions(address: SocketAddress, clientPort = 0, tuning?: OutgoingTuning): net.NetConnectOpts {
  switch (address.family) {
    case 'unix':
      return { path: address.host, allowHalfOpen: true };
    case 'abns':
      // Linux abstract namespace: a path starting with a NUL byte (unix(7)).
      return { path: `\0${address.host}`, allowHalfOpen: true };
    default: {
      let port = address.port;
      if (address.portOffset === 'plus') port = clientPort + address.port;
      else if (address.portOffset === 'minus') port = clientPort - address.port;
      else if (port === 0) port = clientPort;
      const wild = address.host === '' || address.host === '*';
      const host = wild ? (address.family === 'ipv6' ? '::1' : '127.0.0.1') : address.host;
      const o: net.TcpNetConnectOpts = { host, port, allowHalfOpen: true, noDelay: true };
      if (tuning !== undefined) applyTuning(o, tuning);
      return o;
    }
  }
}

/**
 * What a backend adds to its TCP connections to servers: `source` (the
 * local address and port, configuration.txt §4.2 "source" and §5.2
 * "source") and `option srvtcpka` / `option tcpka` with `srvtcpka-idle`.
 */
export interface OutgoingTuning {
  /** Local address to bind before connecting; undefined lets the kernel pick. */
  readonly localAddress?: string | undefined;
  /** Fixed local port (`source addr:port`); 0 or undefined lets the kernel pick. */
  readonly localPort?: number | undefined;
  /** SO_KEEPALIVE once connected. */
  readonly keepAlive: boolean;
  /**
   * TCP_KEEPIDLE in ms (`srvtcpka-idle`); 0 keeps the system's. Node (libuv
   * 1.46) also sets TCP_KEEPINTVL to 1 s and TCP_KEEPCNT to 10 when it is
   * set, see docs/bind-options.md.
   */
  readonly keepAliveIdle: number;
}

function applyTuning(o: net.TcpNetConnectOpts, t: OutgoingTuning): void {
  if (t.localAddress !== undefined) o.localAddress = t.localAddress;
  if (t.localPort !== undefined && t.localPort > 0) o.localPort = t.localPort;
  if (t.keepAlive) {
    // net.Socket applies these after connect(), as haproxy does in tcp_connect_server().
    o.keepAlive = true;
    o.keepAliveInitialDelay = t.keepAliveIdle;
  }
}

/**
 * Local ports of a `source addr:low-high` range, handed out in turn
 * (proto_tcp.c tcp_connect_server() takes them from a port_range). A port
 * still used by an older connection makes that connect fail with
 * EADDRINUSE, which counts as a connection failure and is retried.
 */
export class SourcePorts {
  private next: number;
  constructor(readonly low: number, readonly high: number) {
    this.next = low;
  }

  /** The next port of the range. */
  take(): number {
    const p = this.next;
    this.next = p >= this.high ? this.low : p + 1;
    return p;
  }
}

/** True when the options can be computed once per server (they do not depend on the client's port). */
export function isStaticTarget(address: SocketAddress): boolean {
  return address.family === 'unix' || address.family === 'abns' || (address.port !== 0 && address.portOffset === undefined);
}

/** Opens a connection; listen for 'connect' and 'error' on the returned socket. */
export function openConnection(opts: net.NetConnectOpts): net.Socket {
  const s = net.connect(opts);
  // noDelay in the options covers TCP; setNoDelay is a no-op on unix sockets.
  if (!('noDelay' in opts)) s.setNoDelay(true);
  return s;
}

/** Describes where a connection goes, for messages (`127.0.0.1:8080`, `/run/app.sock`, `abns@name`). */
export function describeTarget(opts: net.NetConnectOpts): string {
  if ('path' in opts && typeof opts.path === 'string') {
    return opts.path.startsWith('\0') ? `abns@${opts.path.slice(1)}` : opts.path;
  }
  const o = opts as net.TcpNetConnectOpts;
  return (o.host ?? '').includes(':') ? `[${o.host ?? ''}]:${o.port}` : `${o.host ?? ''}:${o.port}`;
}
