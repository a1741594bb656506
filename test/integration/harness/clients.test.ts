/**
 * Tests of test/helpers/clients.ts: the raw, HTTP, curl and s_client clients,
 * against the helpers' origins and a real haproxy terminating TLS with the
 * generated certificates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { certVars, getCerts } from '../../helpers/certs.js';
import { buildRequest, curl, httpExchange, rawExchange, sClient } from '../../helpers/clients.js';
import { header } from '../../helpers/h1-messages.js';
import { httpOrigin, type HttpOrigin } from '../../helpers/origins.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import { startProxy, type RunningProxy } from '../../helpers/processes.js';

describe('buildRequest', () => {
  it('serializes exactly what it is given', () => {
    assert.equal(
      buildRequest({ method: 'POST', path: '/p', headers: [['X-A', '1'], ['x-a', '2']], body: 'xyz' }).toString(),
      'POST /p HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\nx-a: 2\r\nContent-Length: 3\r\n\r\nxyz',
    );
    assert.equal(buildRequest({ version: 'HTTP/1.0', host: null }).toString(), 'GET / HTTP/1.0\r\n\r\n');
  });
});

describe('clients against an origin', () => {
  let o: HttpOrigin;
  before(async () => {
    o = await httpOrigin({ name: 'o', respond: (r) => (r.target === '/slow' ? { body: 'late', delayMs: 400 } : { body: r.target }) });
  });
  after(async () => o.close());

  it('rawExchange stops on idle, on close and on a predicate', async () => {
    const idle = await rawExchange(o.port, buildRequest({ path: '/x' }), { idleMs: 100 });
    assert.equal(idle.ended, 'idle');
    assert.match(idle.data.toString(), /\r\n\r\n\/x$/);
    const closed = await rawExchange(o.port, buildRequest({ headers: { Connection: 'close' } }));
    assert.equal(closed.ended, 'close');
    const slow = await rawExchange(o.port, buildRequest({ path: '/slow' }), { idleMs: 2000, until: (d) => d.includes('late') });
    assert.equal(slow.ended, 'until');
    const timeout = await rawExchange(o.port, buildRequest({ path: '/slow' }), { timeoutMs: 100, idleMs: 1000 });
    assert.equal(timeout.ended, 'timeout');
  });

  it('rawExchange reports a refused connection', async () => {
    const r = await rawExchange(1, 'x', { timeoutMs: 1000 });
    assert.equal(r.ended, 'error');
    assert.equal(r.error, 'ECONNREFUSED');
  });

  it('httpExchange keeps order with pipelining even when the first is slow', async () => {
    const r = await httpExchange(o.port, [{ path: '/slow' }, { path: '/fast' }], { pipeline: true });
    assert.deepEqual(r.responses.map((x) => x.body.toString()), ['late', '/fast']);
  });

  it('curl returns status, headers and body', async () => {
    const r = await curl(`http://127.0.0.1:${o.port}/via-curl`, ['-H', 'X-Test: 1']);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.status, 200);
    assert.equal(r.httpVersion, 'HTTP/1.1');
    assert.equal(header(r.headers, 'content-length'), '9');
    assert.equal(r.body.toString(), '/via-curl');
    assert.equal(header(o.requests[o.requests.length - 1]?.headers ?? [], 'x-test'), '1');
  });

  it('curl reports a refused connection by its exit code', async () => {
    const r = await curl('http://127.0.0.1:1/', [], { timeoutMs: 2000 });
    assert.equal(r.exitCode, 7);
    assert.equal(r.status, 0);
  });
});

describe('TLS clients against haproxy', { skip: haproxyAvailable() ? false : 'haproxy is not installed' }, () => {
  let o: HttpOrigin;
  let p: RunningProxy;
  before(async () => {
    o = await httpOrigin({ name: 'behind-tls' });
    // Two certificates on one bind: haproxy picks by SNI (configuration.txt §5.1 "crt").
    p = await startProxy(
      'haproxy',
      `defaults\n  mode http\n  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\n` +
        `frontend fe\n  bind \${ADDR:tls} ssl crt \${CERT_PEM} crt \${ECDSA_PEM} ca-file \${CA_CRT} verify optional alpn http/1.1\n` +
        `  http-request set-header X-Client-CN %[ssl_c_s_dn(cn)]\n  http-request set-header X-SNI %[ssl_fc_sni]\n  default_backend be\n` +
        `backend be\n  server s ${o.addr}\n`,
      { vars: await certVars() },
    );
  });
  after(async () => {
    await p.stop();
    await o.close();
  });

  it('sClient reports protocol, subject, verification and ALPN', async () => {
    const c = await getCerts();
    const r = await sClient(p.ports['tls'] ?? 0, { servername: 'example.com', caFile: c.ca.certFile, alpn: ['http/1.1'] });
    assert.equal(r.verifyCode, 0, r.stdout);
    assert.match(r.protocol, /^TLSv1\.[23]$/);
    assert.match(r.subject, /CN ?= ?localhost/);
    assert.match(r.issuer, /Switchyard Test CA/);
    assert.equal(r.alpn, 'http/1.1');
    assert.notEqual(r.cipher, '');
  });

  it('sClient sends a request with a client certificate and reads until close', async () => {
    const c = await getCerts();
    const r = await sClient(p.ports['tls'] ?? 0, {
      servername: 'www.example.com',
      caFile: c.ca.certFile,
      certFile: c.client.certFile,
      keyFile: c.client.keyFile,
      input: 'GET /tls HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
      waitForClose: true,
    });
    assert.match(r.stdout, /HTTP\/1.1 200 OK/);
    assert.match(r.stdout, /behind-tls/);
    const seen = o.requests[o.requests.length - 1];
    assert.equal(header(seen?.headers ?? [], 'x-client-cn'), 'client1');
    assert.equal(header(seen?.headers ?? [], 'x-sni'), 'www.example.com');
  });

  it('curl speaks TLS with --cacert and --resolve', async () => {
    const c = await getCerts();
    const port = p.ports['tls'] ?? 0;
    const r = await curl(`https://example.com:${port}/c`, ['--cacert', c.ca.certFile, '--resolve', `example.com:${port}:127.0.0.1`]);
    assert.equal(r.exitCode, 0, r.stderr);
    assert.equal(r.body.toString(), 'behind-tls');
  });

  it('httpExchange and rawExchange speak TLS', async () => {
    const c = await getCerts();
    const r = await httpExchange(p.ports['tls'] ?? 0, [buildRequest(), buildRequest()], { tls: { servername: 'example.com', ca: c.ca.cert } });
    assert.deepEqual(r.responses.map((x) => x.status), [200, 200]);
    const raw = await rawExchange(p.ports['tls'] ?? 0, buildRequest({ headers: { Connection: 'close' } }), { tls: { ca: c.ca.cert } });
    assert.equal(raw.authorized, true);
    assert.match(raw.data.toString(), /behind-tls$/);
  });
});
