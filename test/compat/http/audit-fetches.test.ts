/**
 * Differential audit of issue 6 §"Fetches and converters" (configuration.txt
 * §7.3.6, §7.3.1): every fetch and converter the issue names, called on a few
 * requests and responses through haproxy 2.6 and Switchyard.
 *
 * Request fetches are printed by `http-request return ... lf-string` (one
 * `name=value` line each, a missing sample prints nothing), response fetches
 * by `http-response set-header` lines in the backend, the ACL
 * derivatives (`hdr_beg`, `cook_val`...) by `set-var-fmt` lines appending the
 * name of each ACL that matched. The comparison is field by field, so a
 * failure names the fetch.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { differential, type DifferentialResult, type Exchange } from '../../helpers/differential.js';
import { haproxyAvailable } from '../../helpers/paths.js';
import type { OriginReply, RecordedRequest } from '../../helpers/origins.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

/** Request-side expressions, printed in this order. */
const REQ: string[] = [
  'method', 'path', 'pathq', 'query', 'url', 'url_param(a)', 'url_param(c,;)', 'url_param', 'urlp(b)', 'urlp(q),url_dec',
  'base', 'baseq', 'base32', 'base32+src,hex', 'url32', 'url32+src,hex',
  'req.hdr(x-a)', 'req.hdr(x-a,1)', 'req.hdr(x-a,-1)', 'req.hdr(x-a,2)', 'req.hdr(x-a,9)', 'hdr(host)', 'req.hdr,length',
  'req.hdr_cnt(x-a)', 'hdr_cnt(x-a)', 'req.hdr_cnt', 'req.fhdr(x-a)', 'req.fhdr(x-a,1)', 'req.fhdr(x-a,-2)', 'req.fhdr_cnt(x-a)',
  'req.hdr_ip(x-ip)', 'hdr_ip(x-ip,1)', 'req.hdr_ip(x-ip,-1)', 'req.hdr_val(x-n)', 'hdr_val(x-n,1)', 'req.hdr_val(x-n,-1)',
  'req.hdr_names', 'req.hdr_names(;)', 'req.hdrs', 'req.hdrs_bin,hex',
  'req.cook(sid)', 'cook(sid)', 'req.cook', 'req.cook(n)', 'req.cook_cnt(sid)', 'cook_cnt(sid)', 'req.cook_cnt', 'req.cook_val(n)', 'cook_val(n)',
  'cookie(sid)', 'req.ver', 'req_ver', 'http_first_req', 'url_ip', 'url_port',
  'capture.req.hdr(0)', 'capture.req.hdr(1)', 'capture.req.method', 'capture.req.uri', 'capture.req.ver',
  'http_auth(ul)', 'http_auth_group(ul)', 'http_auth_user', 'http_auth_pass', 'http_auth_type',
  // converters of the issue
  'path,url_dec', 'query,url_dec', 'path,url_enc', 'req.hdr(x-a),url_enc(query)', 'req.hdr(x-n),http_date', 'int(1700000000),http_date(3600)',
  'req.hdr(accept-language),language(en;fr;de)', 'req.fhdr(accept-language),language(es;de,en)',
  'req.hdr(x-a),regsub(l,L,g)', 'req.fhdr(x-a),regsub([^a-z],_,g)', 'path,field(2,/)', 'path,field(-1,/)', 'path,word(1,/)', 'path,word(-1,/)',
  'req.hdr(host),lower,word(1,:)', 'req.hdr(host),field(2,:)',
];

/** Response-side expressions (the backend's http-response return). */
const RES: string[] = [
  'status', 'res.ver', 'resp_ver', 'res.hdr(x-r)', 'res.hdr(x-r,1)', 'res.hdr(x-r,-1)', 'shdr(x-r)', 'res.hdr_cnt(x-r)', 'shdr_cnt(x-r)',
  'res.fhdr(x-r)', 'res.fhdr(x-r,1)', 'res.fhdr_cnt(x-r)', 'res.hdr_ip(x-ip)', 'shdr_ip(x-ip)', 'res.hdr_val(x-n)', 'shdr_val(x-n)',
  'res.hdr_names', 'res.hdr_names(;)', 'res.hdrs', 'res.hdrs_bin,hex',
  'res.cook(sid)', 'scook(sid)', 'res.cook', 'res.cook(n)', 'res.cook_cnt(sid)', 'scook_cnt(sid)', 'res.cook_cnt', 'res.cook_val(n)', 'scook_val(n)',
  'capture.res.hdr(0)', 'capture.res.ver', 'res.hdr(x-r),regsub(b,B)', 'res.fhdr(x-r),word(1,c)',
];

