/**
 * The `http-proxy` (npm) contender: the usual way to write a reverse proxy in
 * Node (`node:http` server + `http-proxy`'s `web()`), given a keep-alive agent
 * towards the origin so it is not penalised by a connection per request.
 * Issue 6 asks Switchyard for at least 4x its keep-alive requests/s.
 *
 * Used by bench/http.ts (one hook line) and bench/http-latency.ts. Runs in its
 * own process, forked from this file.
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';
import httpProxy from 'http-proxy';
import { freePort, median, waitPort } from './proc.js';

const SELF = fileURLToPath(import.meta.url);

/** What bench/http.ts keeps per proxy (its `Proxy` shape) plus the PID to measure. */
export interface HttpProxyContender { name: string; port: number; proc: ChildProcess; pid: number }

/** Forks the http-proxy contender in front of 127.0.0.1:originPort and resolves once it listens. */
export async function startHttpProxyContender(originPort: number): Promise<HttpProxyContender> {
  const port = await freePort();
  const proc = fork(SELF, ['--http-proxy', String(port), String(originPort)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await Promise.race([
    waitPort(port),
    new Promise<never>((_, reject) => proc.once('exit', (code) => reject(new Error(`http-proxy contender exited (${code})`)))),
  ]);
  return { name: 'http-proxy', port, proc, pid: proc.pid! };
}

/**
 * Lines for bench/http.ts's report: Switchyard's medians over the http-proxy
 * contender's, as throughput and per CPU-second (target: 4x), each with its
 * own verdict, and haproxy's ratios beside them. Throughput here is bounded
 * by the load generator and the origin sharing the machine's cores with the
 * proxy: haproxy itself is only about 4x http-proxy in requests/s on 2
 * cores, so that ratio says more about the harness than about the proxy;
 * per CPU-second is the steady figure.
 */
export function httpProxyRatioLine(results: Map<string, { rps: number[]; perCpu: number[] }>): string {
  const s = results.get('switchyard');
  const h = results.get('http-proxy');
  if (s === undefined || h === undefined) return '';
  const ratios = (x: { rps: number[]; perCpu: number[] }): [number, number] => [median(x.rps) / median(h.rps), median(x.perCpu) / median(h.perCpu)];
  const [r, c] = ratios(s);
  const verdict = (x: number): string => (x >= 4 ? 'met' : 'NOT met');
  const ha = results.get('haproxy');
  const ref = ha === undefined ? '' : (() => {
    const [hr, hc] = ratios(ha);
    return `\nhaproxy / http-proxy in the same run: ${hr.toFixed(2)}x req/s, ${hc.toFixed(2)}x req per CPU-s`;
  })();
  return `switchyard / http-proxy (issue 6 target >= 4x): ${c.toFixed(2)}x req per CPU-s (${verdict(c)}), ${r.toFixed(2)}x req/s (${verdict(r)})${ref}`;
}

function runContender(port: number, originPort: number): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = httpProxy.createProxyServer({ target: `http://127.0.0.1:${originPort}`, agent });
  proxy.on('error', (_err: Error, _req: http.IncomingMessage, res: http.ServerResponse | net.Socket) => {
    if ('writeHead' in res && !res.headersSent) res.writeHead(502);
    res.end();
  });
  const server = http.createServer((req, res) => proxy.web(req, res));
  // Keep client connections as long as the load generator does.
  server.keepAliveTimeout = 30_000;
  server.listen(port, '127.0.0.1');
  process.on('SIGTERM', () => process.exit(0));
  process.on('disconnect', () => process.exit(0));
}

if (process.argv[1] === SELF) {
  const i = process.argv.indexOf('--http-proxy');
  runContender(Number(process.argv[i + 1]), Number(process.argv[i + 2]));
}
