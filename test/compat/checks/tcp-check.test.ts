/**
 * Differential: `option tcp-check` with send/expect against recording
 * servers: same lines as haproxy 2.6 server by server, same bytes sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { haproxyAvailable } from '../../helpers/paths.js';
import { onData, scripted } from '../../integration/checks/check-harness.js';
import { count, listen, runBoth } from './check-compare.js';

test('tcp-check send/expect: pass, mismatch, empty, garbage then pass; bytes sent', { skip: !haproxyAvailable() }, async () => {
  const r = await runBoth({
    config: ([a, b, c, d]) => listen('option tcp-check',
      'tcp-check comment ping',
      'tcp-check send PING\\r\\n',
      'tcp-check send-binary 0a0b',
      'tcp-check expect string +PONG',
      'tcp-check expect rstring ^\\+PO min-recv 3',
      `server s1 127.0.0.1:${a} check inter 100ms`,
      `server s2 127.0.0.1:${b} check inter 100ms`,
      `server s3 127.0.0.1:${c} check inter 100ms`,
      `server s4 127.0.0.1:${d} check inter 100ms`),
    origins: async () => [
      await scripted(onData(() => '+PONG\r\n')),
      await scripted(onData(() => '-ERR\r\n')),
      await scripted((s) => s.once('data', () => s.end())),
      await scripted(onData((i) => (i === 0 ? 'nope\r\n' : '+PONG\r\n'))),
    ],
    done: (l) => count(l, /be\/s4 is UP/) === 1 && count(l, /is DOWN/) === 3,
    settleMs: 250,
    maskCounts: true,
  });
  assert.deepEqual(r.switchyard.byServer, r.haproxy.byServer, `haproxy:\n${r.haproxy.output}\nswitchyard:\n${r.switchyard.output}`);
  assert.match(r.haproxy.byServer['be/s2']?.[0] ?? '', /info: "TCPCHK did not match content '\+PONG' at step 4"/);
  assert.match(r.haproxy.byServer['be/s3']?.[0] ?? '', /info: "TCPCHK got an empty response at step 4"/);
  assert.match(r.haproxy.byServer['be/s4']?.[1] ?? '', /be\/s4 is UP, reason: Layer7 check passed, code: 0, info: "\(tcp-check\)"/);
  // The two sends may arrive in one or two segments: compare the bytes of each connection.
  for (let i = 0; i < 4; i++) {
    assert.equal(r.switchyard.received[i]?.[0]?.toString('hex'), r.haproxy.received[i]?.[0]?.toString('hex'));
  }
  assert.equal(r.haproxy.received[0]?.[0]?.toString('latin1'), 'PING\r\n\n\x0b');
});
