/**
 * The proxies the HTTP benchmarks compare, each started from its real command
 * line in front of one origin: Switchyard (`node bin/switchyard.js -db -f`),
 * `/usr/sbin/haproxy -db -f` (`nbthread 1`) and `/usr/sbin/nginx`
 * (`worker_processes 1`; `keepalive_requests` raised so that, like haproxy,
 * it does not close a client connection every 1,000 requests), all on
 * 127.0.0.1 with the same timeouts. The
 * http-proxy (npm) contender lives in ./http-proxy.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, freePort, waitPort } from './proc.js';

const HAPROXY = process.env['HAPROXY_BIN'] ?? '/usr/sbin/haproxy';
const NGINX = process.env['NGINX_BIN'] ?? '/usr/sbin/nginx';

/** A proxy under test: where it listens and which process to measure. */
export interface Contender {
  name: string;
  port: number;
  /** The process started (for nginx: the master). */
  proc: ChildProcess;
  /** The process doing the work (for nginx: its single worker). */
  pid: number;
}

/** What every contender is started with. */
export interface ContenderSetup {
  /** Scratch directory for configuration files (removed by the caller). */
  dir: string;
  originPort: number;
  /**
   * Large bodies: nginx streams request and response bodies instead of
   * buffering them (`proxy_request_buffering off`, `proxy_buffering off`).
   */
  bulk?: boolean;
}

/** Names accepted by the benchmarks' `--only` flag. */
export const CONTENDER_NAMES = ['switchyard', 'haproxy', 'nginx', 'http-proxy'] as const;

/** The haproxy configuration both haproxy and Switchyard run. */
function haproxyConfig(port: number, originPort: number): string {
  return [
    'global', '  nbthread 1',
    'defaults', '  mode http', '  timeout connect 5s', '  timeout client 30s', '  timeout server 30s',
    'listen bench', `  bind 127.0.0.1:${port}`, `  server o 127.0.0.1:${originPort}`, '',
  ].join('\n');
}

async function started(name: string, port: number, proc: ChildProcess): Promise<Contender> {
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => { stderr += d.toString('latin1'); });
  const exited = new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${stderr.trim()}`))));
  exited.catch(() => undefined); // a later exit (our own stop) is not an error
  await Promise.race([waitPort(port), exited]);
  return { name, port, proc, pid: proc.pid! };
}

/** Starts `/usr/sbin/haproxy -db -f cfg` (`nbthread 1`). */
export async function startHaproxy(s: ContenderSetup): Promise<Contender> {
  const port = await freePort();
  const cfg = join(s.dir, 'haproxy.cfg');
  writeFileSync(cfg, haproxyConfig(port, s.originPort));
  return started('haproxy', port, spawn(HAPROXY, ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] }));
}

/** Starts Switchyard from its command line on the same configuration as haproxy. */
export async function startSwitchyard(s: ContenderSetup): Promise<Contender> {
  const port = await freePort();
  const cfg = join(s.dir, 'switchyard.cfg');
  writeFileSync(cfg, haproxyConfig(port, s.originPort));
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'switchyard.js'), '-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  return started('switchyard', port, proc);
}

/** Starts nginx (`worker_processes 1`, upstream keep-alive), or returns undefined when it is not installed. */
export async function startNginx(s: ContenderSetup): Promise<Contender | undefined> {
  if (!existsSync(NGINX)) return undefined;
  const port = await freePort();
  const cfg = join(s.dir, 'nginx.conf');
  const bulk = s.bulk === true
    ? '  client_max_body_size 0;\n  proxy_request_buffering off;\n  proxy_buffering off;\n'
    : '';
  writeFileSync(cfg, `daemon off;\nworker_processes 1;\nerror_log ${s.dir}/nginx-error.log;\npid ${s.dir}/nginx.pid;\n`
    + 'events { worker_connections 1024; }\nhttp {\n access_log off;\n keepalive_requests 100000000;\n'
    + ` upstream o { server 127.0.0.1:${s.originPort}; keepalive 64; }\n server {\n  listen 127.0.0.1:${port};\n${bulk}`
    + '  location / { proxy_pass http://o; proxy_http_version 1.1; proxy_set_header Connection ""; }\n }\n}\n');
  const proc = spawn(NGINX, ['-p', s.dir, '-c', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
  // The master's only child is the worker that does the proxying.
  const c = await started('nginx', port, proc);
  // The master listens before it forks the worker: wait for the worker to exist.
  for (let i = 0; i < 200; i++) {
    const kid = Number(readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, 'latin1').trim().split(/\s+/)[0]);
    if (kid > 0) return { ...c, pid: kid };
    await new Promise((r) => setTimeout(r, 10));
  }
  return c;
}

/** Stops a contender by its PID (SIGTERM, then SIGKILL after 2 s) and waits for it to exit. */
export async function stopContender(c: { proc: ChildProcess }): Promise<void> {
  const p = c.proc;
  if (p.exitCode !== null || p.signalCode !== null) return;
  const gone = new Promise<void>((r) => p.once('exit', () => r()));
  p.kill('SIGTERM');
  const t = setTimeout(() => p.kill('SIGKILL'), 2000);
  await gone;
  clearTimeout(t);
}
