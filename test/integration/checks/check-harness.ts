/**
 * Helpers for the health check tests: scripted servers on 127.0.0.1:0 that
 * record what each check connection sent and answer according to the
 * connection's index, and an in-process runtime whose checks report into a
 * list of lines.
 */
import net from 'node:net';
import tls from 'node:tls';
import { buildRuntime, type Reporter, type Runtime } from '../../../src/proxy/runtime.js';
import { loadConfigText } from '../../helpers/load-config.js';

/** What a scripted server does with one connection (`index` counts from 0). */
export type Script = (sock: net.Socket, index: number) => void;

export interface ScriptedServer {
  readonly port: number;
  /** Bytes received on each connection, in accept order. */
  readonly received: Buffer[];
  /** How many TCP connections were accepted. */
  readonly count: () => number;
  close(): Promise<void>;
}

/** A TCP (or TLS with `tlsOptions`) server running `script` for each connection. */
export async function scripted(script: Script, tlsOptions?: tls.TlsOptions, opts: { cut?: (index: number) => boolean } = {}): Promise<ScriptedServer> {
  const received: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  let n = 0;
  const onConn = (sock: net.Socket): void => {
    const i = n++;
    received[i] = Buffer.alloc(0);
    sockets.add(sock);
    sock.on('data', (d: Buffer) => {
      received[i] = Buffer.concat([received[i] ?? Buffer.alloc(0), d]);
    });
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
    script(sock, i);
  };
  const server = tlsOptions !== undefined
    ? tls.createServer(tlsOptions, onConn)
    : net.createServer({ allowHalfOpen: true }, onConn);
  // TCP connections, TLS or not (a failed handshake never reaches the script).
  let tcp = 0;
  server.on('connection', (raw: net.Socket) => {
    // `cut`: close this TCP connection at once (before any TLS handshake).
    const i = tcp++;
    if (opts.cut?.(i) === true) raw.destroy();
  });
  if (tlsOptions !== undefined) server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    count: () => tcp,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** Answers `reply(index)` to the first data of each connection, then closes. */
export function onData(reply: (index: number) => string | Buffer | null): Script {
  return (sock, i) => {
    sock.once('data', () => {
      const r = reply(i);
      if (r === null) return;
      sock.end(r);
    });
  };
}

/** Writes `text(index)` as soon as the connection opens (banners, agents). */
export function onConnect(text: (index: number) => string | Buffer, close = true): Script {
  return (sock, i) => {
    if (close) sock.end(text(i));
    else sock.write(text(i));
  };
}

/** A port nothing listens on. */
export async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export interface CheckedRuntime {
  readonly runtime: Runtime;
  /** Lines reported so far, as `[WARNING] text` / `[ALERT] text`. */
  readonly lines: string[];
  /** Resolves once `pred` holds for the lines (polling), rejects after `timeoutMs`. */
  until(pred: (lines: string[]) => boolean, timeoutMs?: number): Promise<void>;
  stop(): void;
}

/**
 * Loads `config` (it must load without alerts), builds the runtime and
 * starts its checks at once, spread as the lifecycle does. `onReport` sees
 * each line as it is reported (to count connections at that moment).
 */
export function startChecks(config: string, onReport?: (line: string) => void): CheckedRuntime {
  const loaded = loadConfigText(config);
  if (loaded.alerts.length > 0) throw new Error(`configuration refused:\n${loaded.alerts.join('\n')}`);
  const lines: string[] = [];
  const reporter: Reporter = {
    report(severity, message) {
      const line = `[${severity.toUpperCase()}] ${message}`;
      lines.push(line);
      onReport?.(line);
    },
  };
  const { runtime } = buildRuntime(loaded.model, { reporter });
  const checks = runtime.checks;
  checks.forEach((c, i) => c.start(Math.floor((10 * i) / Math.max(1, checks.length))));
  return {
    runtime,
    lines,
    async until(pred, timeoutMs = 8000) {
      const t0 = Date.now();
      while (!pred(lines)) {
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out; lines so far:\n${lines.join('\n')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    stop() {
      for (const c of checks) c.stop();
    },
  };
}

/** Masks the check durations (`check duration: 3ms` → `check duration: Nms`). */
export function masked(lines: readonly string[]): string[] {
  return lines.map((l) => l.replace(/check duration: \d+ms/, 'check duration: Nms'));
}

/** A backend section with the given lines (no listener is needed to run checks in-process). */
export function backend(...lines: string[]): string {
  return ['defaults', '  mode tcp', '  timeout connect 1s', '  timeout client 1s', '  timeout server 1s', 'backend be', ...lines.map((l) => `  ${l}`)].join('\n');
}
