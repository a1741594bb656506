/**
 * The HTTP stream's direct reads (src/http/stream-read.ts): every read of a
 * client or server socket lands in one shared scratch buffer and is copied
 * out before the next read. What could break: bytes kept across reads (a
 * partial head, a body the server socket cannot take at once, pipelined
 * requests) being overwritten by a later read of another connection. Each
 * test keeps several connections busy at once and checks the bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { loadConfigText } from '../../helpers/load-config.js';
import { start, type Started } from '../../helpers/model-builder.js';
import { freePort } from '../../helpers/processes.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * An origin that echoes each request body back (content-length), answers
 * GET /big/<n> with n pseudo-random bytes, and reads slowly when asked
 * (`x-slow`: paused 200 ms after each read, so the proxy's writes to it go
 * asynchronous and its reads of the client must wait).
 */
async function echoOrigin(big: Buffer): Promise<{ port: number; close(): void }> {
  const socks = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    socks.add(s);
    s.on('close', () => socks.delete(s));
    s.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let need = -1;
    let head = '';
    let slow = false;
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (slow) {
        s.pause();
        setTimeout(() => s.resume(), 200);
      }
      for (;;) {
        if (need < 0) {
          const i = buf.indexOf('\r\n\r\n');
          if (i < 0) return;
          head = buf.subarray(0, i).toString('latin1');
          buf = buf.subarray(i + 4);
          const m = /content-length: (\d+)/i.exec(head);
          need = m === null ? 0 : Number(m[1]);
          slow = /x-slow/i.test(head);
        }
        if (buf.length < need) return;
        const body = buf.subarray(0, need);
        buf = buf.subarray(need);
        need = -1;
        const target = head.split(' ')[1] ?? '';
        const out = target.startsWith('/big/') ? big.subarray(0, Number(target.slice(5))) : body;
        s.write(`HTTP/1.1 200 OK\r\ncontent-length: ${out.length}\r\nx-path: ${target}\r\n\r\n`);
        s.write(out);
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, close: () => { for (const s of socks) s.destroy(); srv.close(); } };
}

async function proxy(originPort: number): Promise<Started> {
  const port = await freePort();
  const r = loadConfigText(['defaults', '  mode http', '  timeout connect 1s', '  timeout client 5s', '  timeout server 5s',
    'listen li', `  bind 127.0.0.1:${port}`, `  server s1 127.0.0.1:${originPort}`, ''].join('\n'));
  assert.deepEqual(r.alerts, []);
  return start(r.model);
}

/** Sends `req` in pieces of `piece` bytes, reads until `count` responses with their bodies are complete. */
function exchange(port: number, req: Buffer, piece: number, count: number): Promise<{ bodies: Buffer[]; paths: string[] }> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port, host: '127.0.0.1' });
    let buf = Buffer.alloc(0);
    const bodies: Buffer[] = [];
    const paths: string[] = [];
    c.on('connect', () => {
      let off = 0;
      const next = (): void => {
        if (off >= req.length) return;
        c.write(req.subarray(off, off + piece));
        off += piece;
        setImmediate(next);
      };
      next();
    });
    c.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        const head = buf.subarray(0, i).toString('latin1');
        const len = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? '0');
        if (buf.length < i + 4 + len) return;
        bodies.push(Buffer.from(buf.subarray(i + 4, i + 4 + len)));
        paths.push(/x-path: (\S+)/.exec(head)?.[1] ?? '');
        buf = buf.subarray(i + 4 + len);
        if (bodies.length === count) {
          c.destroy();
          resolve({ bodies, paths });
          return;
        }
      }
    });
    c.on('error', reject);
    setTimeout(() => reject(new Error(`timeout: ${bodies.length}/${count} responses`)), 8000).unref();
  });
}

const post = (path: string, body: Buffer, extra = ''): Buffer =>
  Buffer.concat([Buffer.from(`POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Length: ${body.length}\r\n${extra}\r\n`), body]);

test('bulk uploads and downloads on parallel connections arrive intact', async () => {
  const big = randomBytes(3 << 20);
  const o = await echoOrigin(big);
  const p = await proxy(o.port);
  try {
    const uploads = [0, 1, 2].map(() => randomBytes((1 << 20) + 12345));
    const runs = [
      ...uploads.map((u, i) => exchange(p.port('li'), post(`/up${i}`, u, i === 0 ? 'X-Slow: 1\r\n' : ''), 65536, 1)),
      exchange(p.port('li'), Buffer.from('GET /big/3145728 HTTP/1.1\r\nHost: x\r\n\r\n'), 1 << 16, 1),
    ];
    const results = await Promise.all(runs);
    for (let i = 0; i < uploads.length; i++) assert.equal(sha(results[i]!.bodies[0]!), sha(uploads[i]!), `upload ${i}`);
    assert.equal(sha(results[3]!.bodies[0]!), sha(big), 'download');
  } finally {
    await p.stop();
    o.close();
  }
});

test('pipelined requests split at every few bytes, on parallel connections', async () => {
  const o = await echoOrigin(Buffer.alloc(0));
  const p = await proxy(o.port);
  try {
    const reqs = (tag: string): { bytes: Buffer; bodies: Buffer[] } => {
      const bodies = [0, 1, 2, 3].map((k) => Buffer.from(`${tag}-${k}-${'x'.repeat(37 * k)}`));
      return { bytes: Buffer.concat(bodies.map((b, k) => post(`/${tag}${k}`, b))), bodies };
    };
    const sets = ['a', 'b', 'c'].map(reqs);
    const res = await Promise.all(sets.map((s, i) => exchange(p.port('li'), s.bytes, 3 + i * 4, 4)));
    for (let i = 0; i < sets.length; i++) {
      assert.deepEqual(res[i]!.bodies.map(String), sets[i]!.bodies.map(String));
      assert.deepEqual(res[i]!.paths, [0, 1, 2, 3].map((k) => `/${'abc'[i]}${k}`));
    }
  } finally {
    await p.stop();
    o.close();
  }
});