/**
 * Fetches whose direction follows the rule (`hdr`, `cookie`: the response in
 * http-response rules, sample.c SMP_OPT_DIR_RES): the HTTP stream sets
 * SampleContext.response while response rules run.
 */
const RES_DIR: string[] = ['hdr(x-r)', 'cookie(sid)'];

/** ACL derivatives: [label, condition]. */
const ACLS: [string, string][] = [
  ['hdr', 'hdr(x-a) hello'], ['hdr_beg', 'hdr_beg(host) -i www'], ['hdr_end', 'hdr_end(host) .com'], ['hdr_end_i', 'hdr_end(host) -i .COM:8080'],
  ['hdr_sub', 'hdr_sub(x-a) ell'], ['hdr_reg', 'hdr_reg(x-a) ^h.*o$'], ['hdr_dom', 'hdr_dom(host) -i example'], ['hdr_dir', 'hdr_dir(x-p) b'],
  ['hdr_len', 'hdr_len(x-a) 5'], ['hdr_cnt', 'hdr_cnt(x-a) 3'], ['hdr_val', 'hdr_val(x-n) gt 10'], ['hdr_ip', 'hdr_ip(x-ip) 10.0.0.0/8'],
  ['hdr_ip6', 'hdr_ip(x-ip) 2001:db8::/32'],
  ['cook', 'cook(sid) abc'], ['cook_beg', 'cook_beg(sid) de'], ['cook_end', 'cook_end(sid) bc'], ['cook_sub', 'cook_sub(sid) e'],
  ['cook_reg', 'cook_reg(sid) ^[a-c]+$'], ['cook_len', 'cook_len(sid) 3'], ['cook_dom', 'cook_dom(sid) abc'], ['cook_dir', 'cook_dir(sid) abc'],
  ['cook_cnt', 'cook_cnt(sid) 2'], ['cook_val', 'cook_val(n) 42'],
  ['path_beg', 'path_beg /f/'], ['path_end', 'path_end .html'], ['path_sub', 'path_sub dir'], ['path_dir', 'path_dir dir'], ['path_reg', 'path_reg ^/f/[a-z]+/'],
  ['path_len', 'path_len 19'], ['url_beg', 'url_beg http://'], ['url_sub', 'url_sub q='], ['url_dom', 'url_dom 10.0.0.5'],
  ['urlp', 'urlp(a) 1'], ['urlp_val', 'urlp_val(a) 1'], ['url_param_reg', 'url_param(b) -m reg ^x'], ['base_beg', 'base_beg -i www.example'],
  ['base_sub', 'base_sub /dir/'], ['base_reg', 'base_reg example\\.com:8080/f'], ['url_ip', 'url_ip 10.0.0.0/8'], ['url_port', 'url_port 8081'],
  ['req.ver', 'req.ver 1.0'], ['method', 'method GET'], ['method_post', 'method POST'], ['http_first_req', 'http_first_req -m bool'],
  ['HTTP_1.0', 'HTTP_1.0'], ['HTTP_1.1', 'HTTP_1.1'], ['HTTP_URL_ABS', 'HTTP_URL_ABS'], ['HTTP_URL_SLASH', 'HTTP_URL_SLASH'],
  ['HTTP_URL_STAR', 'HTTP_URL_STAR'], ['HTTP_CONTENT', 'HTTP_CONTENT'], ['METH_GET', 'METH_GET'], ['METH_OPTIONS', 'METH_OPTIONS'],
];

