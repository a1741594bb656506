/**
 * Differential, end to end: the HTTP hashing algorithms (`balance uri`,
 * `url_param`, `hdr`, `hash <expr>`) running in the Switchyard process send
 * the same requests to the same servers as haproxy 2.6. (hashing.test.ts
 * compares the algorithms' picks directly on many keys; this one checks
 * that the HTTP stream feeds them the same inputs.)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { comparable, differential, type Exchange } from '../../helpers/differential.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import type { OriginReply, RecordedRequest } from '../../helpers/origins.js';

const respond = (req: RecordedRequest, o: { name: string }): OriginReply => ({ body: `${o.name} ${req.target}` });

const BACKENDS: ReadonlyArray<readonly [string, string]> = [
  ['uri', 'balance uri'],
  ['uriw', 'balance uri whole\n  hash-type consistent'],
  ['urlp', 'balance url_param user'],
  ['hdr', 'balance hdr(x-key)'],
  ['dom', 'balance hdr(host) use_domain_only'],
  ['expr', 'balance hash req.hdr(x-key),lower'],
];

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
${BACKENDS.map(([n, b]) => `listen ${n}\n  bind \${ADDR:${n}}\n  ${b}\n  server a \${ORIGIN:a}\n  server b \${ORIGIN:b}\n  server c \${ORIGIN:c} weight 3\n`).join('')}`;

const PATHS = ['/', '/index.html', '/a/b/c?x=1', '/img/logo.png', '/api/v1/users?user=bob', '/api/v1/users?user=alice&z=2', '/q?user=carol', '/deep/er/path/x.js', '/?user=dave', '/zz'];
const KEYS = ['k1', 'K2', 'alpha', 'beta', 'gamma', 'delta', 'x', 'y', 'zeta', 'omega'];
const HOSTS = ['www.example.com', 'example.com', 'img.example.org', 'a.b.c.d', 'localhost:8080', 'shop.example.net', 'x.y', 'host', 'www.example.com:81', 'cdn.example.com'];

const EXCHANGES: Exchange[] = BACKENDS.map(([n]) => ({
  listener: n,
  name: n,
  idleMs: 150,
  send: PATHS.map((p, i) => `GET ${p} HTTP/1.1\r\nHost: ${HOSTS[i] ?? 'x'}\r\nX-Key: ${KEYS[i] ?? ''}\r\n${i === PATHS.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join(''),
}));

test('uri, url_param, hdr, hash: the same server as haproxy for each request, end to end', { skip: !haproxyAvailable() }, async () => {
  const result = await differential({
    config: CONFIG,
    origins: { a: { kind: 'http', respond }, b: { kind: 'http', respond }, c: { kind: 'http', respond } },
    exchanges: EXCHANGES,
  });
  const ours = comparable(result.against) as { clients: unknown[] };
  const theirs = comparable(result.reference) as { clients: unknown[] };
  for (const [i, [n]] of BACKENDS.entries()) assert.deepStrictEqual(ours.clients[i], theirs.clients[i], n);
  const warnings = result.against.output.split('\n').filter((l) => l.includes('not enforced'));
  assert.deepStrictEqual(warnings, []);
});

const TCP_CONFIG = `
defaults
  mode tcp
  timeout connect 1s
  timeout client 2s
  timeout server 2s
listen th
  bind \${ADDR:th}
  tcp-request inspect-delay 1s
  tcp-request content accept if { req.len ge 4 }
  balance hash req.payload(0,4)
  server a \${ORIGIN:a}
  server b \${ORIGIN:b}
  server c \${ORIGIN:c} weight 3
listen tp
  bind \${ADDR:tp}
  balance hash dst_port
  server a \${ORIGIN:a}
  server b \${ORIGIN:b}
  server c \${ORIGIN:c} weight 3
`;

// haproxy 2.6 picks the server after the inspected bytes were scheduled for
// forwarding: a payload expression finds nothing and the pick is round robin
// (a,c,b,c,c...); a connection-level one (dst_port) hashes.
test('mode tcp: balance hash picks the same server as haproxy (payload: round robin; dst_port: hashed)', { skip: !haproxyAvailable() }, async () => {
  const keys = ['k001', 'k002', 'abcd', 'zzzz', 'WXYZ', '1234', 'a-b-', 'qwer', 'tyui', 'op[]'];
  const result = await differential({
    config: TCP_CONFIG,
    origins: {
      a: { kind: 'tcp', echo: false, banner: 'a' },
      b: { kind: 'tcp', echo: false, banner: 'b' },
      c: { kind: 'tcp', echo: false, banner: 'c' },
    },
    exchanges: [...keys.map((k) => ({ listener: 'th', name: k, send: k, idleMs: 100 })), ...keys.slice(0, 4).map((k) => ({ listener: 'tp', name: `tp ${k}`, send: k, idleMs: 100 }))],
  });
  const picks = (side: typeof result.against): string[] => side.exchanges.map((e) => e.response.toString('latin1'));
  const n = keys.length;
  assert.deepEqual(picks(result.against).slice(0, n), picks(result.reference).slice(0, n));
  assert.equal(picks(result.reference).slice(0, n).join(','), 'a,c,b,c,c,a,c,b,c,c');
  // Each proxy listens on its own ephemeral port, so the dst_port hash may
  // land on different servers: what both must do is hash (one server for all).
  for (const side of [result.reference, result.against]) assert.equal(new Set(picks(side).slice(n)).size, 1, picks(side).join(','));
});
