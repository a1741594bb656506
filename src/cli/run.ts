/**
 * Running the proxy: foreground, daemon (-D / `daemon`), master-worker
 * (-W / `master-worker`), pid files, signals and taking over from older
 * processes (-sf / -st), as management.txt §4 describes.
 *
 * haproxy forks; Node cannot, so the daemon and the workers are new copies of
 * this program started with the same arguments. They parse the configuration
 * again with their output muted (the parent already printed it), send the
 * messages of their start (bind failures...) to the parent, which prints them
 * as haproxy's single process would, and report 'ready' once they listen.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { constants } from 'node:os';
import type { ConfigModel } from '../config/model/index.js';
import { withoutArguments, type CliOptions } from './options.js';
import type { ForwardedMessage, Output } from './output.js';
import { prepareRuntime, type RuntimeHandle } from './runtime-adapter.js';

/** What the processes we spawn ourselves say to their parent over the IPC channel. */
type ChildMessage = { t: 'log'; m: ForwardedMessage } | { t: 'ready' };

/** Environment marker telling a copy of ourselves which part it plays. */
const ROLE_VAR = 'SWITCHYARD_PROCESS_ROLE';
type Role = 'main' | 'daemon' | 'worker';

function readRole(): Role {
  const v = process.env[ROLE_VAR];
  // Not passed on to anything this process starts (external checks, programs).
  delete process.env[ROLE_VAR];
  return v === 'daemon' || v === 'worker' ? v : 'main';
}

const role: Role = readRole();

/**
 * Node opens its inspector on SIGUSR1 unless a handler exists; haproxy never
 * does anything like it. Until the real handlers are in place (while the
 * configuration loads), a SIGUSR1 is only remembered.
 */
let usr1BeforeStart = false;
const rememberUsr1 = (): void => {
  usr1BeforeStart = true;
};
process.on('SIGUSR1', rememberUsr1);

/** True in a daemon copy or a worker: their configuration diagnostics were already printed by the parent. */
export function isSpawnedCopy(): boolean {
  return role !== 'main';
}

function sendToParent(m: ChildMessage): void {
  if (process.send !== undefined && process.connected) process.send(m);
}

function isChildMessage(m: unknown): m is ChildMessage {
  if (typeof m !== 'object' || m === null) return false;
  const t = (m as { t?: unknown }).t;
  return t === 'ready' || t === 'log';
}

/** The arguments of a copy of ourselves, with node's own flags (--max-old-space-size...). */
function scriptArgs(args: readonly string[]): string[] {
  return [...process.execArgv, process.argv[1]!, ...args];
}

/**
 * Opens (truncates) the pid file as haproxy does before going to the
 * background, so an unwritable path fails the start. Returns the descriptor,
 * undefined when there is no pid file, or null after printing the alert.
 */
function openPidFile(path: string | undefined, out: Output): number | undefined | null {
  if (path === undefined) return undefined;
  try {
    return openSync(path, 'w', 0o644);
  } catch {
    // haproxy.c: ha_alert("[%s.main()] Cannot create pidfile %s\n", argv[0], global.pidfile)
    out.alert(`[${process.argv[1] ?? 'switchyard'}.main()] Cannot create pidfile ${path}`, 'none');
    return null;
  }
}

