/**
 * Differential: `option httpchk` expecting 200 (the default 2xx/3xx) against
 * a server answering 200, one answering 503, and one answering 503 once then
 * 200 (DOWN, then UP after `rise`); then `http-check send`/`expect string`.
 * Same lines as haproxy 2.6 server by server, and the same request bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyAvailable } from '../../helpers/paths.js';
import { onData, scripted } from '../../integration/checks/check-harness.js';
import { count, listen, runBoth } from './check-compare.js';

const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nhello world';
const UNAVAILABLE = 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n';

test('httpchk: 200 stays UP, 503 goes DOWN with the reason, 503 then 200 comes back', { skip: !haproxyAvailable() }, async () => {
  const r = await runBoth({
    config: ([a, b, c]) => listen('option httpchk GET /health HTTP/1.1',
      `server s1 127.0.0.1:${a} check inter 100ms`,
      `server s2 127.0.0.1:${b} check inter 100ms`,
      `server s3 127.0.0.1:${c} check inter 100ms`),
    origins: async () => [
      await scripted(onData(() => OK)),
      await scripted(onData(() => UNAVAILABLE)),
      await scripted(onData((i) => (i === 0 ? UNAVAILABLE : OK))),
    ],
    done: (l) => count(l, /be\/s3 is UP/) === 1 && count(l, /be\/s2 is DOWN/) === 1,
    settleMs: 250,
    maskCounts: true,
  });
  assert.deepEqual(r.switchyard.byServer, r.haproxy.byServer, `haproxy:\n${r.haproxy.output}\nswitchyard:\n${r.switchyard.output}`);
  assert.match(r.haproxy.byServer['be/s2']?.[0] ?? '', /be\/s2 is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable", check duration: Nms\./);
  assert.match(r.haproxy.byServer['be/s3']?.[1] ?? '', /be\/s3 is UP, reason: Layer7 check passed, code: 200, check duration: Nms\./);
  assert.equal(r.switchyard.received[0]?.[0]?.toString('latin1'), r.haproxy.received[0]?.[0]?.toString('latin1'));
  assert.equal(r.haproxy.received[0]?.[0]?.toString('latin1'), 'GET /health HTTP/1.1\r\nconnection: close\r\n\r\n');
});

test('http-check send with headers and body, expect string, send-state', { skip: !haproxyAvailable() }, async () => {
  const r = await runBoth({
    config: ([a, b]) => listen('option httpchk',
      'http-check send-state',
      'http-check send meth POST uri /chk ver HTTP/1.1 hdr Host example.com hdr X-A b body hello',
      'http-check expect string world',
      `server s1 127.0.0.1:${a} check inter 100ms weight 10`,
      `server s2 127.0.0.1:${b} check inter 100ms`),
    origins: async () => [
      await scripted(onData(() => OK)),
      await scripted(onData(() => 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nnope!')),
    ],
    done: (l) => count(l, /be\/s2 is DOWN/) === 1,
    settleMs: 150,
  });
  assert.deepEqual(r.switchyard.byServer, r.haproxy.byServer, `haproxy:\n${r.haproxy.output}\nswitchyard:\n${r.switchyard.output}`);
  assert.match(r.haproxy.byServer['be/s2']?.[0] ?? '', /reason: Layer7 invalid response, info: "HTTP content check did not match"/);
  // The server-state header names the host (node) and the origin's port: mask them.
  const req = (b: Buffer | undefined): string => (b ?? Buffer.alloc(0)).toString('latin1').replace(/port=\d+/, 'port=P').replace(/node=[^;]+/, 'node=N');
  assert.equal(req(r.switchyard.received[0]?.[0]), req(r.haproxy.received[0]?.[0]));
  assert.equal(req(r.haproxy.received[0]?.[0]),
    'POST /chk HTTP/1.1\r\nhost: example.com\r\nx-a: b\r\nx-haproxy-server-state: UP 1/3; address=127.0.0.1; port=P; name=be/s1; node=N; weight=10/11; scur=0/0; qcur=0\r\n' +
    'content-length: 5\r\nconnection: close\r\n\r\nhello');
});
