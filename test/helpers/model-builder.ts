/**
 * Builds configuration models and runtime servers directly, for data-plane
 * tests that must not depend on the configuration parser.
 */
import { createModel, type ConfigModel } from '../../src/config/model/index.js';
import { createProxy, type ProxyConfig, type ProxyKind, type Timeouts } from '../../src/config/model/proxy.js';
import type { SocketAddress } from '../../src/config/model/address.js';
import { createBindTls, type BindConfig } from '../../src/config/model/bind.js';
import type { ServerConfig, ServerOptions } from '../../src/config/model/server.js';
import net from 'node:net';
import { PendingQueue, Server, type ServerOwner } from '../../src/server/server.js';
import type { Severity } from '../../src/config/diagnostics.js';
import { buildRuntime, type Reporter, type Runtime } from '../../src/proxy/runtime.js';
import { Lifecycle } from '../../src/proxy/lifecycle.js';

const PLACE = { file: 'test.cfg', line: 1 };

/** `127.0.0.1:port`, `[::1]:port`, `unix@/path`, `abns@name`, `fd@n` into a SocketAddress. */
export function addr(text: string): SocketAddress {
  if (text.startsWith('unix@')) return { family: 'unix', host: text.slice(5), port: 0, portEnd: 0, text };
  if (text.startsWith('abns@')) return { family: 'abns', host: text.slice(5), port: 0, portEnd: 0, text };
  if (text.startsWith('fd@')) return { family: 'fd', host: '', port: 0, portEnd: 0, fd: Number(text.slice(3)), text };
  if (text.startsWith('/')) return { family: 'unix', host: text, port: 0, portEnd: 0, text };
  const m = /^(?:\[([^\]]*)\]|([^:]*)):(\d+)(?:-(\d+))?$/.exec(text);
  if (m === null) throw new Error(`addr: cannot parse ${text}`);
  const host = m[1] ?? m[2] ?? '';
  const port = Number(m[3]);
  const portEnd = m[4] !== undefined ? Number(m[4]) : port;
  return { family: m[1] !== undefined ? 'ipv6' : 'ipv4', host, port, portEnd, text };
}

export function bind(addresses: string | string[], opts: Partial<BindConfig> = {}): BindConfig {
  const texts = Array.isArray(addresses) ? addresses : [addresses];
  return {
    place: PLACE, text: texts.join(','), addresses: texts.map(addr), acceptProxy: false, v4v6: false, v6only: false,
    ssl: false, tls: createBindTls(), options: [], ...opts,
  };
}

export function server(name: string, address: string, opts: ServerOptions = {}): ServerConfig {
  return { name, place: PLACE, address: addr(address), ...opts };
}

export interface ProxySpec {
  kind?: ProxyKind;
  name: string;
  binds?: BindConfig[];
  servers?: ServerConfig[];
  timeouts?: Timeouts;
  balance?: string;
  balanceArgs?: string[];
  defaultBackend?: string;
  useBackends?: string[];
  retries?: number;
  options?: Record<string, boolean>;
  optionArgs?: Record<string, string[]>;
  maxconn?: number;
  line?: number;
}

export function proxy(spec: ProxySpec): ProxyConfig {
  const p = createProxy(spec.kind ?? 'listen', spec.name, { file: 'test.cfg', line: spec.line ?? 1 });
  p.binds.push(...(spec.binds ?? []));
  p.servers.push(...(spec.servers ?? []));
  Object.assign(p.timeouts, spec.timeouts ?? {});
  if (spec.balance !== undefined) p.balance = { algorithm: spec.balance, args: spec.balanceArgs ?? [], place: PLACE };
  if (spec.defaultBackend !== undefined) p.defaultBackend = { name: spec.defaultBackend, place: PLACE };
  for (const b of spec.useBackends ?? []) p.useBackends.push({ place: PLACE, name: b });
  if (spec.retries !== undefined) p.retries = spec.retries;
  if (spec.maxconn !== undefined) p.maxconn = spec.maxconn;
  for (const [k, v] of Object.entries(spec.options ?? {})) p.options.set(k, v);
  for (const [k, v] of Object.entries(spec.optionArgs ?? {})) p.optionArgs.set(k, v);
  return p;
}

/** A model holding the given proxies (declaration order kept). */
export function model(proxies: ProxyConfig[], global: { maxconn?: number; hardStopAfter?: number } = {}): ConfigModel {
  const m = createModel(['test.cfg']);
  m.proxies.push(...proxies);
  if (global.maxconn !== undefined) m.global.maxconn = global.maxconn;
  if (global.hardStopAfter !== undefined) m.global.hardStopAfter = global.hardStopAfter;
  return m;
}

