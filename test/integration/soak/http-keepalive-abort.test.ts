/**
 * Found by the chaos soak (http-chaos.test.ts): a server that closes or
 * resets its connection under a request without answering anything. haproxy
 * 2.6 answers 502 only when that request is the first of the client
 * connection; on a later keep-alive request it closes the client connection
 * silently and logs nothing, "so that the client retries" (http_ana.c
 * http_wait_for_response(), TX_NOT_FIRST → abort_keep_alive). Switchyard sent
 * a 502 there, which a browser shows instead of retrying.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSameBehaviour, differential } from '../../helpers/differential.js';

const config = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  log stdout format raw local0
  log-format "%ST %tsc %{+Q}r"
  default_backend app
backend app
  server s1 \${ORIGIN:web}
`;

for (const how of ['close', 'reset'] as const) {
  test(`a server ${how} without an answer: 502 on the first request, a silent close on a later one (haproxy abort_keep_alive)`, async () => {
    const r = await differential({
      config,
      origins: { web: { kind: 'http', respond: (req) => (req.target.startsWith('/drop') ? how : { status: 200, body: 'ok' }) } },
      exchanges: [
        { listener: 'fe', send: 'GET /drop HTTP/1.1\r\nhost: x\r\n\r\n' },
        { listener: 'fe', send: ['GET /a HTTP/1.1\r\nhost: x\r\n\r\n', 'GET /drop HTTP/1.1\r\nhost: x\r\n\r\n'], pauseMs: 100 },
        { listener: 'fe', send: 'GET /a HTTP/1.1\r\nhost: x\r\n\r\nGET /drop HTTP/1.1\r\nhost: x\r\n\r\n' },
      ],
    });
    assertSameBehaviour(r);
    // The log lines: the 502s are logged, the silent closes are not (logwait = 0).
    const logs = (out: string): string[] => out.split('\n').filter((l) => /^\d{3} /.test(l)).sort();
    assert.deepEqual(logs(r.against.output), logs(r.reference.output));
    assert.ok(logs(r.reference.output).length >= 3, r.reference.output);
  });
}
