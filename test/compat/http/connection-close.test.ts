/**
 * Differential: how the proxy closes connections in `mode http`, with and
 * without `option nolinger`, through haproxy 2.6 and Switchyard
 * (docs/http-connections.md). What is compared is what each peer's socket
 * saw: a FIN (`end`) or a reset (`ECONNRESET`):
 * - `option http-server-close`: the server connection is aborted after the
 *   response (a reset), the client's closes cleanly;
 * - a 504 (`timeout server`): the server connection is aborted;
 * - a client closing after its response, a 408 on a partial request, an
 *   idle keep-alive connection timing out: the client gets a FIN;
 * each with `option nolinger` on the frontend and on the backend, which
 * change nothing of this in haproxy 2.6's HTTP/1 paths. (A server closing
 * right after its response is left out: whether haproxy has read that FIN
 * before closing, FIN or reset, is a race in haproxy itself.)
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { haproxyAvailable } from '../../helpers/paths.js';
import { startProxy, type ProxyKind } from '../../helpers/processes.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What the origin saw on the connection that carried a request, by request path. */
const originSaw = new Map<string, string[]>();

/** Answers 200 except `/slow` (never). */
async function origin(): Promise<net.Server> {
  const srv = net.createServer({ allowHalfOpen: true }, (c) => {
    let seen: string[] = [];
    c.on('error', (e: NodeJS.ErrnoException) => seen.push(`origin ${e.code ?? 'error'}`));
    c.on('end', () => {
      seen.push('origin FIN');
      c.end();
    });
    c.on('data', (d: Buffer) => {
      const s = d.toString('latin1');
      const path = s.split(' ')[1] ?? '';
      seen = originSaw.get(path) ?? [];
      originSaw.set(path, seen);
      if (s.includes('/slow')) return;
      c.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  srv.unref();
  return srv;
}

const REQ = (path: string, close = false) => (tag: string): string => `GET ${path}-${tag} HTTP/1.1\r\nHost: x\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

const CASES: ReadonlyArray<readonly [name: string, send: (tag: string) => string]> = [
  ['keep-alive, server close mode', REQ('/scl')],
  ['504 on timeout server', REQ('/slow')],
  ['connection: close from the client', REQ('/c', true)],
  ['408 on a partial request', () => 'GET / HTTP/1.1\r\n'],
  ['idle keep-alive connection timing out', REQ('/ka')],
];

/** What the client and the origin saw for one case (the client waits past every timeout). */
async function run(port: number, send: (tag: string) => string, tag: string): Promise<string> {
  const seen: string[] = [];
  const c = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  c.on('error', (e: NodeJS.ErrnoException) => seen.push(`client ${e.code ?? 'error'}`));
  c.on('data', () => undefined);
  c.on('end', () => seen.push('client FIN'));
  const bytes = send(tag);
  c.on('connect', () => c.write(bytes));
  await sleep(650);
  c.destroy();
  const path = bytes.split(' ')[1] ?? '';
  return [...seen, ...(originSaw.get(path) ?? []).sort()].join(', ');
}

describe('closing connections in mode http, option nolinger: haproxy 2.6 and Switchyard', { skip }, () => {
  let srv: net.Server | undefined;
  const results: Record<ProxyKind, string[]> = { haproxy: [], switchyard: [] };
  const LISTENERS = ['plain', 'felinger', 'belinger'] as const;
  before(async () => {
    srv = await origin();
    const o = `127.0.0.1:${(srv.address() as net.AddressInfo).port}`;
    const config = `
global
  nbthread 1
defaults
  mode http
  option http-server-close
  timeout connect 1s
  timeout client 400ms
  timeout server 250ms
  timeout http-request 400ms
frontend plain
  bind \${ADDR:plain}
  default_backend be
frontend felinger
  bind \${ADDR:felinger}
  option nolinger
  default_backend be
frontend belinger
  bind \${ADDR:belinger}
  default_backend belinger
backend be
  server s1 ${o}
backend belinger
  option nolinger
  server s1 ${o}
`;
    for (const kind of ['haproxy', 'switchyard'] as const) {
      const p = await startProxy(kind, config);
      try {
        // Every case at once, each on its own connections (requests tagged per case).
        const runs = LISTENERS.flatMap((l) => CASES.map(([, send], i) => run(p.ports[l]!, send, `${kind}-${l}-${i}`)));
        results[kind] = await Promise.all(runs);
      } finally {
        await p.stop();
      }
    }
  });
  after(() => srv?.close());

  LISTENERS.forEach((l, li) => {
    CASES.forEach(([name], ci) => {
      it(`${l}: ${name}`, () => {
        const i = li * CASES.length + ci;
        assert.equal(results.switchyard[i], results.haproxy[i]);
      });
    });
  });
});
