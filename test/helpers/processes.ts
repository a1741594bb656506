/**
 * Start haproxy or Switchyard from a configuration *string*, and run `-c`.
 *
 * Both binaries take haproxy's command line (`-db -f file`, `-c -f file`), so
 * every helper here works identically for `'haproxy'` and `'switchyard'`; the
 * harness tests prove the helpers against the real haproxy.
 *
 * Placeholders in the configuration text (see {@link fillPlaceholders}):
 *   `${PORT:name}` a free port on 127.0.0.1 picked by the helper
 *   `${ADDR:name}` `127.0.0.1:<that port>`
 *   `${FD:name}`   `fd@N`, a listening socket opened by the helper on
 *                  127.0.0.1:0 and inherited by the child as file descriptor N
 *   `${KEY}` / `${KEY:arg}` any value given in `opts.vars`
 * Anything else (haproxy's own `"${ENV}"` expansion) is left untouched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAPROXY_BIN, SWITCHYARD_BIN } from './paths.js';

export type ProxyKind = 'haproxy' | 'switchyard';

/** One diagnostic line printed by `haproxy -c` (or Switchyard), pid removed. */
export interface ParsedDiagnostic {
  readonly severity: 'alert' | 'warning' | 'notice' | 'diag';
  /** File of the first `[file:line]` place in the message, when there is one. */
  readonly file?: string;
  readonly line?: number;
  /** The text after `config : ` (continuation lines joined with `\n`). */
  readonly message: string;
}

export interface CheckResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly alerts: ParsedDiagnostic[];
  readonly warnings: ParsedDiagnostic[];
  readonly notices: ParsedDiagnostic[];
  /** The configuration files that were checked, as given on the command line. */
  readonly files: string[];
}

export interface StartOptions {
  /** Extra placeholder values: key `NAME` or `NAME:arg` → replacement text. */
  readonly vars?: Readonly<Record<string, string>>;
  /** Ports to use instead of picking new ones for some `${PORT:name}`s. */
  readonly ports?: Readonly<Record<string, number>>;
  /** Port names to wait for; default: every `${PORT:…}`/`${ADDR:…}`/`${FD:…}` name. */
  readonly waitFor?: readonly string[];
  /** Arguments appended after `-db -f <file>` (e.g. `['-q']`). */
  readonly extraArgs?: readonly string[];
  /** Bounded wait for the listeners (default 5000 ms). */
  readonly readyTimeoutMs?: number;
  /** Delay between SIGTERM and SIGKILL in {@link RunningProxy.stop} (default 3000 ms). */
  readonly stopTimeoutMs?: number;
  /** Base name of the written configuration file (default `haproxy.cfg`). */
  readonly fileName?: string;
  readonly cwd?: string;
  readonly env?: Readonly<Record<string, string>>;
}

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunningProxy {
  readonly kind: ProxyKind;
  readonly pid: number;
  /** Path of the configuration file the process was started with. */
  readonly configFile: string;
  /** The configuration text after placeholder substitution. */
  readonly config: string;
  /** Port of each named listener placeholder. */
  readonly ports: Readonly<Record<string, number>>;
  /** `127.0.0.1:<port>` of a named listener. */
  addr(name: string): string;
  /** Exit code once the process has exited, `null` while it runs (or when killed by a signal). */
  readonly exitCode: number | null;
  readonly exited: Promise<ExitStatus>;
  /** stdout and stderr interleaved in arrival order. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** SIGTERM by pid, SIGKILL after `stopTimeoutMs`; resolves once the process is gone. */
  stop(): Promise<ExitStatus>;
}

const PLACEHOLDER = /\$\{([A-Z][A-Z0-9_]*)(?::([^}]*))?\}/g;

/** Names used in `${PORT:x}`, `${ADDR:x}` and `${FD:x}` placeholders, in order of appearance. */
export function listenerNames(config: string): { tcp: string[]; fd: string[] } {
  const tcp: string[] = [];
  const fd: string[] = [];
  for (const m of config.matchAll(PLACEHOLDER)) {
    const kind = m[1];
    const name = m[2];
    if (name === undefined) continue;
    if ((kind === 'PORT' || kind === 'ADDR') && !tcp.includes(name)) tcp.push(name);
    if (kind === 'FD' && !fd.includes(name)) fd.push(name);
  }
  return { tcp, fd };
}

