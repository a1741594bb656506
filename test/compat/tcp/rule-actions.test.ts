/**
 * The tcp-request / tcp-response actions that Switchyard enforces in mode
 * tcp (src/tcp/rules.ts), run under haproxy 2.6 and Switchyard with the
 * same bytes: variables set, formatted and unset by connection, session and
 * content rules (read back by a dynamic use_backend), addresses changed by
 * set-src/set-src-port/set-dst/set-dst-port (read back in the PROXY header
 * sent to the server), and a response variable driving a tcp-response rule.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameBehaviour, differential } from '../../helpers/differential.js';

const DEFAULTS = `defaults
  mode tcp
  timeout connect 1s
  timeout client 2s
  timeout server 2s
`;

test('tcp rule actions in mode tcp: set-var, set-var-fmt, unset-var, set-src/dst(-port), tcp-response set-var', async () => {
  const r = await differential({
    config: `${DEFAULTS}
frontend fe
  bind \${ADDR:fe}
  tcp-request connection set-var(sess.conn) str(c1)
  tcp-request connection set-var-fmt(sess.fmt) "f-%[var(sess.conn)]"
  tcp-request connection set-src ipv4(10.1.2.3)
  tcp-request connection set-src-port int(1111)
  tcp-request session set-var(sess.sess) str(s1)
  tcp-request session unset-var(sess.conn)
  tcp-request session set-dst ipv4(10.4.5.6)
  tcp-request inspect-delay 1s
  tcp-request content set-dst-port int(2222)
  tcp-request content set-var(txn.first) req.payload(0,3) if { req.len ge 3 }
  tcp-request content reject if { var(txn.first) -m str NOP }
  tcp-request content reject if { var(sess.conn) -m found }
  use_backend b_%[var(sess.fmt)]_%[var(sess.sess)]
  default_backend other
backend b_f-c1_s1
  tcp-response inspect-delay 1s
  tcp-response content set-var(txn.r) res.payload(0,3) if { res.len ge 3 }
  tcp-response content reject if { var(txn.r) -m str BAD }
  server s \${ORIGIN:named} send-proxy
backend other
  server s \${ORIGIN:other} send-proxy
`,
    origins: { named: { kind: 'tcp', echo: true }, other: { kind: 'tcp', echo: true } },
    exchanges: [
      { listener: 'fe', send: 'hello\n' },
      { listener: 'fe', send: 'NOP\n' },
      { listener: 'fe', send: 'BAD\n' },
      { listener: 'fe', send: ['he', 'llo again\n'], pauseMs: 100 },
    ],
  });
  assertSameBehaviour(r);
  // the variables named the backend: every accepted connection reached 'named', with the rewritten addresses
  const named = r.reference.origins['named'] ?? [];
  assert.equal(named.length, 3);
  assert.match(named[0]!.toString('latin1'), /^PROXY TCP4 10\.1\.2\.3 10\.4\.5\.6 1111 2222\r\n/);
});
