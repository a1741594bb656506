/**
 * Differential: log-format values in HTTP actions (configuration.txt §8.2.4)
 * with `%var` variables, flags and samples, as the backend receives them
 * from haproxy 2.6 and from Switchyard.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparable, differential } from '../../helpers/differential.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  http-request set-header X-Client %ci
  http-request set-header X-Frontend "%f %ft %fi"
  http-request set-header X-Quoted %{+Q}[req.hdr(host)]
  http-request set-header X-Missing "[%[req.hdr(nope)]]"
  http-request set-header X-Mixed "host=%[req.hdr(host),lower] path=%[path]"
  http-request set-var-fmt(txn.who) "%ci-%[method]"
  http-request set-header X-Var %[var(txn.who)]
  default_backend be
frontend ret
  bind \${ADDR:ret}
  http-request return status 200 content-type text/plain lf-string "a=%{+Q}[req.hdr(host)] b=%{+Q}ci c=%{+Q}[str(x)] d=%{+Q}[req.hdr(nope)] e=%{+E}[req.hdr(x)] f=%{+Q,+E}[req.hdr(x)]"
backend be
  http-request set-header X-Backend %b
  http-response set-header X-Res "%[status] %b"
  server s1 \${ORIGIN:web}
`;

test('log-format values with %ci, %f, %ft, %fi, %b, +Q, missing samples and set-var-fmt', { skip: !haproxyAvailable() }, async () => {
  const result = await differential({
    config: CONFIG,
    origins: { web: { kind: 'http' } },
    exchanges: [
      { listener: 'fe', send: 'GET /Some/Path?q=1 HTTP/1.1\r\nHost: WWW.Example.com\r\nConnection: close\r\n\r\n', idleMs: 200 },
      // In HTTP values +Q does not quote a sample (lf_encode_chunk) but does quote a %var; +E escapes.
      { listener: 'ret', send: 'GET / HTTP/1.1\r\nHost: h.example\r\nx: a"b\\c]\r\nConnection: close\r\n\r\n', idleMs: 200 },
    ],
  });
  // The origin sees the client connection's source port in nothing compared here; ports are masked by default.
  assert.deepStrictEqual(comparable(result.against), comparable(result.reference));
});