/**
 * Replaces the helper placeholders in `text`. `ports` gives `${PORT:x}` and
 * `${ADDR:x}`, `fds` gives `${FD:x}` (the child's descriptor number), `vars`
 * gives anything else by `NAME:arg` or `NAME`. Unknown placeholders are kept
 * as they are, so haproxy's own environment expansion still works.
 */
export function fillPlaceholders(
  text: string,
  values: {
    ports?: Readonly<Record<string, number>>;
    fds?: Readonly<Record<string, number>>;
    vars?: Readonly<Record<string, string>>;
  },
): string {
  return text.replace(PLACEHOLDER, (whole, kind: string, arg: string | undefined) => {
    if (arg !== undefined) {
      const port = values.ports?.[arg];
      if (kind === 'PORT' && port !== undefined) return String(port);
      if (kind === 'ADDR' && port !== undefined) return `127.0.0.1:${port}`;
      const fd = values.fds?.[arg];
      if (kind === 'FD' && fd !== undefined) return `fd@${fd}`;
      const v = values.vars?.[`${kind}:${arg}`];
      if (v !== undefined) return v;
    } else {
      const v = values.vars?.[kind];
      if (v !== undefined) return v;
    }
    return whole;
  });
}

const handedOut = new Set<number>();

/**
 * Ports below the kernel's ephemeral range (ip_local_port_range, 32768 by
 * default): neither `listen(0)` nor an outgoing connection ever takes one, so
 * between the moment a port is handed out and the moment the proxy binds it
 * (a second or more for a node child on a loaded machine) only another
 * freePort() could pick it, and a claim file in a directory shared by the
 * test processes rules that out. Without this, another test file's origin or
 * client could take the port meanwhile, and with SO_REUSEPORT two proxies
 * could even share it.
 */
const PORT_CLAIMS = join(tmpdir(), 'switchyard-test-ports');
const CLAIM_STALE_MS = 10 * 60_000;
const claimed: string[] = [];
process.on('exit', () => {
  for (const f of claimed) {
    try {
      unlinkSync(f);
    } catch {
      /* already gone */
    }
  }
});