const lf = (exprs: readonly string[]): string => `"${exprs.map((e) => `${e.replace(/"/g, '\\"')}=%[${e.replace(/"/g, '\\"')}]`).join('\\n')}\\n"`;

const CONFIG = `
global
  nbthread 1
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
userlist ul
  group g1 users alice
  group g2
  user alice insecure-password secret
  user bob insecure-password pw groups g2
frontend fe
  bind \${ADDR:fe}
  capture request header host len 12
  capture request header user-agent len 5
  capture response header x-r len 8
${ACLS.map(([n, c]) => `  http-request set-var-fmt(txn.acl) "%[var(txn.acl)]${n}," if ${c.startsWith('HTTP') || c.startsWith('METH') ? c : `{ ${c} }`}`).join('\n')}
  http-request return status 200 content-type text/plain lf-string "acls=%[var(txn.acl)]\\n" if { path_beg /acl }
  http-request return status 200 content-type text/plain lf-string ${lf(REQ)} if !{ path_beg /r }
  default_backend be
frontend body
  bind \${ADDR:body}
  option http-buffer-request
  http-request return status 200 content-type text/plain lf-string ${lf(['req.body', 'req.body_len', 'req.body_size', 'req.body_param(a)', 'req.body_param(b)', 'req.body_param', 'req.body,url_dec'])}
backend be
  # http-response return would not do: its lf-string sees the reply being built, not the server's response.
${RES.map((e, i) => `  http-response set-header x-f${i} "%[${e}]"`).join('\n')}
${RES_DIR.map((e, i) => `  http-response set-header x-d${i} "%[${e}]"`).join('\n')}
  server s1 \${ORIGIN:web}
`;

const LONG_REQ = [
  'GET /f/dir/page.html?a=1&b=x;c=2&q=hello%20w%C3%B6rld&c=3 HTTP/1.1',
  'Host: www.Example.com:8080',
  'User-Agent: curl/8.0',
  'X-A: hello',
  'x-a: b,c',
  'X-IP: 10.1.2.3',
  'X-IP: 2001:db8::1',
  'X-N: 42abc',
  'X-N: -12',
  'X-P: /a/b/c',
  'Cookie: sid=abc; n=42; other=1',
  'Cookie: sid=def',
  'Accept-Language: fr-CH, fr;q=0.9, en;q=0.8',
  `Authorization: Basic ${Buffer.from('alice:secret').toString('base64')}`,
  'Connection: close',
  '', '',
].join('\r\n');

const CLOSE = 'Connection: close\r\n';

function respond(req: RecordedRequest): OriginReply {
  if (req.target.startsWith('/r1')) {
    return {
      headers: [
        ['X-R', 'a'], ['x-r', 'b, c'], ['Set-Cookie', 'sid=s1; path=/'], ['Set-Cookie', 'n=7; HttpOnly'], ['Set-Cookie', 'sid=s2'],
        ['X-IP', '192.168.0.1'], ['X-N', '-5'], ['Cookie', 'sid=nope'],
      ],
      body: 'r1',
    };
  }
  if (req.target.startsWith('/r2')) return { raw: 'HTTP/1.0 404 Not Here\r\nX-IP: ::1\r\nX-N: 1 2\r\nSet-Cookie:  sid = v ;x\r\n\r\n', close: true };
  return { body: 'plain' };
}

const EXCHANGES: Exchange[] = [
  { listener: 'fe', name: 'request fetches, rich request', send: LONG_REQ },
  { listener: 'fe', name: 'request fetches, HTTP/1.0 without headers', send: 'GET /f HTTP/1.0\r\n\r\n' },
  { listener: 'fe', name: 'request fetches, absolute-form', send: `GET http://10.0.0.5:8081/f/x?a=2 HTTP/1.1\r\nHost: 10.0.0.5:8081\r\nX-N: 99999999999\r\n${CLOSE}\r\n` },
  { listener: 'fe', name: 'request fetches, absolute-form without port, wrong creds', send: `POST http://Example.org/f HTTP/1.1\r\nHost: example.org\r\nAuthorization: Basic ${Buffer.from('bob:x').toString('base64')}\r\nContent-Length: 0\r\n${CLOSE}\r\n` },
  { listener: 'fe', name: 'request fetches, keep-alive second request', send: [`GET /f/1 HTTP/1.1\r\nHost: a\r\n\r\n`, `GET /f/2?x HTTP/1.1\r\nHost: b\r\nCookie: sid = sp ; n=-3x\r\nX-N: 1 2\r\nX-IP: 1.2.3.4.5\r\n${CLOSE}\r\n`], pauseMs: 50 },
  { listener: 'fe', name: 'request fetches, cookie edge cases', send: `GET /f/c HTTP/1.1\r\nHost: h\r\nCookie: n="4;2", sid=q,r; $sid=9; sid; sid=last\r\nCookie: x\r\n${CLOSE}\r\n` },
  { listener: 'fe', name: 'request fetches, asterisk-form', send: `OPTIONS * HTTP/1.1\r\nHost: h\r\n${CLOSE}\r\n` },
  { listener: 'fe', name: 'acls, rich request', send: LONG_REQ.replace('GET /f/dir/page.html', 'GET /acl/f/dir/page.html') },
  { listener: 'fe', name: 'acls, absolute-form HTTP/1.0 POST', send: `POST http://10.0.0.5:8081/acl?a=1 HTTP/1.0\r\nContent-Length: 2\r\n\r\nhi` },
  { listener: 'fe', name: 'acls, second request', send: [`GET /acl HTTP/1.1\r\nHost: a\r\n\r\n`, `GET /acl/x.html HTTP/1.1\r\nHost: a\r\nCookie: sid=abc\r\nCookie: sid=de\r\n${CLOSE}\r\n`], pauseMs: 50 },
  { listener: 'fe', name: 'response fetches, several headers and cookies', send: `GET /r1 HTTP/1.1\r\nHost: x\r\n${CLOSE}\r\n` },
  { listener: 'fe', name: 'response fetches, HTTP/1.0 404', send: `GET /r2 HTTP/1.1\r\nHost: x\r\n${CLOSE}\r\n` },
  { listener: 'fe', name: 'response fetches, plain', send: `GET /r3 HTTP/1.1\r\nHost: x\r\n${CLOSE}\r\n` },
  { listener: 'body', name: 'body fetches, form', send: `POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 18\r\n${CLOSE}\r\na=1&b=two%20&a=3&c` },
  { listener: 'body', name: 'body fetches, chunked', send: `POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n${CLOSE}\r\n4\r\nb=x&\r\n3\r\na=9\r\n0\r\n\r\n` },
  { listener: 'body', name: 'body fetches, no body', send: `GET /b HTTP/1.1\r\nHost: x\r\n${CLOSE}\r\n` },
];

/** The `name=value` lines of every response in what the client received (bodies only). */
function fields(raw: Buffer): string[] {
  const out: string[] = [];
  const text = raw.toString('latin1');
  for (const part of text.split(/HTTP\/1\.[01] /).slice(1)) {
    const sep = part.indexOf('\r\n\r\n');
    const head = part.slice(0, sep);
    out.push(`[status ${head.slice(0, 3)}]`);
    // The backend's `http-response set-header x-f<i>` lines: one field per response expression.
    for (const m of head.matchAll(/^x-([fd])(\d+): ?(.*)$/gm)) out.push(`${(m[1] === 'f' ? RES : RES_DIR)[Number(m[2])]!}=${m[3]!.replace(/\r$/, '')}`);
    out.push(...part.slice(sep + 4).split('\n').filter((l) => l !== ''));
  }
  return out;
}

describe('issue 6 fetches and converters: haproxy 2.6 and Switchyard', { skip }, () => {
  let result: DifferentialResult | undefined;
  before(async () => {
    result = await differential({ config: CONFIG, origins: { web: { kind: 'http', respond } }, exchanges: EXCHANGES, settleMs: 50 });
  });
  for (const [i, e] of EXCHANGES.entries()) {
    it(e.name ?? String(i), () => {
      assert.ok(result !== undefined);
      const ref = fields(result.reference.exchanges[i]!.response);
      const got = fields(result.against.exchanges[i]!.response);
      assert.ok(ref.length > 1, `haproxy answered: ${result.reference.exchanges[i]!.response.toString('latin1')}`);
      const refMap = new Map(ref.filter((l) => !RES_DIR.includes(l.split('=')[0]!)).map((l, k) => [l.split('=')[0] ?? String(k), l]));
      const gotMap = new Map(got.map((l, k) => [l.split('=')[0] ?? String(k), l]));
      const diffs: string[] = [];
      for (const [k, l] of refMap) if (gotMap.get(k) !== l) diffs.push(`haproxy ${JSON.stringify(l)}, switchyard ${JSON.stringify(gotMap.get(k))}`);
      if (diffs.length > 0) assert.fail(`${diffs.length} field(s) differ:\n${diffs.join('\n')}`);
    });
  }
  it('hdr() and cookie() read the response in http-response rules', () => {
    assert.ok(result !== undefined);
    for (const i of EXCHANGES.flatMap((e, k) => (e.name?.startsWith('response fetches') ? [k] : []))) {
      const pick = (b: Buffer): string[] => fields(b).filter((l) => RES_DIR.includes(l.split('=')[0]!));
      assert.deepEqual(pick(result.against.exchanges[i]!.response), pick(result.reference.exchanges[i]!.response));
    }
  });
  it('no "not implemented" or "not enforced" warning', () => {
    assert.ok(result !== undefined);
    assert.doesNotMatch(result.against.output, /not (implemented|enforced)|cannot be evaluated/);
  });
});
