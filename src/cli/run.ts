/**
 * Running the proxy: foreground, daemon (-D / `daemon`), master-worker
 * (-W / `master-worker`), pid files, signals and taking over from older
 * processes (-sf / -st), as management.txt §4 describes.
 */
import { spawn, fork, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import type { ConfigModel } from '../config/model/index.js';
import type { CliOptions } from './options.js';
import type { Output } from './output.js';
import { startRuntime, type RuntimeHandle } from './runtime-adapter.js';

/** Environment markers between the processes we spawn ourselves. */
const DAEMON_CHILD = 'SWITCHYARD_DAEMON_CHILD';
const WORKER_CHILD = 'SWITCHYARD_WORKER_CHILD';

function writePidFile(path: string | undefined, pid: number, out: Output): boolean {
  if (path === undefined) return true;
  try {
    writeFileSync(path, `${pid}\n`);
    return true;
  } catch (err) {
    out.alert(`[${process.argv[1] ?? 'switchyard'}.main()] Cannot create pidfile ${path}`, 'none');
    void err;
    return false;
  }
}

function signalPids(pids: readonly number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone: nothing to take over from.
    }
  }
}

/** Arguments for a re-spawned copy of ourselves, without the flags that made us spawn it. */
function childArgs(remove: readonly string[], add: readonly string[] = []): string[] {
  const args = process.argv.slice(2).filter((a) => !remove.includes(a));
  return [...add, ...args];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Binds the listeners; when an older process still holds our ports and we
 * were told to take over (-sf/-st), ask it to pause its listeners (SIGTTOU,
 * as haproxy does), retry, and give them back (SIGTTIN) if we still fail.
 */
async function bindWithTakeover(model: ConfigModel, opts: CliOptions, out: Output): Promise<RuntimeHandle | undefined> {
  const old = [...opts.finishPids, ...opts.terminatePids];
  let first = await startRuntime(model, opts, out, old.length === 0);
  if (first.ok) return first.runtime;
  if (old.length === 0 || !first.addressInUse) return undefined;
  signalPids(old, 'SIGTTOU');
  for (let attempt = 0; attempt < 20; attempt++) {
    await sleep(50);
    first = await startRuntime(model, opts, out, attempt === 19);
    if (first.ok) return first.runtime;
    if (!first.addressInUse) break;
  }
  signalPids(old, 'SIGTTIN');
  return undefined;
}

/** The proxy itself, in this process. */
async function runWorker(opts: CliOptions, model: ConfigModel, out: Output, onReady?: () => void): Promise<number | undefined> {
  const runtime = await bindWithTakeover(model, opts, out);
  if (runtime === undefined) return 1;

  // Listeners are up: the old processes may go (-sf: finish, -st: terminate).
  signalPids(opts.finishPids, 'SIGUSR1');
  signalPids(opts.terminatePids, 'SIGTERM');

  let stopping = false;
  const exitWhenIdle = (code: number) => {
    process.exitCode = code;
    // Listeners and streams are closed; let the event loop drain and end.
    setImmediate(() => process.exit(code));
  };
  // management.txt §4: SIGUSR1 soft stop, SIGTERM/SIGINT hard stop, SIGHUP state dump,
  // SIGTTOU/SIGTTIN pause/resume listeners for a new process taking over.
  process.on('SIGUSR1', () => {
    if (stopping) return;
    stopping = true;
    void runtime.softStop().then(() => exitWhenIdle(0));
  });
  const hard = () => {
    stopping = true;
    runtime.hardStop();
    exitWhenIdle(0);
  };
  process.on('SIGTERM', hard);
  process.on('SIGINT', hard);
  process.on('SIGHUP', () => out.print(runtime.serverStateDump().map((message) => ({ severity: 'notice' as const, code: 'STATE', message, context: 'none' as const }))));
  process.on('SIGTTOU', () => void runtime.pauseListeners());
  process.on('SIGTTIN', () => void runtime.resumeListeners());

  onReady?.();
  return undefined;
}

/** -D: start a detached copy of ourselves and exit once it reports its listeners are up. */
function daemonize(opts: CliOptions, out: Output): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [process.argv[1]!, ...childArgs(['-D'])], {
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: { ...process.env, [DAEMON_CHILD]: '1' },
    });
    child.once('message', (m) => {
      if (m === 'ready') {
        child.disconnect();
        child.unref();
        resolve(0);
      }
    });
    child.once('exit', (code) => resolve(code ?? 1));
    void opts;
    void out;
  });
}

/** -W: the master keeps a worker running, reloads it on SIGUSR2, and relays stop signals. */
function runMaster(opts: CliOptions, out: Output, notifyReady: () => void): Promise<number | undefined> {
  return new Promise((resolve) => {
    let current: ChildProcess | undefined;
    let stopping = false;
    const startWorker = (takeOverFrom: number | undefined) => {
      const add = takeOverFrom === undefined ? [] : ['-sf', String(takeOverFrom)];
      const child = fork(process.argv[1]!, childArgs(['-W', '-Ws', '-D'], add), {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, [WORKER_CHILD]: '1', HAPROXY_MWORKER: '1' },
      });
      child.on('message', (m) => {
        if (m !== 'ready') return;
        if (child === current) notifyReady();
        else {
          // The new worker is serving: it becomes the current one.
          current = child;
          out.notice(`New worker (${child.pid}) forked`);
        }
      });
      child.on('exit', (code, signal) => {
        if (child !== current) return; // an old worker finishing after a reload
        if (stopping) resolve(code ?? 0);
        else {
          out.alert(`Current worker (${child.pid}) exited with code ${code ?? 128} (${signal ?? 'Exit'})`, 'none');
          resolve(code ?? 1);
        }
      });
      return child;
    };
    current = startWorker(undefined);
    process.on('SIGUSR2', () => {
      if (current?.pid === undefined) return;
      out.notice('Reloading Switchyard');
      startWorker(current.pid);
    });
    const relay = (sig: NodeJS.Signals) => () => {
      stopping = true;
      current?.kill(sig);
    };
    process.on('SIGUSR1', relay('SIGUSR1'));
    process.on('SIGTERM', relay('SIGTERM'));
    process.on('SIGINT', relay('SIGINT'));
    process.on('SIGHUP', relay('SIGHUP'));
    void opts;
  });
}

/** Runs the loaded configuration until stopped. Returns an exit code, or undefined while serving. */
export async function run(opts: CliOptions, model: ConfigModel, out: Output): Promise<number | undefined> {
  const background = (opts.daemon || model.global.daemon) && !opts.noBackground && process.env[DAEMON_CHILD] === undefined;
  const masterWorker = (opts.masterWorker || model.global.masterWorker) && process.env[WORKER_CHILD] === undefined;

  if (background) return daemonize(opts, out);

  const tellParent = () => {
    if (process.send !== undefined) process.send('ready');
  };

  if (masterWorker) {
    if (!writePidFile(opts.pidFile ?? model.global.pidfile, process.pid, out)) return 1;
    return runMaster(opts, out, tellParent);
  }

  const inWorker = process.env[WORKER_CHILD] !== undefined;
  if (!inWorker && !writePidFile(opts.pidFile ?? model.global.pidfile, process.pid, out)) return 1;
  return runWorker(opts, model, out, tellParent);
}