/** [low, high] below the ephemeral range, or undefined when that range starts too low to leave room. */
function claimRange(): [number, number] | undefined {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return low > 12000 ? [10000, low - 1] : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the claim file of `port`; false when another live test process holds it. */
function claim(port: number): boolean {
  const f = join(PORT_CLAIMS, String(port));
  try {
    writeFileSync(f, String(process.pid), { flag: 'wx' });
  } catch {
    try {
      if (Date.now() - statSync(f).mtimeMs < CLAIM_STALE_MS) return false;
      writeFileSync(f, String(process.pid));
    } catch {
      return false;
    }
  }
  claimed.push(f);
  return true;
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A TCP port on 127.0.0.1 that is free and stays ours until a proxy binds it
 * (see {@link PORT_CLAIMS}). Never returns the same port twice in one test
 * process. Falls back to `listen(0)` where the claim range is unavailable.
 */
export async function freePort(): Promise<number> {
  const range = claimRange();
  if (range !== undefined) {
    mkdirSync(PORT_CLAIMS, { recursive: true });
    for (let attempt = 0; attempt < 200; attempt++) {
      const port = range[0] + Math.floor(Math.random() * (range[1] - range[0] + 1));
      if (handedOut.has(port) || !claim(port)) continue;
      handedOut.add(port);
      if (await canListen(port)) return port;
    }
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => {
        const a = srv.address();
        const p = typeof a === 'object' && a !== null ? a.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (port !== 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('freePort: no free port found');
}

/** Listening sockets of the machine, read from /proc/net/tcp{,6}; null when unavailable. */
function listeningPorts(): Set<number> | null {
  const out = new Set<number>();
  let readAny = false;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(f, 'latin1');
    } catch {
      continue;
    }
    readAny = true;
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // proc(5): "sl local_address rem_address st ..."; st 0A is TCP_LISTEN.
      if (cols[3] !== '0A') continue;
      const local = cols[1];
      if (local === undefined) continue;
      const hexPort = local.slice(local.lastIndexOf(':') + 1);
      out.add(parseInt(hexPort, 16));
    }
  }
  return readAny ? out : null;
}

function tryConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Waits until something listens on each port. A socket in LISTEN state is
 * seen in /proc/net/tcp (the kernel completes handshakes into its backlog from
 * then on); checking there rather than connecting keeps the readiness probe
 * from reaching the origins behind a `mode tcp` proxy. Falls back to connect
 * probes where /proc is unavailable.
 */
async function waitListening(ports: number[], deadline: number, alive: () => boolean): Promise<void> {
  let pending = [...ports];
  while (pending.length > 0) {
    if (!alive()) throw new Error('process exited before listening');
    const listening = listeningPorts();
    const still: number[] = [];
    for (const p of pending) {
      const ok = listening !== null ? listening.has(p) : await tryConnect(p);
      if (!ok) still.push(p);
    }
    pending = still;
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`timeout waiting for port(s) ${pending.join(', ')} to listen`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The descriptors `pid` watches with epoll (the `tfd:` lines of its epoll
 * fdinfo), or null where /proc cannot tell.
 */
function polledFds(pid: number): Set<number> | null {
  const out = new Set<number>();
  try {
    for (const f of readdirSync(`/proc/${pid}/fdinfo`)) {
      let text: string;
      try {
        text = readFileSync(`/proc/${pid}/fdinfo/${f}`, 'utf8');
      } catch {
        continue; // closed meanwhile
      }
      for (const m of text.matchAll(/^tfd:\s+(\d+)/gm)) out.add(Number(m[1]));
    }
  } catch {
    return null;
  }
  return out;
}

/**
 * Waits until the child polls each inherited listening descriptor. Such a
 * socket listens (and the kernel completes handshakes) from before the child
 * starts, so /proc/net/tcp says nothing about the child being ready: under
 * load a node child takes more than a second to get there, and a client with
 * a short idle timeout would give up first.
 */
async function waitPolled(pid: number, fds: number[], deadline: number, alive: () => boolean): Promise<void> {
  while (fds.length > 0) {
    if (!alive()) throw new Error('process exited before listening');
    const polled = polledFds(pid);
    if (polled === null || fds.every((fd) => polled.has(fd))) return;
    if (Date.now() > deadline) throw new Error(`timeout waiting for inherited fd(s) ${fds.join(', ')} to be polled`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every child we started and have not reaped: killed if the test process exits early. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) if (c.pid !== undefined && c.exitCode === null) {
    try {
      process.kill(c.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});

/** The argv to run `kind` with (Switchyard runs under this very node binary). */
export function commandFor(kind: ProxyKind, args: readonly string[]): { cmd: string; args: string[] } {
  if (kind === 'haproxy') return { cmd: HAPROXY_BIN, args: [...args] };
  return { cmd: process.execPath, args: [SWITCHYARD_BIN, ...args] };
}

function makeTempDir(): string {
  return mkdtempSync(join(tmpdir(), 'switchyard-test-'));
}

/** Opens a listening socket on 127.0.0.1:0 and returns it with its fd and port. */
async function openFdListener(): Promise<{ server: net.Server; fd: number; port: number }> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const a = server.address();
  const port = typeof a === 'object' && a !== null ? a.port : 0;
  // Node keeps the libuv handle private; on Linux its `fd` is the socket descriptor.
  const handle = (server as unknown as { _handle?: { fd?: unknown } })._handle;
  const fd = handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    server.close();
    throw new Error('openFdListener: cannot read the listening socket fd (Linux only)');
  }
  return { server, fd, port };
}

/**
 * Starts `kind` in the foreground (`-db -f <file>`) with `config` written to a
 * temporary file, after filling placeholders, and waits (bounded) until every
 * named listener accepts connections. Rejects with the proxy's output when it
 * exits or does not listen in time. Always `await proxy.stop()`.
 */
export async function startProxy(kind: ProxyKind, config: string, opts: StartOptions = {}): Promise<RunningProxy> {
  const names = listenerNames(config);
  const ports: Record<string, number> = {};
  for (const n of names.tcp) ports[n] = opts.ports?.[n] ?? (await freePort());

  const fdServers: net.Server[] = [];
  const fds: Record<string, number> = {};
  const inherited: number[] = [];
  try {
    for (const n of names.fd) {
      const l = await openFdListener();
      fdServers.push(l.server);
      fds[n] = 3 + inherited.length;
      inherited.push(l.fd);
      ports[n] = l.port;
    }
  } catch (e) {
    for (const s of fdServers) s.close();
    throw e;
  }

  const filled = fillPlaceholders(config, { ports, fds, vars: opts.vars ?? {} });
  const dir = makeTempDir();
  const configFile = join(dir, opts.fileName ?? 'haproxy.cfg');
  writeFileSync(configFile, filled);

  const { cmd, args } = commandFor(kind, ['-db', '-f', configFile, ...(opts.extraArgs ?? [])]);
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'pipe', ...inherited],
    cwd: opts.cwd ?? dir,
    env: { ...process.env, ...(opts.env ?? {}) },
  });
  live.add(child);
  // The child has its own copies of the listening sockets; closing ours keeps
  // this process from accepting (and stealing) connections meant for the proxy.
  for (const s of fdServers) s.close();

  let out = '';
  let errText = '';
  let both = '';
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (d: string) => {
    out += d;
    both += d;
  });
  child.stderr?.on('data', (d: string) => {
    errText += d;
    both += d;
  });
  let exitCode: number | null = null;
  let running = true;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('error', (e) => {
      running = false;
      errText += `\n[helper] spawn error: ${e.message}`;
      both += `\n[helper] spawn error: ${e.message}`;
      live.delete(child);
      resolve({ code: null, signal: null });
    });
    child.once('close', (code, signal) => {
      running = false;
      exitCode = code;
      live.delete(child);
      resolve({ code, signal });
    });
  });
  child.once('exit', () => {
    running = false;
  });

  const stopTimeoutMs = opts.stopTimeoutMs ?? 3000;
  let stopping: Promise<ExitStatus> | undefined;
  const stop = (): Promise<ExitStatus> => {
    if (stopping) return stopping;
    stopping = (async () => {
      if (running && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGTERM');
        } catch {
          /* already gone */
        }
        const timer = setTimeout(() => {
          if (running && child.pid !== undefined) {
            try {
              process.kill(child.pid, 'SIGKILL');
            } catch {
              /* already gone */
            }
          }
        }, stopTimeoutMs);
        const st = await exited;
        clearTimeout(timer);
        rmSync(dir, { recursive: true, force: true });
        return st;
      }
      const st = await exited;
      rmSync(dir, { recursive: true, force: true });
      return st;
    })();
    return stopping;
  };

  const proxy: RunningProxy = {
    kind,
    pid: child.pid ?? -1,
    configFile,
    config: filled,
    ports,
    addr(name: string): string {
      const p = ports[name];
      if (p === undefined) throw new Error(`no listener named '${name}'`);
      return `127.0.0.1:${p}`;
    },
    get exitCode() {
      return exitCode;
    },
    exited,
    output: () => both,
    stdout: () => out,
    stderr: () => errText,
    stop,
  };

  const wanted = (opts.waitFor ?? [...names.tcp, ...names.fd]).map((n) => {
    const p = ports[n];
    if (p === undefined) throw new Error(`waitFor: no listener named '${n}'`);
    return p;
  });
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 5000);
  try {
    await waitListening(wanted, deadline, () => running);
    const wantedFds = names.fd.filter((n) => opts.waitFor === undefined || opts.waitFor.includes(n)).map((n) => fds[n] ?? -1);
    if (child.pid !== undefined) await waitPolled(child.pid, wantedFds, deadline, () => running);
  } catch (e) {
    await stop();
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(
      `${kind} did not start (${why}); exit=${String(exitCode)}\n--- config ---\n${filled}\n--- output ---\n${both}`,
    );
  }
  return proxy;
}

