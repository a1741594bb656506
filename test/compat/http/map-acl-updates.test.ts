/**
 * Differential: set-map / del-map / add-acl / del-acl (http-request and
 * http-response) change the pattern reference every map converter and ACL
 * `-f` of the same file reads, in haproxy 2.6 and in Switchyard; and HTTP
 * rule conditions and values resolve backend names (nbsrv(be), be_conn(be),
 * srv_is_up(be/s), connslots(be), queue(be)).
 *
 * The exchanges run one after the other on fresh connections, so each one
 * sees what the previous ones changed; both programs start from the same
 * files (never written by the actions).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { comparableViews, EMPTY_VIEW } from '../../helpers/http-fixtures.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import type { OriginReply, RecordedRequest } from '../../helpers/origins.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

/** The origin answers `x-val: <last path segment>` so http-response rules have a value to store. */
function respond(req: RecordedRequest, o: { name: string }): OriginReply {
  const seg = req.target.split('/').pop() ?? '';
  return { headers: { 'x-val': seg }, body: `${o.name} ${req.target}` };
}

const FILES: Record<string, string> = {
  'm.map': 'a.example A\nb.example B\nd dup1\nd dup2\n/api api\n',
  'i.map': 'one 1\n',
  'ip.map': '10.0.0.0/8 net10\n',
  'reg.map': '^/u/([0-9]+)$ user-\\1\n',
  's.lst': 'x\n',
  'hosts.map': 'api.example api\n',
  'r.map': '',
};

const SHOW = [
  'm=%[req.hdr(q),map(@DIR/m.map,none)]',
  'mb=%[req.hdr(q),map_beg(@DIR/m.map,none)]',
  'i=%[req.hdr(q),map_str_int(@DIR/i.map,-1)]',
  'ip=%[req.hdr(q),map_ip(@DIR/ip.map,none)]',
  'rg=%[req.hdr(q),map_regm(@DIR/reg.map,none)]',
  'l=%[var(txn.l)] li=%[var(txn.li)] lb=%[var(txn.lb)] lm=%[var(txn.lm)]',
].join(' ');

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 1s
frontend fe
  bind \${ADDR:fe}
  acl inlst req.hdr(q) -f @DIR/s.lst
  acl inlsti req.hdr(q) -i -f @DIR/s.lst
  acl inlst_beg req.hdr(q) -m beg -f @DIR/s.lst
  acl inmap req.hdr(q) -M -f @DIR/m.map
  http-request set-map(@DIR/m.map) %[req.hdr(k)] %[req.hdr(v)] if { path /set }
  http-request del-map(@DIR/m.map) %[req.hdr(k)] if { path /del }
  http-request add-acl(@DIR/s.lst) %[req.hdr(k)] if { path /add }
  http-request del-acl(@DIR/s.lst) %[req.hdr(k)] if { path /dela }
  http-request set-map(@DIR/i.map) %[req.hdr(k)] %[req.hdr(v)] if { path /seti }
  http-request set-map(@DIR/ip.map) %[req.hdr(k)] %[req.hdr(v)] if { path /setip }
  http-request set-map(@DIR/reg.map) %[req.hdr(k)] %[req.hdr(v)] if { path /setreg }
  http-request add-acl(@DIR/m.map) %[req.hdr(k)] if { path /addm }
  http-request set-map(@DIR/s.lst) %[req.hdr(k)] %[req.hdr(v)] if { path /setl }
  http-request set-var(txn.l) str(1) if inlst
  http-request set-var(txn.li) str(1) if inlsti
  http-request set-var(txn.lb) str(1) if inlst_beg
  http-request set-var(txn.lm) str(1) if inmap
  http-request return status 200 content-type text/plain lf-string "${SHOW}"
frontend route
  bind \${ADDR:route}
  http-request set-map(@DIR/hosts.map) %[req.hdr(k)] %[req.hdr(v)] if { path /admin/set }
  http-request del-map(@DIR/hosts.map) %[req.hdr(k)] if { path /admin/del }
  http-request return status 200 content-type text/plain string done if { path_beg /admin/ }
  use_backend %[req.hdr(host),lower,map(@DIR/hosts.map,web)]
backend web
  http-response set-header x-be web
  server s1 \${ORIGIN:web}
backend api
  http-response set-header x-be api
  http-request set-var(txn.p) path
  http-request set-var(txn.k) req.hdr(k)
  http-response set-map(@DIR/r.map) %[var(txn.p)] %[res.hdr(x-val)] if { var(txn.p) -m beg /rset/ }
  http-response del-map(@DIR/r.map) %[var(txn.k)] if { var(txn.p) -m beg /rdel/ }
  http-response set-header x-r %[var(txn.k),map(@DIR/r.map,none)]
  server s1 \${ORIGIN:web}
frontend nb
  bind \${ADDR:nb}
  http-request deny if { nbsrv(empty) lt 1 } { path /a }
  http-request deny deny_status 429 if { nbsrv(web) ge 1 } { path /b }
  http-request set-header x-nb %[nbsrv(web)]
  http-request return status 200 content-type text/plain lf-string "nb=%[nbsrv(nbbe)] be=%[be_conn(nbbe)] up=%[srv_is_up(nbbe/s1)] slots=%[connslots(nbbe)] q=%[queue(nbbe)] e=%[nbsrv(empty)] h=%[req.hdr(x-nb)]" if { path /c }
  default_backend web
backend empty
backend nbbe
  server s1 127.0.0.1:1
  server s2 127.0.0.1:2 disabled
  server s3 127.0.0.1:3
