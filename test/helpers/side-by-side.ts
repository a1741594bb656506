/**
 * Running haproxy and Switchyard side by side on the same configuration and
 * comparing what they print at run time (server transitions, health-check
 * lines), with origins on fixed ports that both proxies check. Shared by the
 * differential server tests (test/compat/server/*.test.ts).
 */
import net from 'node:net';
import { startProxy, type RunningProxy, type StartOptions } from './processes.js';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms: true once it holds, false when `ms` passed first. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

/**
 * The runtime [WARNING]/[ALERT] lines a proxy printed (NOTICE lines and the
 * `config :` diagnostics left out), with the pid and the check durations
 * masked so that haproxy's and Switchyard's lines compare equal.
 */
export function runtimeLines(p: RunningProxy): string[] {
  return p.output().split('\n')
    .filter((l) => /^\[(WARNING|ALERT)\]/.test(l) && !/config :/.test(l))
    .map((l) => l.replace(/\(\d+\)/, '(pid)').replace(/check duration: \d+ms/, 'check duration: <N>ms'));
}

/** Starts haproxy, then Switchyard, on `config`; haproxy is stopped again when Switchyard fails to start. */
export async function bothProxies(config: string, opts: StartOptions = {}): Promise<[haproxy: RunningProxy, switchyard: RunningProxy]> {
  const h = await startProxy('haproxy', config, opts);
  try {
    return [h, await startProxy('switchyard', config, opts)];
  } catch (e) {
    await h.stop();
    throw e;
  }
}

/** A listener of {@link listenOn}: its open sockets, and `close()` that destroys them and stops listening. */
export interface FixedListener {
  readonly server: net.Server;
  readonly sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/**
 * A listener on 127.0.0.1:`port` (a fixed port, known to the configuration
 * before the origin exists, so that it can come and go) handing each
 * accepted socket to `onConn`. It is unref'd: never what keeps the test
 * process alive, even when a test fails before closing it.
 */
export async function listenOn(port: number, onConn: (s: net.Socket) => void): Promise<FixedListener> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConn(s);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  server.unref();
  return {
    server,
    sockets,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