const SEVERITY: Record<string, ParsedDiagnostic['severity']> = {
  ALERT: 'alert',
  WARNING: 'warning',
  NOTICE: 'notice',
  DIAG: 'diag',
};

/**
 * Parses haproxy's diagnostic lines:
 *   `[ALERT]    (pid) : config : parsing [f:l] : msg`
 *   `[ALERT]    (pid) : config : [f:l] : msg`
 *   `[ALERT]    (pid) : config : Parsing [f:l]: msg`
 *   `[ALERT]    (pid) : config : Proxy 'fe': msg` (no place)
 * The place is the first `[file:line]` of the message. Lines that do not
 * start with a `[LEVEL]` tag continue the previous message.
 */
export function parseDiagnostics(text: string): ParsedDiagnostic[] {
  const out: ParsedDiagnostic[] = [];
  let current: { severity: ParsedDiagnostic['severity']; message: string } | undefined;
  const flush = (): void => {
    if (!current) return;
    const place = /\[([^\]\s]+):(\d+)\]/.exec(current.message);
    out.push(
      place && place[1] !== undefined && place[2] !== undefined
        ? { severity: current.severity, file: place[1], line: Number(place[2]), message: current.message }
        : { severity: current.severity, message: current.message },
    );
    current = undefined;
  };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    const m = /^\[(ALERT|WARNING|NOTICE|DIAG)\]\s*(?:\(\d+\)\s*)?:\s?(.*)$/.exec(line);
    if (m && m[1] !== undefined) {
      flush();
      let msg = m[2] ?? '';
      if (msg.startsWith('config : ')) msg = msg.slice('config : '.length);
      current = { severity: SEVERITY[m[1]] ?? 'alert', message: msg };
    } else if (current && line.trim() !== '') {
      current.message += `\n${line}`;
    } else {
      flush();
    }
  }
  flush();
  return out;
}

