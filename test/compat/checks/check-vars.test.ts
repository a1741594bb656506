/**
 * Differential: `tcp-check set-var`, `set-var-fmt`, `unset-var` and
 * `connect port var(...)` under haproxy 2.6 and Switchyard: the same bytes
 * reach the origin, the same port is connected, the same lines (with the
 * step numbers counting the variable rules) come out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyAvailable } from '../../helpers/paths.js';
import { onData, scripted, type Script } from '../../integration/checks/check-harness.js';
import { count, listen, runBoth } from './check-compare.js';

/** Answers each line: KO on the first connection, OK after. */
const answerLines: Script = (sock, i) => {
  let buf = '';
  sock.on('data', (d: Buffer) => {
    buf += d.toString('latin1');
    if (buf.includes('\n')) sock.end(i === 0 ? 'KO\r\n' : 'OK\r\n');
  });
};

test('tcp-check variables: set-var, set-var-fmt, unset-var, connect port var()', { skip: !haproxyAvailable() }, async () => {
  const r = await runBoth({
    config: ([port]) => listen('option tcp-check',
      `tcp-check set-var(check.port) int(${port})`,
      'tcp-check set-var-fmt(check.greet) "HELLO-%[var(check.port)]"',
      'tcp-check set-var(check.gone) str(x)',
      'tcp-check unset-var(check.gone)',
      'tcp-check connect port var(check.port)',
      'tcp-check send-lf "%[var(check.greet)]<%[var(check.gone)]>\\r\\n"',
      'tcp-check expect string OK',
      // The server's own port has nothing listening: only the variable's port can pass.
      'server s1 127.0.0.1:1 check inter 100ms'),
    origins: async () => [await scripted(answerLines)],
    done: (l) => count(l, /be\/s1 is UP/) === 1,
    settleMs: 150,
  });
  assert.deepEqual(r.switchyard.byServer, r.haproxy.byServer, `haproxy:\n${r.haproxy.output}\nswitchyard:\n${r.switchyard.output}`);
  assert.match(r.haproxy.byServer['be/s1']?.[0] ?? '', /is DOWN, reason: Layer7 invalid response, info: "TCPCHK did not match content 'OK' at step 7"/);
  // Each side has its own origin, so its own port in the greeting.
  const masked = (b: Buffer | undefined): string | undefined => b?.toString('latin1').replace(/\d+/g, 'PORT');
  assert.equal(masked(r.switchyard.received[0]?.[0]), masked(r.haproxy.received[0]?.[0]));
  assert.match(r.haproxy.received[0]?.[0]?.toString('latin1') ?? '', /^HELLO-\d+<>\r\n$/);
});

test('http-check set-var and set-var-fmt feed the request headers', { skip: !haproxyAvailable() }, async () => {
  const OK = 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n';
  const DOWN = 'HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n';
  const r = await runBoth({
    config: ([a]) => listen('option httpchk',
      'http-check set-var(check.who) str(alice)',
      'http-check set-var-fmt(check.tag) "t-%[var(check.who)]-%[var(check.none)]"',
      'http-check send meth GET uri /x hdr X-Who %[var(check.who)] hdr X-Tag %[var(check.tag)]',
      'http-check expect status 200',
      `server s1 127.0.0.1:${a} check inter 100ms`),
    origins: async () => [await scripted(onData((i) => (i === 0 ? DOWN : OK)))],
    done: (l) => count(l, /be\/s1 is UP/) === 1,
    settleMs: 150,
  });
  assert.deepEqual(r.switchyard.byServer, r.haproxy.byServer, `haproxy:\n${r.haproxy.output}\nswitchyard:\n${r.switchyard.output}`);
  assert.equal(r.switchyard.received[0]?.[0]?.toString('latin1'), r.haproxy.received[0]?.[0]?.toString('latin1'));
  assert.match(r.haproxy.received[0]?.[0]?.toString('latin1') ?? '', /x-who: alice\r\nx-tag: t-alice-\r\n/);
});
