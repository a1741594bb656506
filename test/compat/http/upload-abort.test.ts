/**
 * Differential: a server that gives up on a request upload, compared with
 * haproxy 2.6 (what the client receives, and the httplog line):
 * - a reset while the request body is still being forwarded, whether bytes
 *   are in flight or the client pauses: no answer at all, the client
 *   connection closes, logged `SD` with status -1 and 0 bytes;
 * - a FIN at the same point (the server half-closes and keeps reading): 502, `SH`;
 * - a reset once the whole request went through, a body or none (a GET): 502, `SH`.
 * Found by the soak suite (test/integration/soak/), where Switchyard used to
 * answer the reset with a 502 (src/http/stream-server.ts abortUpload).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { bothMasked, sleep } from '../log/log-helpers.js';

/** An origin whose behaviour is chosen by the request path (read from the first bytes). */
async function quittingOrigin(): Promise<{ addr: string; close(): Promise<void> }> {
  const socks = new Set<net.Socket>();
  const srv = net.createServer({ allowHalfOpen: true }, (c) => {
    socks.add(c);
    c.on('close', () => socks.delete(c));
    c.on('error', () => undefined);
    let head = '';
    let n = 0;
    let acted = false;
    c.on('data', (d: Buffer) => {
      n += d.length;
      if (head.length < 64) head += d.toString('latin1', 0, 64);
      const path = head.split(' ')[1] ?? '';
      if (acted) return;
      if (path === '/reset' && n > 100_000) {
        acted = true;
        c.resetAndDestroy();
      } else if (path === '/fin' && n > 100_000) {
        acted = true;
        c.end(); // keeps reading
      } else if (path === '/pause' || path === '/done' || path === '/get') {
        acted = true;
        setTimeout(() => c.resetAndDestroy(), path === '/pause' ? 200 : 30);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    addr: `127.0.0.1:${(srv.address() as net.AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      for (const s of socks) s.destroy();
      srv.close(() => r());
    }),
  };
}

/**
 * Sends a POST to `path`: `streamed` streams up to 1 MB of a 10 MB body in
 * 16 KB writes; otherwise the head and `body` go in one write (with
 * `length` announced). Resolves with what came back once the proxy closes.
 */
function upload(port: number, path: string, opts: { length: number; body: string; streamed?: boolean; method?: string }): Promise<string> {
  return new Promise((resolve) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    let timer: NodeJS.Timeout | undefined;
    const hard = setTimeout(() => c.destroy(), 3000);
    c.on('data', (d) => (got += d.toString('latin1')));
    c.on('error', () => undefined);
    c.on('close', () => {
      clearTimeout(hard);
      clearInterval(timer);
      resolve(got);
    });
    c.on('connect', () => {
      const length = opts.method === 'GET' ? '' : `Content-Length: ${opts.length}\r\n`;
      c.write(`${opts.method ?? 'POST'} ${path} HTTP/1.1\r\nHost: x\r\n${length}\r\n${opts.body}`);
      if (!opts.streamed) return;
      const chunk = Buffer.alloc(16384, 97);
      let sent = 0;
      timer = setInterval(() => {
        if (sent > 1_000_000 || c.destroyed) return clearInterval(timer);
        c.write(chunk);
        sent += chunk.length;
      }, 5);
    });
  });
}

const CONFIG = `global
  log 127.0.0.1:\${UDP} local0
  nbthread 1
defaults
  mode http
  log global
  option httplog
  timeout connect 1s
  timeout client 3s
  timeout server 3s
frontend fe
  bind \${ADDR:fe}
  default_backend be
backend be
  server s1 \${ORIGIN}
`;

test('a server quitting an upload: reset mid-body closes silently (SD), FIN or a reset after the request gets a 502 (SH)', async () => {
  const origin = await quittingOrigin();
  try {
    const answers: Record<string, string[]> = { haproxy: [], switchyard: [] };
    let kind: 'haproxy' | 'switchyard' = 'haproxy';
    const r = await bothMasked(CONFIG, async (p) => {
      const port = p.ports['fe']!;
      const got = answers[kind]!;
      // Each upload starts once the proxy has logged the previous one (the lines count connections).
      got.push(await upload(port, '/reset', { length: 10_000_000, body: '', streamed: true }));
      await sleep(100);
      got.push(await upload(port, '/pause', { length: 100_000, body: 'a'.repeat(5000) }));
      await sleep(100);
      got.push(await upload(port, '/fin', { length: 10_000_000, body: '', streamed: true }));
      await sleep(100);
      got.push(await upload(port, '/done', { length: 3, body: 'abc' }));
      await sleep(100);
      got.push(await upload(port, '/get', { length: 0, body: '', method: 'GET' }));
      kind = 'switchyard';
    }, { ORIGIN: origin.addr });
    const first = (s: string): string => s.split('\r\n')[0] ?? '';
    assert.deepEqual(answers['switchyard']!.map(first), answers['haproxy']!.map(first));
    assert.deepEqual(answers['haproxy']!.map(first), ['', '', 'HTTP/1.1 502 Bad Gateway', 'HTTP/1.1 502 Bad Gateway', 'HTTP/1.1 502 Bad Gateway']);
    assert.deepEqual(answers['switchyard'], answers['haproxy']);
    assert.equal(r.haproxy.length, 5, JSON.stringify(r.haproxy, null, 1));
    assert.deepEqual(r.switchyard, r.haproxy);
    assert.match(r.haproxy[0]!, / fe be\/s1 N\/N\/N\/-1\/N -1 0 - - SD-- .*"POST \/reset HTTP\/1.1"/);
    assert.match(r.haproxy[2]!, / 502 209 - - SH-- .*"POST \/fin HTTP\/1.1"/);
  } finally {
    await origin.close();
  }
});
