/**
 * Tests of test/helpers/origins.ts and certs.ts: each origin records exactly
 * the bytes it received and answers as configured.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { getCerts } from '../../helpers/certs.js';
import { buildRequest, httpExchange, rawExchange } from '../../helpers/clients.js';
import { header } from '../../helpers/h1-messages.js';
import { httpOrigin, tcpOrigin, tlsOrigin, wsOrigin, type Origin } from '../../helpers/origins.js';

const opened: Origin[] = [];
after(async () => {
  for (const o of opened) await o.close();
});
function keep<T extends Origin>(o: T): T {
  opened.push(o);
  return o;
}

describe('certs', () => {
  it('generates a CA, RSA and ECDSA server certs with SANs, and a client cert', async () => {
    const c = await getCerts();
    const ca = new X509Certificate(c.ca.cert);
    const rsa = new X509Certificate(c.rsa.cert);
    const ec = new X509Certificate(c.ecdsa.cert);
    const cl = new X509Certificate(c.client.cert);
    assert.ok(ca.ca);
    for (const x of [rsa, ec, cl]) assert.ok(x.verify(ca.publicKey) && x.checkIssued(ca));
    assert.equal(rsa.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(ec.publicKey.asymmetricKeyType, 'ec');
    assert.ok(rsa.checkHost('www.example.com'));
    assert.ok(ec.checkIP('127.0.0.1'));
    assert.match(cl.subject, /CN=client1/);
    assert.equal(await getCerts(), c, 'cached per process');
  });
});

describe('tcpOrigin', () => {
  it('echoes and records each connection separately', async () => {
    const o = keep(await tcpOrigin({ name: 't' }));
    const a = await rawExchange(o.port, ['ab', 'cd'], { pauseMs: 20, until: (d) => d.length >= 4 });
    const b = await rawExchange(o.port, Buffer.from([0, 255, 13, 10]), { until: (d) => d.length >= 4 });
    assert.equal(a.data.toString(), 'abcd');
    assert.deepEqual(o.received, [Buffer.from('abcd'), Buffer.from([0, 255, 13, 10])]);
    assert.equal(b.data.length, 4);
    o.reset();
    assert.deepEqual(o.received, []);
    assert.equal(o.connections, 0);
  });

  it('records without echo, speaks first with a banner, and closes on half-close', async () => {
    const o = keep(await tcpOrigin({ echo: false, banner: 'HELLO\n' }));
    const r = await rawExchange(o.port, 'quiet', { halfClose: true });
    assert.equal(r.data.toString(), 'HELLO\n');
    assert.equal(r.ended, 'close');
    assert.equal(o.received[0]?.toString(), 'quiet');
  });
});

describe('httpOrigin', () => {
  it('answers 200 naming the server and records the raw request', async () => {
    const o = keep(await httpOrigin({ name: 'web1' }));
    const req = 'GET /a?b=c HTTP/1.1\r\nHost: x\r\nX-Odd:  spaced \r\n\r\n';
    const r = await httpExchange(o.port, [req]);
    assert.equal(r.responses[0]?.status, 200);
    assert.equal(r.responses[0]?.body.toString(), 'web1');
    assert.equal(o.requests[0]?.raw.toString(), req);
    assert.equal(o.requests[0]?.target, '/a?b=c');
    assert.equal(o.received[0]?.toString(), req);
  });

  it('serves keep-alive and pipelined requests in order, with bodies', async () => {
    const o = keep(await httpOrigin({ name: 'p', respond: (req) => ({ body: `${req.method} ${req.target} ${req.body.toString()}` }) }));
    const reqs = [
      buildRequest({ path: '/1' }),
      buildRequest({ method: 'POST', path: '/2', body: 'hello' }),
      'POST /3 HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n',
      buildRequest({ method: 'HEAD', path: '/4' }),
    ];
    for (const pipeline of [false, true]) {
      o.reset();
      const r = await httpExchange(o.port, reqs, { pipeline });
      assert.deepEqual(
        r.responses.map((x) => x.body.toString()),
        ['GET /1 ', 'POST /2 hello', 'POST /3 abcde', ''],
      );
      assert.equal(o.connections, 1);
      assert.equal(o.requests.length, 4);
      assert.equal(o.requests[2]?.body.toString(), 'abcde');
      assert.equal(header(r.responses[3]?.headers ?? [], 'content-length'), '8', 'HEAD: the length of the GET body');
    }
  });

  it('sends raw replies, closes, delays and honours Connection: close', async () => {
    const o = keep(
      await httpOrigin({
        respond: (req) => {
          if (req.target === '/raw') return { raw: 'HTTP/1.1 299 Odd\r\nContent-Length: 2\r\n\r\nok' };
          if (req.target === '/close') return 'close';
          if (req.target === '/chunked') return { chunks: ['ab', 'cd'], delayMs: 50 };
          return { status: 404 };
        },
      }),
    );
    const r = await httpExchange(o.port, ['GET /raw HTTP/1.1\r\n\r\n', 'GET /chunked HTTP/1.1\r\n\r\n', 'GET /x HTTP/1.1\r\nConnection: close\r\n\r\n']);
    assert.deepEqual(r.responses.map((x) => x.status), [299, 200, 404]);
    assert.equal(r.responses[1]?.body.toString(), 'abcd');
    const c = await rawExchange(o.port, 'GET /close HTTP/1.1\r\n\r\n');
    assert.equal(c.data.length, 0);
    assert.equal(c.ended, 'close');
  });

  it('answers 100-continue when the body is awaited', async () => {
    const o = keep(await httpOrigin());
    const r = await rawExchange(o.port, 'POST / HTTP/1.1\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n', {
      until: (d) => d.includes('100 Continue'),
    });
    assert.match(r.data.toString(), /^HTTP\/1.1 100 Continue\r\n\r\n$/);
  });
});

describe('tlsOrigin', () => {
  it('serves HTTP over TLS and records SNI, ALPN and the client certificate', async () => {
    const c = await getCerts();
    const o = keep(await tlsOrigin({ name: 'secure', requestCert: true, alpn: ['http/1.1'] }));
    const r = await httpExchange(o.port, [buildRequest()], {
      tls: { servername: 'example.com', ca: c.ca.cert, cert: c.client.cert, key: c.client.key, alpn: ['http/1.1'] },
    });
    assert.equal(r.responses[0]?.body.toString(), 'secure');
    assert.deepEqual(o.handshakes[0], { servername: 'example.com', alpn: 'http/1.1', clientCN: 'client1', authorized: true, protocol: 'TLSv1.3' });
    assert.equal(o.received[0]?.toString(), buildRequest().toString());
  });

  it('echoes over TLS with the ECDSA certificate', async () => {
    const c = await getCerts();
    const o = keep(await tlsOrigin({ cert: 'ecdsa', http: false }));
    const r = await rawExchange(o.port, 'ping', { tls: { ca: c.ca.cert }, until: (d) => d.length >= 4 });
    assert.equal(r.data.toString(), 'ping');
    assert.equal(r.authorized, true);
    assert.equal(o.handshakes[0]?.servername, false);
  });
});

describe('wsOrigin', () => {
  it('records the upgrade request and echoes messages', async () => {
    const o = keep(await wsOrigin({ name: 'ws1' }));
    const ws = new WebSocket(`ws://127.0.0.1:${o.port}/chat?x=1`, { headers: { 'X-Test': 'yes' } });
    const got = await new Promise<string>((resolve, reject) => {
      ws.on('open', () => ws.send('hi there'));
      ws.on('message', (d) => resolve(String(d)));
      ws.on('error', reject);
    });
    ws.close();
    assert.equal(got, 'hi there');
    assert.deepEqual(o.messages, ['hi there']);
    assert.equal(o.upgrades[0]?.target, '/chat?x=1');
    assert.equal(header(o.upgrades[0]?.headers ?? [], 'x-test'), 'yes');
    assert.ok((o.received[0]?.length ?? 0) > (o.upgrades[0]?.raw.length ?? 0), 'frames after the upgrade are recorded too');
  });

  it('answers 426 to a plain request', async () => {
    const o = keep(await wsOrigin());
    const r = await httpExchange(o.port, [buildRequest()]);
    assert.equal(r.responses[0]?.status, 426);
  });
});
