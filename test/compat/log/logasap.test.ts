/**
 * `option logasap` (configuration.txt §4.2) compared with haproxy 2.6:
 * HTTP lines are sent once the response head went through (before a slow
 * body ends), with '+' before the total time and %B (the bytes the buffer
 * held then); lines of transactions without a server response (deny,
 * `<BADREQ>`) are sent at their end, also with '+'; keep-alive gives one
 * early line per transaction; a custom log-format shows %U 0 and the stream
 * still counted in %bc/%sc. TCP lines are sent at the server connection
 * (`+0` bytes, `--` flags, nothing more at the end).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { bothMasked, exchange, maskTimer, sleep } from './log-helpers.js';

/** An origin answering `/slow*` with its head at once and its body 300 ms later, anything else in one write. */
async function slowBodyOrigin(): Promise<{ addr: string; close(): Promise<void> }> {
  const socks = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    socks.add(c);
    c.on('close', () => socks.delete(c));
    c.on('error', () => undefined);
    let buf = '';
    c.on('data', (d) => {
      buf += d.toString('latin1');
      let end: number;
      while ((end = buf.indexOf('\r\n\r\n')) >= 0) {
        const head = buf.slice(0, end);
        buf = buf.slice(end + 4);
        const head200 = 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: 2\r\n\r\n';
        if (/^\S+ \/slow/.test(head)) {
          c.write(head200);
          setTimeout(() => c.write('ok'), 300);
        } else {
          c.write(`${head200}ok`);
        }
      }
    });
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as net.AddressInfo).port;
  return {
    addr: `127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      for (const s of socks) s.destroy();
      srv.close(() => r());
    }),
  };
}

const CONFIG = `global
  log 127.0.0.1:\${UDP} local0
defaults
  log global
  option logasap
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  mode http
  option httplog
  bind \${ADDR:fe}
  http-request deny if { path /deny }
  default_backend be
frontend fc
  mode http
  bind \${ADDR:fc}
  log-format "%b/%s T=%Th:%Ti:%TR:%Tw:%Tc:%Tr:%Ta:%Tt:%Tu:%Td B=%B U=%U %ST %ts C=%ac:%fc:%bc:%sc:%rc %{+Q}r"
  http-request deny if { path /deny }
  default_backend be
frontend ft
  mode tcp
  option tcplog
  bind \${ADDR:ft}
  default_backend bt
backend be
  mode http
  server s1 \${ORIGIN}
backend bt
  mode tcp
  server s1 \${ORIGIN}
`;

const get = (path: string, close = true): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

/** The custom format's timers are `T=a:b:...`: masked like the httplog ones. */
const maskCustom = (l: string): string => l.replace(/T=([-+\d:]+)/, (_m, g: string) => `T=${g.split(':').map(maskTimer).join(':')}`);

test('option logasap: HTTP lines at the response head with +, TCP lines at the connection', async () => {
  const origin = await slowBodyOrigin();
  try {
    const r = await bothMasked(CONFIG, async (p) => {
      for (const fe of ['fe', 'fc']) {
        const port = p.ports[fe]!;
        await exchange(port, get('/a'));
        await sleep(30);
        await exchange(port, get('/slow'));
        await sleep(30);
        await exchange(port, get('/deny'));
        await sleep(30);
        await exchange(port, `${get('/b', false)}${get('/slow2')}`);
        await sleep(30);
        await exchange(port, 'GARBAGE\r\n\r\n');
        // Long enough for both proxies to release the refused connection before
        // the next frontend's first line counts %ac/%fc (30 ms was racy under load).
        await sleep(200);
      }
      await exchange(p.ports['ft']!, get('/tcp'), { endAfterMs: 100 });
    }, { ORIGIN: origin.addr });
    const h = r.haproxy.map(maskCustom);
    const s = r.switchyard.map(maskCustom);
    assert.equal(h.length, 13, JSON.stringify(h, null, 1));
    for (let i = 0; i < h.length; i++) assert.equal(s[i], h[i], `line ${i}`);
    // What the lines look like (haproxy's, so that a change on either side is visible here).
    assert.match(h[0]!, / N\/N\/N\/N\/\+N 200 \+73 - - ---- 1\/1\/1\/1\/0 0\/0 "GET \/a HTTP\/1.1"\n$/);
    assert.match(h[1]!, / \+71 - - ---- /);
    assert.match(h[12]!, / ft bt\/s1 N\/N\/\+N \+0 -- 1\/1\/1\/1\/0 0\/0\n$/);
  } finally {
    await origin.close();
  }
});
