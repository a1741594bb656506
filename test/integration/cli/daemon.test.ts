/**
 * -D (daemon) and -p (pid file), against haproxy 2.6 as well: the command
 * returns once the daemon listens, the daemon serves, the pid file holds its
 * pid and SIGTERM by that pid stops it; start-up failures are printed by the
 * command and give status 1. Every daemon started here is stopped by pid.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tcpOrigin, type TcpOrigin } from '../../helpers/origins.js';
import { commandFor, freePort, run, startProxy, type ProxyKind, type RunResult } from '../../helpers/processes.js';
import { KINDS, sleep } from './cli-kinds.js';

let dir = '';
let origin: TcpOrigin;
/** Pids of the daemons started here, killed at the end whatever happened. */
const daemons = new Set<number>();

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-daemon-'));
  origin = await tcpOrigin({ banner: 'D' });
});

after(async () => {
  for (const pid of daemons) if (alive(pid)) process.kill(pid, 'SIGKILL');
  await origin.close();
  rmSync(dir, { recursive: true, force: true });
});

/** True while `pid` runs (a zombie waiting for its reaper counts as gone). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function gone(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (alive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function config(port: number, extra = ''): string {
  return `global\n${extra}defaults\n  mode tcp\n  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\n` +
    `listen li\n  bind 127.0.0.1:${port}\n  server s1 ${origin.addr}\n`;
}

function exec(kind: ProxyKind, args: string[]): Promise<RunResult> {
  const c = commandFor(kind, args);
  return run(c.cmd, c.args, { cwd: dir, timeoutMs: 8000 });
}

/** The first bytes a new connection receives, or the error code. */
function banner(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1' });
    const timer = setTimeout(() => {
      s.destroy();
      resolve('timeout');
    }, 3000);
    s.setEncoding('utf8');
    s.once('data', (d: string) => {
      clearTimeout(timer);
      s.destroy();
      resolve(d);
    });
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(e.code ?? 'error');
    });
  });
}

/** The first defined value `f` returns, polled for at most 3 s. */
async function eventually<T>(f: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 3000;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('eventually: timeout');
    await sleep(20);
  }
}