export interface CheckOptions {
  readonly vars?: Readonly<Record<string, string>>;
  readonly extraArgs?: readonly string[];
  readonly cwd?: string;
  /** Base name when `config` is a string (default `haproxy.cfg`). */
  readonly fileName?: string;
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Runs `kind -c -f <file>...` on a configuration string (written to a temp
 * file after filling `opts.vars` placeholders) or on existing files, and
 * returns the exit code, raw output and parsed diagnostics.
 */
export async function checkConfig(
  kind: ProxyKind,
  config: string | readonly string[],
  opts: CheckOptions = {},
): Promise<CheckResult> {
  let dir: string | undefined;
  let files: string[];
  if (typeof config === 'string') {
    dir = makeTempDir();
    const f = join(dir, opts.fileName ?? 'haproxy.cfg');
    writeFileSync(f, fillPlaceholders(config, { vars: opts.vars ?? {} }));
    files = [f];
  } else {
    files = [...config];
  }
  const args: string[] = ['-c'];
  for (const f of files) args.push('-f', f);
  args.push(...(opts.extraArgs ?? []));
  const { cmd, args: argv } = commandFor(kind, args);
  try {
    const r = await run(cmd, argv, { cwd: opts.cwd ?? dir ?? process.cwd(), timeoutMs: opts.timeoutMs ?? 15000, env: opts.env });
    const diags = parseDiagnostics(`${r.stderr}\n${r.stdout}`);
    return {
      code: r.code,
      stdout: r.stdout,
      stderr: r.stderr,
      alerts: diags.filter((d) => d.severity === 'alert'),
      warnings: diags.filter((d) => d.severity === 'warning'),
      notices: diags.filter((d) => d.severity === 'notice'),
      files,
    };
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

export interface RunResult {
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutBytes: Buffer;
}

/**
 * Runs a command to completion with a bounded time (SIGKILL at the deadline),
 * feeding `input` on stdin. Exit code -1 means killed or not started.
 */
export function run(
  cmd: string,
  args: readonly string[],
  opts: { cwd?: string; timeoutMs?: number; input?: string | Buffer; env?: Readonly<Record<string, string>> | undefined } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, [...args], {
      cwd: opts.cwd,
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, ...(opts.env ?? {}) },
    });
    live.add(child);
    const outChunks: Buffer[] = [];
    const errChunks: Buffer[] = [];
    child.stdout?.on('data', (d: Buffer) => outChunks.push(d));
    child.stderr?.on('data', (d: Buffer) => errChunks.push(d));
    if (opts.input !== undefined && child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(opts.input);
    }
    const timer = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGKILL');
    }, opts.timeoutMs ?? 15000);
    let spawnError = '';
    child.once('error', (e) => {
      spawnError = e.message;
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      const stdoutBytes = Buffer.concat(outChunks);
      resolve({
        code: code ?? -1,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(errChunks).toString('utf8') + (spawnError ? `\n[helper] spawn error: ${spawnError}` : ''),
        stdoutBytes,
      });
    });
  });
}
