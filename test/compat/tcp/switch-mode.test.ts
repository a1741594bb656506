/**
 * `tcp-request content switch-mode http` (configuration.txt §4.2, §4 "HTTP
 * upgrades"): a mode tcp frontend upgrades the connection in place to
 * HTTP/1; its http-request and use_backend rules then run on each request,
 * with HTTP fetches. Checked against haproxy 2.6: what each client got and
 * what each origin received.
 */
import { test } from 'node:test';
import { assertSameBehaviour, differential } from '../../helpers/differential.js';

const DEFAULTS = `defaults
  timeout connect 1s
  timeout client 2s
  timeout server 2s
`;

const REQ = (path: string, extra = ''): string => `GET ${path} HTTP/1.1\r\nHost: example.com\r\n${extra}\r\n`;

test('switch-mode http: HTTP rules and use_backend of the tcp frontend run after the upgrade', async () => {
  const r = await differential({
    config: `${DEFAULTS}
frontend fe
  mode tcp
  bind \${ADDR:fe}
  tcp-request inspect-delay 1s
  tcp-request content switch-mode http if HTTP
  tcp-request content reject
  http-request set-header x-upgraded yes
  http-request deny deny_status 403 if { path_beg /forbidden }
  use_backend two if { path_beg /two }
  default_backend one
backend one
  mode http
  server s \${ORIGIN:one}
backend two
  mode http
  server s \${ORIGIN:two}
`,
    origins: { one: { kind: 'http' }, two: { kind: 'http' } },
    exchanges: [
      { listener: 'fe', send: REQ('/') },
      { listener: 'fe', send: REQ('/two') },
      // keep-alive: each request of the connection is routed on its own (going
      // back to a backend left earlier is a matter of connection reuse, not tested here)
      { listener: 'fe', send: [REQ('/a'), REQ('/two/b', 'Connection: close\r\n')], pauseMs: 50 },
      // the request arrives in pieces: the rules wait for a whole request line
      { listener: 'fe', send: ['GET /two/split', ' HTTP/1.1\r\nHost: x\r\n\r\n'], pauseMs: 80 },
      { listener: 'fe', send: REQ('/forbidden') },
      // not HTTP: the tcp rules reject it
      { listener: 'fe', send: 'HELLO\r\n' },
      // not even a method (a TLS record): rejected at once, without waiting for the inspect delay
      { listener: 'fe', send: Buffer.from([0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0]), idleMs: 600 },
    ],
  });
  assertSameBehaviour(r);
});

test('switch-mode http without condition: bytes that are not HTTP get the HTTP error of the frontend', async () => {
  const r = await differential({
    config: `${DEFAULTS}
frontend fe
  mode tcp
  bind \${ADDR:fe}
  tcp-request content switch-mode http proto h1
  default_backend one
backend one
  mode http
  server s \${ORIGIN:one}
`,
    origins: { one: { kind: 'http' } },
    exchanges: [
      { listener: 'fe', send: REQ('/x') },
      { listener: 'fe', send: 'HELLO THERE\r\n\r\n' },
      // the client half-closes after its request: the answer still comes back
      { listener: 'fe', send: REQ('/y'), halfClose: true },
    ],
  });
  assertSameBehaviour(r);
});

test('switch-mode http towards a mode tcp backend: the client gets a bare close, as in haproxy', async () => {
  const r = await differential({
    config: `${DEFAULTS}
frontend fe
  mode tcp
  bind \${ADDR:fe}
  tcp-request content switch-mode http
  default_backend raw
backend raw
  mode tcp
  server s \${ORIGIN:one}
`,
    origins: { one: { kind: 'http' } },
    exchanges: [{ listener: 'fe', send: REQ('/a') }],
  });
  assertSameBehaviour(r);
});

test('implicit upgrade: a tcp frontend selecting an http backend speaks HTTP with the backend rules', async () => {
  const r = await differential({
    config: `${DEFAULTS}
frontend fe
  mode tcp
  bind \${ADDR:fe}
  default_backend one
backend one
  mode http
  http-request set-header x-be 1
  server s \${ORIGIN:one}
`,
    origins: { one: { kind: 'http' } },
    exchanges: [
      { listener: 'fe', send: [REQ('/a'), REQ('/b')], pauseMs: 50 },
      { listener: 'fe', send: 'HELLO\r\n\r\n' },
    ],
  });
  assertSameBehaviour(r);
});