`;

function get(path: string, headers: Record<string, string> = {}, host = 'x'): string {
  let h = '';
  for (const [n, v] of Object.entries(headers)) h += `${n}: ${v}\r\n`;
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\n${h}Connection: close\r\n\r\n`;
}

function ex(listener: string, name: string, send: string): Exchange {
  return { listener, name, send, idleMs: 150 };
}

const EXCHANGES: Exchange[] = [
  ex('fe', 'file content before any change', get('/q', { q: 'a.example' })),
  ex('fe', 'set-map adds, seen in the same request', get('/set', { k: 'c.example', v: 'C', q: 'c.example' })),
  ex('fe', 'set-map updates, map_beg sees it', get('/set', { k: 'c.example', v: 'C2', q: 'c.examplezz' })),
  ex('fe', 'set-map updates every duplicate', get('/set', { k: 'd', v: 'D', q: 'd' })),
  ex('fe', 'del-map removes every duplicate', get('/del', { k: 'd', q: 'd' })),
  ex('fe', 'del-map of a file entry', get('/del', { k: 'a.example', q: 'a.example' })),
  ex('fe', 'other entries stay', get('/q', { q: 'b.example' })),
  ex('fe', 'map_str_int refuses a non-integer value', get('/seti', { k: 'two', v: 'x2', q: 'two' })),
  ex('fe', 'map_str_int takes an integer value', get('/seti', { k: 'two', v: '22', q: 'two' })),
  ex('fe', 'map_str_int keeps the old value on a bad update', get('/seti', { k: 'one', v: 'abc', q: 'one' })),
  ex('fe', 'map_ip refuses a key that is not an address', get('/setip', { k: 'nope', v: 'bad', q: 'nope' })),
  ex('fe', 'map_ip: a longer prefix added wins', get('/setip', { k: '10.1.0.0/16', v: 'net10.1', q: '10.1.2.3' })),
  ex('fe', 'map_regm: a regex added at run time', get('/setreg', { k: '^/g/(.*)$', v: 'grp-\\1', q: '/g/abc' })),
  ex('fe', 'add-acl is case-sensitive, -i and -m beg see it', get('/add', { k: 'Y', q: 'y' })),
  ex('fe', 'add-acl: prefix match', get('/add', { k: 'Y', q: 'Yes' })),
  ex('fe', 'del-acl of a file entry', get('/dela', { k: 'x', q: 'x' })),
  ex('fe', 'add-acl on a map file: map gives 1', get('/addm', { k: 'z.example', q: 'z.example' })),
  ex('fe', 'set-map on a list file: the ACL matches the key', get('/setl', { k: 'w', v: 'ww', q: 'w' })),
  ex('fe', 'set-map with spaces in key and value', get('/set', { k: 'sp ace', v: 'S P', q: 'sp ace' })),
  ex('fe', 'ACL -M on the map file sees set-map', get('/q', { q: 'c.example' })),
  ex('fe', 'set-map with an empty key (no k header)', get('/set', { v: 'EMPTY', q: '' })),
  ex('fe', 'the empty key is an entry', get('/q', { q: '' })),
  ex('route', 'use_backend from the map file', get('/', {}, 'API.example')),
  ex('route', 'unknown host: default from the map converter', get('/', {}, 'new.example')),
  ex('route', 'set-map in another frontend', get('/admin/set', { k: 'new.example', v: 'api' })),
  ex('route', 'the new route applies', get('/', {}, 'new.example')),
  ex('route', 'del-map', get('/admin/del', { k: 'api.example' })),
  ex('route', 'the removed route falls back', get('/', {}, 'api.example')),
  ex('route', 'http-response set-map in a backend', get('/rset/val1', { k: '/rset/val1' }, 'new.example')),
  ex('route', 'a later request sees the response value', get('/x', { k: '/rset/val1' }, 'new.example')),
  ex('route', 'http-response del-map', get('/rdel/x', { k: '/rset/val1' }, 'new.example')),
  ex('route', 'the entry is gone', get('/y', { k: '/rset/val1' }, 'new.example')),
  ex('nb', 'deny if { nbsrv(empty) lt 1 }', get('/a')),
  ex('nb', 'deny_status 429 if { nbsrv(web) ge 1 }', get('/b')),
  ex('nb', 'backend fetches in values', get('/c')),
];

describe('map and ACL updates from rules, backend fetches in HTTP rules: haproxy 2.6 and Switchyard', { skip }, () => {
  let dir = '';
  let result: DifferentialResult | undefined;
  let ref = EMPTY_VIEW;
  let got = EMPTY_VIEW;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sy-maps-'));
    for (const [n, t] of Object.entries(FILES)) writeFileSync(join(dir, n), t);
    result = await differential({
      config: CONFIG.replaceAll('@DIR', dir),
      origins: { web: { kind: 'http', respond } },
      exchanges: EXCHANGES,
    });
    ({ ref, got } = comparableViews(result));
  });
  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  for (const [i, e] of EXCHANGES.entries()) {
    it(e.name ?? String(i), () => {
      assert.deepStrictEqual(got.clients[i], ref.clients[i], `switchyard output:\n${result?.against.output ?? ''}`);
    });
  }
  it('Switchyard reports none of these actions or conditions as not run', () => {
    assert.doesNotMatch(result?.against.output ?? '', /set-map|del-map|add-acl|del-acl|cannot be evaluated|not enforced/);
  });
  it('the origin received the same requests', () => {
    assert.deepStrictEqual(got.origins, ref.origins);
  });
});
