/**
 * Differential: `http-response wait-for-body time <t> [at-least <n>]` and the
 * `res.body`, `res.body_len`, `res.body_size` fetches through haproxy 2.6
 * and Switchyard (docs/http-rules.md, src/http/stream-res-wait.ts). An
 * origin sends each response in timed pieces; the rules before and after the
 * wait stamp what they saw into headers:
 * - a Content-Length body, `at-least 5`: the walk resumes with 6 bytes;
 * - a chunked body completed in two reads (re-chunked as one chunk);
 * - a close-delimited body ended by the server's FIN;
 * - a body sent with its head: the first rule already sees it;
 * - a 204: no wait;
 * - a body too late: a 504 after `time`;
 * - the wait in a backend's rules, then the frontend's rules;
 * - a keep-alive client: the second response waits too.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { assertExchangesAndOrigins } from '../../helpers/http-fixtures.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

/** Per path: response pieces and the delay before each (null: the server closes). */
const PLANS: Record<string, ReadonlyArray<readonly [string | null, number]>> = {
  '/cl': [['HTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\n', 0], ['123456', 60], ['78901234567890', 60]],
  '/ch': [['HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n', 0], ['2\r\nab\r\n', 60], ['3\r\ncde\r\n0\r\n\r\n', 60]],
  '/late': [['HTTP/1.1 200 OK\r\ncontent-length: 20\r\n\r\n', 0], ['12', 40], ['345678901234567890', 500]],
  '/none': [['HTTP/1.1 204 No Content\r\n\r\n', 0]],
  '/whole': [['HTTP/1.1 200 OK\r\ncontent-length: 4\r\n\r\nwxyz', 0]],
  '/eof': [['HTTP/1.1 200 OK\r\n\r\nab', 0], ['cd', 60], [null, 60]],
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** An origin answering each request with the timed pieces of its path's plan (keep-alive). */
async function pieceOrigin(): Promise<{ server: net.Server; addr: string }> {
  const server = net.createServer((s) => {
    let buf = '';
    s.on('error', () => undefined);
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (;;) {
        const i = buf.indexOf('\r\n\r\n');
        if (i < 0) return;
        const path = buf.split(' ')[1] ?? '/whole';
        buf = buf.slice(i + 4);
        void (async () => {
          for (const [b, t] of PLANS[path] ?? PLANS['/whole']!) {
            await sleep(t);
            if (s.destroyed) return;
            if (b === null) s.end();
            else s.write(b);
          }
        })();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address() as net.AddressInfo;
  server.unref();
  return { server, addr: `127.0.0.1:${a.port}` };
}

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 3s
  timeout server 3s

listen rw
  bind \${ADDR:rw}
  http-response set-header x-before "%[res.body_len]"
  http-response wait-for-body time 300ms at-least 5
  http-response set-header x-after "%[res.body_len] %[res.body] %[res.body_size]"
  server s1 \${PIECES}

frontend fe
  bind \${ADDR:fe}
  http-response set-header x-fe "%[res.body_len] %[res.body]"
  default_backend be
backend be
  http-response wait-for-body time 300ms
  http-response set-header x-be "%[res.body_len]"
  server s1 \${PIECES}
`;

const GET = (path: string, close = true): string => `GET ${path} HTTP/1.1\r\nHost: x\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;

function ex(listener: string, name: string, send: Exchange['send'], more: Partial<Exchange> = {}): Exchange {
  return { listener, name, send, idleMs: 400, ...more };
}

const EXCHANGES: Exchange[] = [
  ex('rw', 'at-least 5: resumes with 6 bytes of 20', GET('/cl')),
  ex('rw', 'chunked body completed in two reads', GET('/ch')),
  ex('rw', 'close-delimited body ended by the server', GET('/eof')),
  ex('rw', 'body sent with its head: seen by the first rule', GET('/whole')),
  ex('rw', '204: no wait', GET('/none')),
  ex('rw', 'body too late: 504 after the time', GET('/late'), { idleMs: 600 }),
  ex('fe', 'wait in the backend, then the frontend rules', GET('/cl')),
  ex('rw', 'keep-alive: both responses wait', [GET('/ch', false), GET('/cl')], { pauseMs: 300 }),
];

describe('http-response wait-for-body: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  let origin: net.Server | undefined;
  before(async () => {
    const o = await pieceOrigin();
    origin = o.server;
    result = await differential({ config: CONFIG, vars: { PIECES: o.addr }, exchanges: EXCHANGES });
  });
  after(() => origin?.close());

  it('every client gets the same bytes', () => assertExchangesAndOrigins(result, EXCHANGES));
  it('the rules after the wait saw the body (not two empty runs)', () => {
    const got = result!.against.exchanges.map((e) => e.response.toString('latin1'));
    assert.match(got[0]!, /x-after: 6 123456 20\r\n/);
    assert.match(got[5]!, /^HTTP\/1\.1 504 /);
    assert.match(got[6]!, /x-be: 20\r\nx-fe: 20 12345678901234567890\r\n/);
  });
});
