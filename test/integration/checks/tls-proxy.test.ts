/**
 * Check connections: `check-ssl` / `ssl` (with `check-sni`), the PROXY
 * header (`check-send-proxy`, or the server's `send-proxy[-v2]` when the
 * check has no `port`/`addr` of its own) and `port`/`addr`, with the bytes
 * and statuses haproxy 2.6 gives (recorded with haproxy -db).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { backend, onData, scripted, startChecks } from './check-harness.js';
import { getCerts } from '../../helpers/certs.js';

test('check-ssl: layer 6 passes against TLS, fails with "SSL handshake failure" or a layer 6 timeout otherwise; check-sni', async () => {
  const certs = await getCerts();
  const snis: string[] = [];
  const context = tls.createSecureContext({ cert: certs.rsa.cert, key: certs.rsa.key });
  // The check closes right after its handshake: record the SNI while it happens.
  const secure = await scripted(() => undefined, {
    cert: certs.rsa.cert, key: certs.rsa.key,
    SNICallback: (name, cb) => {
      snis.push(name);
      cb(null, context);
    },
  });
  const garbage = await scripted(onData(() => 'garbage\r\n'));
  const silent = await scripted(() => undefined);
  // The check timeout is `inter` without `timeout check`: a first TLS handshake on a
  // loaded machine can take more than 100 ms, so the handshakes get a whole second.
  const r = startChecks(backend(
    `server s1 127.0.0.1:${secure.port} check inter 1s check-ssl verify none check-sni foo.example`,
    `server s2 127.0.0.1:${garbage.port} check inter 1s check-ssl verify none`,
    `server s3 127.0.0.1:${silent.port} check inter 1s check-ssl verify none`,
    `server s4 127.0.0.1:${secure.port} check inter 1s ssl verify none`,
  ));
  try {
    await r.until((l) => l.filter((x) => x.includes(' is DOWN')).length === 2);
    const down = r.lines.filter((l) => l.includes(' is DOWN')).map((l) => l.replace(/, check duration.*/, '')).sort();
    assert.deepEqual(down, [
      '[WARNING] Server be/s2 is DOWN, reason: Layer6 invalid response, info: "SSL handshake failure"',
      '[WARNING] Server be/s3 is DOWN, reason: Layer6 timeout',
    ]);
    assert.ok(snis.length > 0 && snis.every((n) => n === 'foo.example'), 'only s1 sends an SNI');
    assert.ok(secure.count() > snis.length, 's4 connects without SNI');
  } finally {
    r.stop();
    await Promise.all([secure.close(), garbage.close(), silent.close()]);
  }
});

test('a TLS check that comes up says "Layer6 check passed"; httpchk over TLS says Layer7', async () => {
  const certs = await getCerts();
  // The first connection of each check is cut before the handshake: DOWN, then UP after rise.
  // `inter` is also the handshake's time limit: 40 ms timed out on a loaded CI machine.
  const first = { cut: (i: number) => i === 0 };
  const secure = await scripted((s) => {
    s.on('data', () => s.end('HTTP/1.0 200 OK\r\n\r\n'));
  }, { cert: certs.rsa.cert, key: certs.rsa.key }, first);
  const plain = await scripted(() => undefined, { cert: certs.rsa.cert, key: certs.rsa.key }, first);
  const r = startChecks(backend(`server s1 127.0.0.1:${plain.port} check inter 150ms check-ssl verify none`));
  const h = startChecks(backend('option httpchk', `server s1 127.0.0.1:${secure.port} check inter 150ms check-ssl verify none`));
  try {
    await r.until((l) => l.some((x) => x.includes(' is UP')));
    await h.until((l) => l.some((x) => x.includes(' is UP')));
    assert.match(r.lines[0] ?? '', /is DOWN, reason: Layer6 invalid response, info: "SSL handshake failure"/);
    assert.match(r.lines.find((l) => l.includes(' is UP')) ?? '', /reason: Layer6 check passed, check duration/);
    assert.match(h.lines.find((l) => l.includes(' is UP')) ?? '', /reason: Layer7 check passed, code: 200, check duration/);
  } finally {
    r.stop();
    h.stop();
    await Promise.all([secure.close(), plain.close()]);
  }
});

test('PROXY header: v1 describes the check connection, v2 is LOCAL; send-proxy applies unless the check has its own port', async () => {
  const ok = (): string => 'HTTP/1.0 200 OK\r\n\r\n';
  const a = await scripted(onData(ok));
  const b = await scripted(onData(ok));
  const c = await scripted(onData(ok));
  const d = await scripted(onData(ok));
  const r = startChecks(backend('option httpchk GET /',
    `server s1 127.0.0.1:${a.port} check inter 1s check-send-proxy`,
    `server s2 127.0.0.1:${b.port} check inter 1s send-proxy-v2 check-send-proxy`,
    `server s3 127.0.0.1:${c.port} check inter 1s send-proxy`,
    `server s4 127.0.0.1:1 check inter 1s send-proxy port ${d.port}`,
  ));
  try {
    await r.until(() => [a, b, c, d].every((s) => (s.received[0]?.length ?? 0) > 0));
    await new Promise((res) => setTimeout(res, 30));
    assert.match(a.received[0]!.toString('latin1'), new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${a.port}\\r\\nGET / HTTP/1\\.0\\r\\n\\r\\n$`));
    assert.equal(b.received[0]!.toString('hex'), `0d0a0d0a000d0a515549540a20000000${Buffer.from('GET / HTTP/1.0\r\n\r\n').toString('hex')}`);
    assert.match(c.received[0]!.toString('latin1'), /^PROXY TCP4 /);
    assert.equal(d.received[0]!.toString('latin1'), 'GET / HTTP/1.0\r\n\r\n');
  } finally {
    r.stop();
    await Promise.all([a.close(), b.close(), c.close(), d.close()]);
  }
});
