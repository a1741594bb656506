/**
 * The connection of a check: TCP (or unix) connect, then optionally the
 * PROXY protocol header and a TLS handshake (`check-ssl`, `tcp-check connect
 * ssl`), as haproxy's tcpcheck_eval_connect() sets it up.
 *
 * It also holds the plain check (`server ... check` without a check option):
 * a rule set made of one implicit connect, which passes at layer 4 (or layer 6
 * over TLS), reports "Connection refused" and friends at layer 4 and "SSL
 * handshake failure" at layer 6.
 *
 * The connection reports its phase so that failures map to haproxy's
 * statuses (chk_report_conn_err()): 'l4' until TCP is established
 * (CO_FL_WAIT_L4_CONN), 'l6' during the TLS handshake (CO_FL_WAIT_L6_CONN),
 * 'up' after.
 */
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { openConnection } from '../../net/connect.js';
import { buildProxyV1, buildProxyV2, type ProxyV2Options } from '../../net/proxy-protocol.js';
import type { Ruleset } from './rules.js';
import type { Server } from '../server.js';
import { RawCheckConnection, rawConnectAvailable, rawTarget, type RawTarget } from './raw-connect.js';

/** Where and how to connect. */
export interface ConnectSpec {
  readonly options: net.NetConnectOpts;
  /** Present for a TLS check connection. */
  readonly tls?: {
    readonly servername?: string | undefined;
    readonly alpn?: readonly string[] | undefined;
    readonly verify: boolean;
    readonly caFile?: string | undefined;
  } | undefined;
  /** Send a PROXY header first (`check-send-proxy`, or the server's `send-proxy[-v2]`). */
  readonly proxy?: { readonly version: 1 | 2; readonly v2Options?: ProxyV2Options | undefined } | undefined;
  /**
   * The local address (and port) to bind, asked for each connection (a
   * `source` port range hands out its ports in turn): see {@link withCheckSource}.
   */
  readonly source?: (() => LocalBinding) | undefined;
}

/** The local end of an outgoing connection. */
export interface LocalBinding {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
}

/** What a server's owner offers when it is a runtime Backend (src/proxy/runtime.ts). */
interface SourceOwner {
  connectOptionsFor(s: Server, stream: { readonly frontendPort: number }): net.NetConnectOpts;
}

function isSourceOwner(o: unknown): o is SourceOwner {
  return typeof (o as { connectOptionsFor?: unknown }).connectOptionsFor === 'function';
}

const NO_CLIENT = { frontendPort: 0 };

function localOf(o: net.NetConnectOpts): LocalBinding {
  const t = o as net.TcpNetConnectOpts;
  return { localAddress: t.localAddress, localPort: t.localPort };
}

/**
 * Adds the server's (or else the backend's) `source` to a check connection.
 * haproxy connects checks with the same protocol function as traffic
 * (proto_tcp.c tcp_connect_server(): `srv->conn_src`, else `be->conn_src`),
 * so a server only reachable from a given address is checked from it too.
 * The binding is the one the backend computed for the server's traffic
 * (src/proxy/socket-tuning.ts serverTuning(): refusals and warnings were
 * reported there); unix-socket checks bind nothing.
 */
export function withCheckSource(spec: ConnectSpec, s: Server): ConnectSpec {
  const owner = s.owner;
  if (!isSourceOwner(owner) || ('path' in spec.options && spec.options.path !== undefined)) return spec;
  const first = localOf(owner.connectOptionsFor(s, NO_CLIENT));
  if (first.localAddress === undefined && first.localPort === undefined) return spec;
  const ranged = first.localPort !== undefined;
  return { ...spec, source: ranged ? () => localOf(owner.connectOptionsFor(s, NO_CLIENT)) : () => first };
}

function bindLocal(opts: net.NetConnectOpts, local: LocalBinding): net.NetConnectOpts {
  if ('path' in opts && opts.path !== undefined) return opts;
  return { ...(opts as net.TcpNetConnectOpts), localAddress: local.localAddress, localPort: local.localPort };
}

export type ConnectionPhase = 'l4' | 'l6' | 'up' | 'closed';

/** Callbacks from the connection to the check engine. */
export interface ConnectionEvents {
  /** The connection (and TLS handshake) is established. */
  ready(): void;
  data(chunk: Buffer): void;
  /** The peer closed its side (EOS). */
  end(): void;
  /** A socket error, with the phase it happened in. */
  error(err: NodeJS.ErrnoException, phase: ConnectionPhase): void;
}

const caCache = new Map<string, Buffer>();

function readCa(file: string): Buffer | undefined {
  let ca = caCache.get(file);
  if (ca === undefined) {
    try {
      ca = readFileSync(file);
      caCache.set(file, ca);
    } catch {
      return undefined;
    }
  }
  return ca;
}

/** What the check engine uses of a connection (a {@link CheckConnection} or a RawCheckConnection). */
export interface CheckConn {
  readonly phase: ConnectionPhase;
  /** The TLS session is up: a final connect rule passes at layer 6. */
  readonly isTls: boolean;
  write(data: Buffer): void;
  /** Closes the connection at once. */
  destroy(): void;
}