/** A ServerOwner that only counts, for algorithm unit tests. */
export class FakeOwner implements ServerOwner {
  readonly name = 'be';
  readonly typeLabel = 'backend' as const;
  readonly queue = new PendingQueue();
  servers: Server[] = [];
  changes: Array<{ server: Server; wasUsable: boolean }> = [];
  get activeCount(): number {
    return this.servers.filter((s) => s.usable && !s.backup).length;
  }
  get backupCount(): number {
    return this.servers.filter((s) => s.usable && s.backup).length;
  }
  onTake(_s: Server): void {}
  onDrop(_s: Server): void {}
  onServerChange(server: Server, wasUsable: boolean): void {
    this.changes.push({ server, wasUsable });
  }
}

/** Runtime servers s1..sN with the given weights (and options), owned by a {@link FakeOwner}. */
export function makeServers(weights: number[], opts: (i: number) => ServerOptions = () => ({})): { owner: FakeOwner; servers: Server[] } {
  const owner = new FakeOwner();
  const servers = weights.map((w, i) => new Server(server(`s${i + 1}`, `127.0.0.1:${10000 + i}`, { weight: w, ...opts(i) }), owner, i + 1));
  owner.servers = servers;
  return { owner, servers };
}

/** A reporter that keeps the messages, for assertions. */
export class CaptureReporter implements Reporter {
  readonly lines: Array<{ severity: Severity; message: string }> = [];
  report(severity: Severity, message: string): void {
    this.lines.push({ severity, message });
  }
  messages(): string[] {
    return this.lines.map((l) => l.message);
  }
}

export interface Started {
  runtime: Runtime;
  lifecycle: Lifecycle;
  reporter: CaptureReporter;
  /** The bound port of the n-th listener of the named frontend. */
  port(frontend: string, n?: number): number;
  stop(): Promise<void>;
}

/** Builds and starts a runtime for `m` with a capturing reporter; rejects on build or bind errors. */
export async function start(m: ConfigModel): Promise<Started> {
  const reporter = new CaptureReporter();
  const { runtime, diag } = buildRuntime(m, { reporter });
  if (diag.hasAlerts()) throw new Error(diag.list.map((d) => d.message).join('\n'));
  const lifecycle = new Lifecycle(runtime);
  const r = await lifecycle.start();
  if (!r.ok) throw new Error(r.alerts.join('\n'));
  return {
    runtime,
    lifecycle,
    reporter,
    port(frontend: string, n = 0): number {
      const fe = runtime.frontends.find((f) => f.name === frontend);
      const l = fe?.listeners[n];
      if (l === undefined) throw new Error(`no listener ${n} on ${frontend}`);
      return l.port;
    },
    async stop(): Promise<void> {
      await lifecycle.hardStop();
    },
  };
}

/** A TCP origin on 127.0.0.1:0; `handler` gets each connection (allowHalfOpen). */
export async function origin(handler: (c: net.Socket) => void): Promise<{ server: net.Server; port: number; sockets: Set<net.Socket>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer({ allowHalfOpen: true }, (c) => {
    sockets.add(c);
    c.on('error', () => undefined);
    c.on('close', () => sockets.delete(c));
    handler(c);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const a = srv.address();
  const port = typeof a === 'object' && a !== null ? a.port : 0;
  return {
    server: srv,
    port,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        srv.close(() => r());
      }),
  };
}

/** An echo origin: writes back what it reads and forwards the half-close. */
export function echoHandler(c: net.Socket): void {
  c.pipe(c);
}

/** A port on 127.0.0.1 with nothing listening (bound then closed). */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const a = s.address();
  const p = typeof a === 'object' && a !== null ? a.port : 0;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

/** Connects and collects everything until close; `send` is written then the write side is ended. */
export function exchange(port: number, send: Buffer | string, opts: { end?: boolean } = {}): Promise<{ data: Buffer; error?: string }> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    const chunks: Buffer[] = [];
    let error: string | undefined;
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code ?? e.message;
    });
    c.on('end', () => c.end());
    c.on('close', () => resolve(error === undefined ? { data: Buffer.concat(chunks) } : { data: Buffer.concat(chunks), error }));
    c.write(send);
    if (opts.end !== false) c.end();
  });
}
