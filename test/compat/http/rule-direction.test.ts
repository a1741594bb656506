/**
 * The direction of HTTP fetches in response rules, against haproxy 2.6:
 * `hdr()` and `cookie()` read the response in http-response and
 * http-after-response rules (and the request in http-request rules), and an
 * ACL whose fetches cannot work where its rule runs (`hdr`, `hdr_beg`,
 * `path_beg` in http-response: haproxy warns "acl ... will never match")
 * never matches, even when the request carried what it looks for. Switchyard
 * used to read the request for both (regression).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { comparableViews } from '../../helpers/http-fixtures.js';
import type { OriginReply } from '../../helpers/origins.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

const CONFIG = `
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  http-request set-header X-Seen "%[hdr(x-q)]|%[cookie(sid)]"
  default_backend be
backend be
  acl req_hdr hdr(x-q) req
  acl res_hdr hdr(x-r) c
  acl req_beg hdr_beg(x-q) r
  acl api path_beg /api
  acl mixed hdr(x-q) req
  acl mixed var(txn.flag) -m str on
  http-request set-var(txn.flag) str(on)
  http-response set-header O-Hdr "%[hdr(x-r)]|%[hdr(x-r,1)]|%[hdr(x-q)]|%[cookie(sid)]"
  http-response set-header O-Req-Hdr 1 if req_hdr
  http-response set-header O-Res-Hdr 1 if res_hdr
  http-response set-header O-Not-Req-Beg 1 if !req_beg
  http-response set-header O-Api 1 if api
  http-response set-header O-Mixed 1 if mixed
  http-after-response set-header O-After "%[hdr(x-r)]|%[cookie(sid)]"
  server s1 \${ORIGIN:web}
`;

function respond(): OriginReply {
  return { headers: [['x-r', 'a'], ['x-r', 'b, c'], ['Set-Cookie', 'sid=s1'], ['Set-Cookie', 'sid=s2']], body: 'ok' };
}

const EXCHANGES: Exchange[] = [
  {
    listener: 'fe',
    name: 'request headers that the response-rule ACLs look for',
    send: 'GET /api/x HTTP/1.1\r\nHost: h\r\nx-q: req\r\nx-r: zz\r\nCookie: sid=reqc\r\nConnection: close\r\n\r\n',
  },
  { listener: 'fe', name: 'a bare request', send: 'GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n' },
];

describe('hdr()/cookie() direction and ACLs incompatible with http-response: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  before(async () => {
    result = await differential({ config: CONFIG, origins: { web: { kind: 'http', respond } }, exchanges: EXCHANGES, settleMs: 50 });
  });
  for (const [i, e] of EXCHANGES.entries()) {
    it(`${e.name}: the same response`, () => {
      assert.ok(result !== undefined);
      const { ref, got } = comparableViews(result);
      assert.deepEqual(got.clients[i], ref.clients[i]);
    });
  }
  it('the response headers show the direction (not only equality with haproxy)', () => {
    assert.ok(result !== undefined);
    const head = result.against.exchanges[0]!.response.toString('latin1');
    assert.match(head, /\r\nO-Hdr: c\|a\|\|s2\r\n/i);
    assert.match(head, /\r\nO-After: c\|s2\r\n/i);
    assert.match(head, /\r\nO-Not-Req-Beg: 1\r\n/i);
    assert.match(head, /\r\nO-Mixed: 1\r\n/i, 'the compatible half of an ACL still matches');
    assert.doesNotMatch(head, /O-Req-Hdr|O-Res-Hdr|O-Api/i);
  });
  it('the origin received the same requests (hdr() reads the request in http-request rules)', () => {
    assert.ok(result !== undefined);
    const { ref, got } = comparableViews(result);
    assert.deepEqual(got.origins['web'], ref.origins['web']);
  });
  it('the same "will never match" warnings', () => {
    assert.ok(result !== undefined);
    const warns = (o: string): string[] => o.split('\n').filter((l) => l.includes('will never match')).map((l) => l.replace(/^.*\.cfg:/, ''));
    assert.deepEqual(warns(result.against.output), warns(result.reference.output));
    assert.equal(warns(result.against.output).length, 4);
  });
});