/**
 * Opens the connection of a connect rule. `connectOnly`: nothing will be
 * sent or read on it, so a plain TCP connection to an IP address goes
 * through the cheap bare handle of src/server/checks/raw-connect.ts.
 */
export function openCheckConnection(spec: ConnectSpec, ev: ConnectionEvents, connectOnly: boolean): CheckConn {
  // A bare handle cannot bind a source address: those checks take the net.Socket path.
  if (connectOnly && rawConnectAvailable && spec.tls === undefined && spec.proxy === undefined && spec.source === undefined) {
    let target = rawTargets.get(spec);
    if (target === undefined) {
      target = rawTarget(spec.options) ?? null;
      rawTargets.set(spec, target);
    }
    if (target !== null) return new RawCheckConnection(target, ev);
  }
  return new CheckConnection(spec, ev);
}

/** rawTarget() of each spec, computed once (the registry keeps one spec per server and rule). */
const rawTargets = new WeakMap<ConnectSpec, RawTarget | null>();

/** One check connection; closed by {@link CheckConnection.destroy}. */
export class CheckConnection implements CheckConn {
  phase: ConnectionPhase = 'l4';
  private readonly raw: net.Socket;
  private secure: tls.TLSSocket | undefined;
  /** The TLS session is up (conn_is_ssl()): a final connect rule passes at layer 6. */
  get isTls(): boolean {
    return this.secure !== undefined;
  }

  constructor(private readonly spec: ConnectSpec, private readonly ev: ConnectionEvents) {
    const raw = openConnection(spec.source === undefined ? spec.options : bindLocal(spec.options, spec.source()));
    this.raw = raw;
    raw.on('error', this.onError);
    raw.once('connect', this.onConnect);
  }

  private readonly onError = (err: NodeJS.ErrnoException): void => {
    if (this.phase === 'closed') return;
    const phase = this.phase;
    this.phase = 'closed';
    this.ev.error(err, phase);
  };

  private readonly onConnect = (): void => {
    if (this.phase === 'closed') return;
    const raw = this.raw;
    const p = this.spec.proxy;
    if (p !== undefined) {
      // Without a client connection, v1 describes the check connection itself
      // and v2 is a LOCAL command (connection.c make_proxy_line(), verified on haproxy 2.6).
      const header = p.version === 2
        ? buildProxyV2({ local: true }, {}, p.v2Options ?? {})
        : buildProxyV1({
          source: { address: raw.localAddress ?? '', port: raw.localPort ?? 0 },
          destination: { address: raw.remoteAddress ?? '', port: raw.remotePort ?? 0 },
        });
      raw.write(header);
    }
    const t = this.spec.tls;
    if (t === undefined) {
      this.phase = 'up';
      raw.on('data', this.onData);
      raw.on('end', this.onEnd);
      this.ev.ready();
      return;
    }
    this.phase = 'l6';
    const ca = t.caFile !== undefined ? readCa(t.caFile) : undefined;
    const opts: tls.ConnectionOptions = {
      socket: raw,
      rejectUnauthorized: t.verify,
      // haproxy sends no SNI unless `check-sni` / `sni` asks for one.
      ...(t.servername !== undefined && t.servername !== '' && net.isIP(t.servername) === 0 ? { servername: t.servername } : {}),
      ...(t.alpn !== undefined && t.alpn.length > 0 ? { ALPNProtocols: [...t.alpn] } : {}),
      ...(ca !== undefined ? { ca } : {}),
    };
    if (!t.verify) opts.checkServerIdentity = () => undefined;
    const s = tls.connect(opts);
    this.secure = s;
    s.on('error', this.onError);
    s.once('secureConnect', () => {
      if (this.phase === 'closed') return;
      this.phase = 'up';
      s.on('data', this.onData);
      s.on('end', this.onEnd);
      this.ev.ready();
    });
  };

  private readonly onData = (chunk: Buffer): void => {
    if (this.phase === 'closed') return;
    this.ev.data(chunk);
  };

  private readonly onEnd = (): void => {
    if (this.phase === 'closed') return;
    this.ev.end();
  };

  /** Local address of the connection, once connected. */
  get localAddress(): string | undefined {
    return this.raw.localAddress;
  }

  write(data: Buffer): void {
    if (this.phase !== 'up') return;
    (this.secure ?? this.raw).write(data);
  }

  /** Closes the connection at once (haproxy closes check connections with linger off). */
  destroy(): void {
    this.phase = 'closed';
    this.secure?.removeAllListeners('data');
    this.secure?.on('error', () => undefined);
    this.secure?.destroy();
    this.raw.removeAllListeners('data');
    this.raw.on('error', () => undefined);
    this.raw.destroy();
  }
}

/** The rule set of a plain `check`: one implicit connect with the server's check settings. */
export function defaultConnectRuleset(): Ruleset {
  return {
    kind: 'default',
    rules: [{ action: 'connect', index: 0, implicit: true, useDefault: true, ssl: false, sendProxy: false }],
    vars: new Map(),
  };
}
