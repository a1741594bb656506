/**
 * Differential: `option ssl-hello-chk` against a real TLS server, a plain
 * TCP server, and a server that answers garbage once then speaks TLS (DOWN,
 * then UP after `rise`). Same lines as haproxy 2.6, server by server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import tls from 'node:tls';
import { haproxyAvailable } from '../../helpers/paths.js';
import { getCerts } from '../../helpers/certs.js';
import { onData, scripted } from '../../integration/checks/check-harness.js';
import { count, listen, runBoth } from './check-compare.js';

test('ssl-hello-chk: TLS server, plain TCP server, garbage then TLS', { skip: !haproxyAvailable() }, async () => {
  const certs = await getCerts();
  const context = { cert: certs.rsa.cert, key: certs.rsa.key };
  const r = await runBoth({
    config: ([a, b, c]) => listen('option ssl-hello-chk',
      `server s1 127.0.0.1:${a} check inter 100ms`,
      `server s2 127.0.0.1:${b} check inter 100ms`,
      `server s3 127.0.0.1:${c} check inter 100ms`),
    origins: async () => {
      const secure = tls.createServer(context);
      secure.on('tlsClientError', () => undefined);
      return [
        await scripted(() => undefined, context),
        await scripted(onData(() => 'HTTP/1.0 400 Bad Request\r\n\r\n')),
        // Connection 0 answers garbage; the others are handed to a TLS server.
        await scripted((s, i) => {
          if (i === 0) s.once('data', () => s.end('garbage\r\n'));
          else secure.emit('connection', s);
        }),
      ];
    },
    done: (l) => count(l, /be\/s3 is UP/) === 1 && count(l, /be\/s2 is DOWN/) === 1,
    settleMs: 250,
  });
  assert.deepEqual(r.switchyard.byServer, r.haproxy.byServer, `haproxy:\n${r.haproxy.output}\nswitchyard:\n${r.switchyard.output}`);
  const s3 = r.haproxy.byServer['be/s3'] ?? [];
  assert.equal(s3.length, 2);
  assert.match(s3[0] ?? '', /be\/s3 is DOWN, reason: Layer6 invalid response, check duration: Nms\./);
  assert.match(s3[1] ?? '', /be\/s3 is UP, reason: Layer6 check passed, check duration: Nms\./);
  assert.equal(r.haproxy.byServer['be/s1'], undefined, 'the TLS server stays UP silently');
  // Both send the same 126-byte hello (its 4 time bytes aside).
  const hello = (b: Buffer | undefined): string => (b ?? Buffer.alloc(0)).toString('hex').replace(/^(.{22}).{8}/, '$1XXXXXXXX');
  assert.equal(hello(r.switchyard.received[1]?.[0]), hello(r.haproxy.received[1]?.[0]));
});