function writePid(fd: number | undefined, pid: number): void {
  if (fd === undefined) return;
  writeSync(fd, `${pid}\n`);
  closeSync(fd);
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

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Binds the listeners. When an older process still holds our ports and we
 * were told to take over (-sf/-st), management.txt §4: send it SIGTTOU so it
 * releases them, retry, and send SIGTTIN (listen again) if we still fail.
 */
async function bindWithTakeover(model: ConfigModel, opts: CliOptions, out: Output): Promise<RuntimeHandle | undefined> {
  const prepared = prepareRuntime(model, opts, out);
  if (prepared === undefined) return undefined;
  const old = opts.oldPids;
  let r = await prepared.start(old.length === 0);
  if (r.ok) return prepared.handle;
  if (old.length === 0 || !r.addressInUse) return undefined;
  signalPids(old, 'SIGTTOU');
  // Node has no SO_REUSEPORT: wait for the old process to close its listeners (bounded, ~1 s).
  for (let attempt = 0; attempt < 40; attempt++) {
    await sleep(25);
    r = await prepared.start(attempt === 39);
    if (r.ok) return prepared.handle;
    if (!r.addressInUse) break;
  }
  signalPids(old, 'SIGTTIN');
  return undefined;
}

/** Dies from `signal` as haproxy does after a hard stop (exit status 128+n for the parent). */
function dieBySignal(signal: NodeJS.Signals): void {
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
}

/** The proxy itself, in this process: bind, signal the old processes, handle the signals. */
async function serve(opts: CliOptions, model: ConfigModel, out: Output): Promise<number | undefined> {
  if (role !== 'main') {
    // The parent prints what happens during our start (haproxy binds before forking).
    out.unmute();
    out.forwardTo((m) => sendToParent({ t: 'log', m }));
  }

  // Handlers go in before binding: Node's default for SIGUSR1 is to open the inspector,
  // and a stop asked for during the start must apply once it is done.
  let runtime: RuntimeHandle | undefined;
  let stopping = false;
  let softStopAsked = false;
  const softStop = () => {
    if (runtime === undefined) {
      softStopAsked = true;
      return;
    }
    if (stopping) return;
    stopping = true;
    void runtime.softStop().then(() => {
      // Streams are gone; timers (checks) and the IPC channel must not keep us alive.
      process.exitCode = 0;
      setImmediate(() => process.exit(0));
    });
  };
  const hardStop = (signal: NodeJS.Signals) => () => {
    stopping = true;
    runtime?.hardStop();
    // haproxy leaves on the signal itself: its parent sees 143 (SIGTERM) or 130 (SIGINT),
    // and the kernel closes what remains of the connections.
    dieBySignal(signal);
  };
  // management.txt §4: SIGUSR1 soft stop, SIGTERM/SIGINT hard stop, SIGHUP state dump,
  // SIGTTOU/SIGTTIN pause/resume the listeners for a new process taking over.
  process.off('SIGUSR1', rememberUsr1);
  softStopAsked = usr1BeforeStart;
  process.on('SIGUSR1', softStop);
  process.on('SIGTERM', hardStop('SIGTERM'));
  process.on('SIGINT', hardStop('SIGINT'));
  process.on('SIGHUP', () => runtime?.dumpServerStates());
  process.on('SIGTTOU', () => void runtime?.pauseListeners());
  process.on('SIGTTIN', () => void runtime?.resumeListeners());
  // haproxy dumps its memory pools on SIGQUIT and goes on; Node would dump core.
  process.on('SIGQUIT', () => undefined);

  runtime = await bindWithTakeover(model, opts, out);
  if (runtime === undefined) return 1;

  // Listeners are up: the old processes may go (-sf: finish, -st: terminate).
  if (opts.oldPidsSignal !== undefined) signalPids(opts.oldPids, opts.oldPidsSignal);
  // While SIGTTOU has paused every listener nothing else may hold the event loop:
  // the process lives until it is told to stop, as haproxy's does.
  setInterval(() => undefined, 1 << 30);

  out.started();
  if (role === 'daemon') {
    sendToParent({ t: 'ready' });
    // haproxy's daemon closes its stdio: from now on it prints nothing.
    out.forwardTo(undefined);
    out.silence();
    process.disconnect?.();
  } else if (role === 'worker') {
    out.forwardTo(undefined);
    sendToParent({ t: 'ready' });
    // A worker whose master is gone stops (haproxy's workers watch the master's pipe).
    process.on('disconnect', () => {
      if (stopping) return;
      stopping = true;
      runtime?.hardStop();
      process.exit(1);
    });
  }
  if (softStopAsked) softStop();
  return undefined;
}

/**
 * -D: start a detached copy of ourselves, print what its start reports, and
 * return once it listens (0) or as soon as it fails (its exit status). The
 * pid file is created first and receives the copy's pid (haproxy writes the
 * children's pids from the parent).
 */
function daemonize(pidPath: string | undefined, out: Output): Promise<number> {
  const fd = openPidFile(pidPath, out);
  if (fd === null) return Promise.resolve(1);
  return new Promise((resolve) => {
    const args = withoutArguments(process.argv.slice(2), ['daemon', 'chdir']);
    const child = spawn(process.execPath, scriptArgs(args), {
      detached: true,
      // haproxy's daemon has no terminal: its stdio goes nowhere, its start-up messages come over IPC.
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      env: { ...process.env, [ROLE_VAR]: 'daemon' },
    });
    let done = false;
    child.on('message', (m: unknown) => {
      if (!isChildMessage(m) || done) return;
      if (m.t === 'log') {
        out.printForwarded(m.m);
        return;
      }
      done = true;
      writePid(fd, child.pid ?? 0);
      child.disconnect();
      child.unref();
      resolve(0);
    });
    child.once('exit', (code, signal) => {
      if (done) return;
      done = true;
      if (fd !== undefined) closeSync(fd);
      resolve(code ?? 128 + (signal !== null ? constants.signals[signal] : 0));
    });
  });
}

/** strsignal(3) for the signals a worker may die from. */
const SIGNAL_TEXT: Partial<Record<NodeJS.Signals, string>> = {
  SIGHUP: 'Hangup', SIGINT: 'Interrupt', SIGQUIT: 'Quit', SIGILL: 'Illegal instruction', SIGABRT: 'Aborted',
  SIGBUS: 'Bus error', SIGFPE: 'Floating point exception', SIGKILL: 'Killed', SIGUSR1: 'User defined signal 1',
  SIGSEGV: 'Segmentation fault', SIGUSR2: 'User defined signal 2', SIGPIPE: 'Broken pipe', SIGALRM: 'Alarm clock',
  SIGTERM: 'Terminated',
};

interface Worker {
  readonly child: ChildProcess;
  readonly pid: number;
  state: 'starting' | 'current' | 'old';
}

/** Re-reads the configuration for a master-worker reload; undefined when it has errors (already printed). */
export type ConfigReloader = () => ConfigModel | undefined;

/**
 * -W: the master keeps one worker serving, reloads on SIGUSR2 or SIGHUP (a
 * new worker takes over from the current one, which finishes its
 * connections), relays stop signals to every worker and exits once none is
 * left, with haproxy's messages (mworker.c).
 */
function runMaster(model: ConfigModel, out: Output, reload: ConfigReloader | undefined): Promise<number> {
  return new Promise((resolve) => {
    const workers = new Map<number, Worker>();
    let stopping = false;
    let exitCode = -1;
    let everReady = false;
    const noExitOnFailure = model.global.masterWorkerNoExitOnFailure === true;
    if (role === 'daemon') {
      // Until the first worker serves, what the workers report goes up to the command that started us.
      out.unmute();
      out.forwardTo((m) => sendToParent({ t: 'log', m }));
    }

    const baseArgs = withoutArguments(process.argv.slice(2), ['daemon', 'master-worker', 'chdir']);
    const startWorker = (takeOverFrom: readonly number[]): void => {
      // A reload must not signal the pids of the original command line again: they may be reused by now.
      const args = takeOverFrom.length === 0 ? baseArgs : [...withoutArguments(baseArgs, ['old-pids']), '-sf', ...takeOverFrom.map(String)];
      const child = fork(process.argv[1]!, args, {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, [ROLE_VAR]: 'worker', HAPROXY_MWORKER: '1' },
      });
      if (child.pid === undefined) {
        out.alert('[master] cannot start a worker', 'none');
        return;
      }
      const w: Worker = { child, pid: child.pid, state: 'starting' };
      workers.set(w.pid, w);
      child.on('message', (m: unknown) => {
        if (!isChildMessage(m)) return;
        if (m.t === 'log') {
          out.printForwarded(m.m);
          return;
        }
        if (w.state !== 'starting') return;
        for (const other of workers.values()) if (other.state === 'current') other.state = 'old';
        w.state = 'current';
        out.notice(`New worker (${w.pid}) forked`);
        out.notice('Loading success.');
        if (!everReady) {
          everReady = true;
          if (role === 'daemon') {
            sendToParent({ t: 'ready' });
            out.forwardTo(undefined);
            out.silence();
            process.disconnect?.();
          }
        }
      });
      child.on('exit', (code, signal) => onWorkerExit(w, code ?? 128 + (signal !== null ? constants.signals[signal] : 0), signal));
    };

    const finish = () => {
      const code = exitCode > 0 ? exitCode : 0;
      out.warning(`All workers exited. Exiting... (${code})`);
      resolve(code);
    };

    const onWorkerExit = (w: Worker, status: number, signal: NodeJS.Signals | null) => {
      workers.delete(w.pid);
      const how = signal !== null ? (SIGNAL_TEXT[signal] ?? signal) : 'Exit';
      if (w.state === 'starting') {
        // Its start failed (the messages were forwarded). The first start takes the master down with it.
        if (!everReady) {
          resolve(status === 0 ? 1 : status);
          return;
        }
        out.warning('Loading failure!');
      } else if (w.state === 'old') {
        out.warning(`Former worker (${w.pid}) exited with code ${status} (${how})`);
      } else {
        if (status < 128) out.warning(`Current worker (${w.pid}) exited with code ${status} (${how})`);
        else out.alert(`Current worker (${w.pid}) exited with code ${status} (${how})`, 'none');
        if (!stopping && status !== 0 && status !== 130 && status !== 143 && !noExitOnFailure) {
          out.alert('exit-on-failure: killing every processes with SIGTERM', 'none');
          stopping = true;
          for (const other of workers.values()) other.child.kill('SIGTERM');
        }
        // 0 and SIGTERM (143) are normal ends (mworker.c mworker_catch_sigchld).
        if (exitCode < 0 && status !== 0 && status !== 143) exitCode = status;
      }
      if (workers.size === 0 && (stopping || !noExitOnFailure)) finish();
    };

    const doReload = () => {
      if (stopping) return;
      out.restart();
      out.notice('Reloading Switchyard');
      if (reload !== undefined && reload() === undefined) {
        out.warning('Loading failure!');
        return;
      }
      const current = [...workers.values()].filter((w) => w.state === 'current').map((w) => w.pid);
      startWorker(current);
    };

    const stop = (signal: NodeJS.Signals) => () => {
      if (!stopping) out.warning('Exiting Master process...');
      stopping = true;
      // A worker still starting serves nothing yet: it is terminated whatever the signal.
      for (const w of workers.values()) w.child.kill(w.state === 'starting' ? 'SIGTERM' : signal);
      if (workers.size === 0) finish();
    };

    // management.txt §4: SIGUSR2 reloads the master; haproxy's master treats SIGHUP the same way.
    process.on('SIGUSR2', doReload);
    process.on('SIGHUP', doReload);
    process.off('SIGUSR1', rememberUsr1);
    process.on('SIGUSR1', stop('SIGUSR1'));
    process.on('SIGTERM', stop('SIGTERM'));
    process.on('SIGINT', stop('SIGINT'));
    process.on('SIGTTOU', () => undefined);
    process.on('SIGTTIN', () => undefined);
    startWorker([]);
    if (usr1BeforeStart) stop('SIGUSR1')();
  });
}

/**
 * Runs the loaded configuration until stopped. Returns an exit code, or
 * undefined while this process serves. `reload` re-reads the configuration
 * in master-worker mode.
 */
export async function run(opts: CliOptions, model: ConfigModel, out: Output, reload?: ConfigReloader): Promise<number | undefined> {
  const pidPath = opts.pidFile ?? model.global.pidfile;
  const daemon = role === 'main' && (opts.daemon || model.global.daemon) && !opts.noBackground;
  const masterWorker = role !== 'worker' && (opts.masterWorker || model.global.masterWorker);

  if (daemon) return daemonize(pidPath, out);

  if (masterWorker) {
    // The master's pid; with -D the parent already wrote it.
    if (role === 'main') {
      const fd = openPidFile(pidPath, out);
      if (fd === null) return 1;
      writePid(fd, process.pid);
    }
    return runMaster(model, out, reload);
  }
  // haproxy writes no pid file in plain foreground mode (only daemon or master-worker).
  return serve(opts, model, out);
}