/** True once connections to `port` are refused (a dying process may still reset them for a moment). */
async function refused(port: number): Promise<boolean> {
  const deadline = Date.now() + 2000;
  while ((await banner(port)) !== 'ECONNREFUSED') {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

function mask(text: string): string {
  return text
    .replace(/\((\d+)\)/g, '(PID)')
    .replace(/(haproxy|switchyard) version is .*/g, 'VERSION')
    .replace(/path to executable is .*/g, 'PATH')
    .replace(/\[[^\]\s]*\.main\(\)\]/g, '[PROG.main()]');
}

describe('daemon', { concurrency: true }, () => {
  for (const { kind, skip } of KINDS) {
    describe(kind, { skip, concurrency: 1 }, () => {
      it('-D returns once listening; the daemon serves; -p holds its pid; SIGTERM by pid stops it', async () => {
        const port = await freePort();
        const cfg = `${kind}-d.cfg`;
        const pidFile = join(dir, `${kind}-d.pid`);
        writeFileSync(join(dir, cfg), config(port));
        const r = await exec(kind, ['-D', '-p', pidFile, '-f', cfg]);
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        daemons.add(pid);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout + r.stderr, '', 'a clean start prints nothing');
        assert.ok(pid > 0 && alive(pid), `pid file: ${pid}`);
        // No retry: the listeners are up when -D returns.
        assert.equal(await banner(port), 'D');
        process.kill(pid, 'SIGTERM');
        assert.ok(await gone(pid, 3000), 'the daemon stopped');
        assert.ok(await refused(port), 'the listener is closed');
      });

      it('-D (and -W -D) with a port in use: the command prints the alert and returns 1', async () => {
        const busy = net.createServer();
        await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
        const port = (busy.address() as net.AddressInfo).port;
        try {
          const cfg = `${kind}-busy.cfg`;
          writeFileSync(join(dir, cfg), config(port));
          const expected = new RegExp(
            `\\[ALERT\\] {4}\\(PID\\) : Binding \\[${kind}-busy\\.cfg:8\\] for proxy li: cannot bind socket \\(Address already in use\\) for \\[127\\.0\\.0\\.1:${port}\\]\\n` +
              '\\[ALERT\\] {4}\\(PID\\) : \\[PROG\\.main\\(\\)\\] Some protocols failed to start their listeners! Exiting\\.\\n$',
          );
          for (const mode of [['-D'], ['-W', '-D']]) {
            const r = await exec(kind, [...mode, '-f', cfg]);
            assert.equal(r.code, 1, mode.join(' '));
            assert.match(mask(r.stderr), expected, mode.join(' '));
          }
        } finally {
          busy.close();
        }
      });

      it('-D with a pid file that cannot be created: "Cannot create pidfile", status 1, nothing left running', async () => {
        const port = await freePort();
        const cfg = `${kind}-nopid.cfg`;
        writeFileSync(join(dir, cfg), config(port));
        const r = await exec(kind, ['-D', '-p', join(dir, 'no', 'such', 'dir', 'x.pid'), '-f', cfg]);
        assert.equal(r.code, 1);
        assert.match(mask(r.stderr), /\[ALERT\] {4}\(PID\) : \[PROG\.main\(\)\] Cannot create pidfile .*x\.pid\n$/);
        assert.equal(await banner(port), 'ECONNREFUSED');
      });

      it('-W -D: the pid file holds the master, SIGUSR1 to it stops everything', async () => {
        const port = await freePort();
        const cfg = `${kind}-wd.cfg`;
        const pidFile = join(dir, `${kind}-wd.pid`);
        writeFileSync(join(dir, cfg), config(port));
        const r = await exec(kind, ['-W', '-D', '-p', pidFile, '-f', cfg]);
        assert.equal(r.code, 0, r.stderr);
        // haproxy returns as soon as the master is forked and the master writes the file; Switchyard
        // returns once the first worker listens. Wait for both (bounded).
        const master = await eventually(() => {
          const text = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim() : '';
          return text === '' ? undefined : Number(text);
        });
        daemons.add(master);
        assert.ok(alive(master));
        assert.equal(await eventually(async () => ((await banner(port)) === 'D' ? 'D' : undefined)), 'D');
        // haproxy's master relays stop signals only to workers that have told it they are ready,
        // which happens a little after they listen (over a second on a loaded machine): a signal
        // that comes too early is dropped, so it is sent again until the master is gone (bounded).
        let stopped = false;
        for (let i = 0; i < 8 && !stopped; i++) {
          process.kill(master, 'SIGUSR1');
          stopped = await gone(master, 1000);
        }
        assert.ok(stopped, 'the master stopped');
        assert.ok(await refused(port), 'the listener is closed');
      });

      it('"daemon" in the configuration is overridden by -db', async () => {
        const p = await startProxy(kind, config(0, '  daemon\n').replace('127.0.0.1:0', '${ADDR:fe}'));
        try {
          assert.equal(await banner(p.ports['fe'] ?? 0), 'D');
          assert.equal(p.exitCode, null, 'still in the foreground');
        } finally {
          await p.stop();
        }
      });
    });
  }
});

describe('pid files', () => {
  it('a plain foreground process writes none (haproxy writes it only for -D and -W)', async () => {
    const pidFile = join(dir, 'fg.pid');
    const p = await startProxy('switchyard', config(0).replace('127.0.0.1:0', '${ADDR:fe}'), { extraArgs: ['-p', pidFile] });
    try {
      assert.equal(await banner(p.ports['fe'] ?? 0), 'D');
      assert.equal(existsSync(pidFile), false);
    } finally {
      await p.stop();
    }
  });
});
