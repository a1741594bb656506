/**
 * http-request / http-response / http-after-response / redirect: the
 * messages below are haproxy 2.6's, taken from `haproxy -c` on the same lines
 * (in a `listen fe`, so haproxy says "proxy 'fe'").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, loadConfigText, proxyNamed } from '../../helpers/load-config.js';
import { actionSuggest, listedKeywords, strtol } from '../../../src/http/rule-parser.js';
import { httpRuleSetActions } from '../../../src/http/rule-keywords.js';
import { checkRegex } from '../../../src/http/rule-regex.js';

const ERR = (rule: string, msg: string): string =>
  `parsing [t.cfg:4] : error detected in proxy 'fe' while parsing '${rule}' rule : ${msg}.`;

/** The single alert for one rule line, or undefined. */
function alertOf(line: string): string | undefined {
  const r = loadConfigText(listen(line));
  assert.ok(r.alerts.length <= 1, r.alerts.join('\n'));
  return r.alerts[0];
}

test('valid http rules are stored with their action data', () => {
  const r = loadConfigText(listen(
    'http-request set-header X-A %[src]',
    'http-request deny deny_status 429',
    'http-request return status 200 content-type text/plain string ok',
    'http-request redirect location /x code 301',
    'http-response set-status 503 reason "Busy now"',
    'http-after-response del-header Server',
    'http-request set-var(txn.k,ifnotset) str(a)',
  ));
  assert.deepEqual(r.alerts, []);
  const p = proxyNamed(r, 'fe');
  assert.deepEqual(p.rules.httpRequest.map((x) => x.action), ['set-header', 'deny', 'return', 'redirect', 'set-var']);
  const deny = p.rules.httpRequest[1]!;
  assert.equal(deny.final, true);
  assert.equal(deny.data?.kind === 'reply' ? deny.data.status : 0, 429);
  const ret = p.rules.httpRequest[2]!.data;
  assert.ok(ret?.kind === 'reply' && ret.contentType === 'text/plain' && ret.body?.value === 'ok');
  const redir = p.rules.httpRequest[3]!.data;
  assert.ok(redir?.kind === 'redirect' && redir.code === 301 && redir.type === 'location');
  const setvar = p.rules.httpRequest[4]!.data;
  assert.ok(setvar?.kind === 'variable' && setvar.scope === 'txn' && setvar.name === 'k');
  assert.deepEqual(setvar.conditions, ['ifnotset']);
  assert.equal(p.rules.httpResponse[0]!.data?.kind, 'settings');
  assert.equal(p.rules.httpAfterResponse[0]!.action, 'del-header');
});

test('unknown actions list what the rule set expects, with a suggestion', () => {
  const a = alertOf('http-request set-heade x y');
  assert.ok(a?.startsWith("parsing [t.cfg:4]: 'http-request' expects 'wait-for-handshake', 'ot-group', "), a);
  assert.ok(a?.endsWith("'set-priority-offset', but got 'set-heade'. Did you mean 'set-header' maybe ?"), a);
  assert.equal(
    alertOf('http-after-response foo'),
    "parsing [t.cfg:4]: 'http-after-response' expects 'ot-group', 'add-header', 'allow', 'capture', 'del-header', 'replace-header', 'replace-value', 'set-header', 'set-status', 'strict-mode', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', but got 'foo'.",
  );
  assert.ok(alertOf('http-response')?.endsWith("but got '' (missing argument)."));
  // set-status is a response action: haproxy suggests 'set-dst' for it in http-request.
  assert.ok(alertOf('http-request set-status 200')?.endsWith("but got 'set-status'. Did you mean 'set-dst' maybe ?"));
});

test('an invalid http rule stops parsing (ERR_ABORT)', () => {
  // The second line is never read, so it reports nothing.
  const r = loadConfigText(listen('http-request foo', 'http-request bar'));
  assert.equal(r.alerts.length, 1);
  assert.match(r.alerts[0]!, /but got 'foo'/);
});

test('action argument errors use haproxy wording', () => {
  const cases: [string, string][] = [
    ['http-request add-header x', ERR('http-request add-header', 'expects exactly 2 arguments')],
    ['http-request del-header', ERR('http-request del-header', 'expects at least 1 argument')],
    ['http-request del-header x -m foo', ERR('http-request del-header', "-m with unsupported matching method 'foo'")],
    ['http-request replace-header x y', ERR('http-request replace-header', 'expects exactly 3 arguments')],
    ['http-request replace-header x ( z', ERR('http-request replace-header', "regex '(' is invalid (error=missing closing parenthesis, erroffset=1)")],
    ['http-request replace-uri ( z', ERR('http-request replace-uri', "failed to parse the regex : regex '(' is invalid (error=missing closing parenthesis, erroffset=1)")],
    ['http-request set-method GET x', ERR('http-request set-method', 'expects exactly 1 argument <format>')],
    ['http-request deny deny_status 999', ERR('http-request deny', "Unexpected status code '999'")],
    ['http-request deny deny_status', ERR('http-request deny', "'status' expects <status_code> as argument")],
    ['http-request deny string foo', ERR('http-request deny', 'a content type must be defined when non-empty payload is configured')],
    ['http-request return status 204 content-type text/plain string hi', ERR('http-request return', 'No body expected for 204 responses')],
    ['http-request return status 200 file /nonexistent', ERR('http-request return', "error opening file '/nonexistent'")],
    ['http-request return status 200 errorfile /nonexistent', ERR('http-request return', "error opening file '/nonexistent'.")],
    ['http-request return content-type t string a lf-string b', ERR('http-request return', "unexpected 'lf-string' argument, 'string' already defined")],
    ['http-request return status 200 hdr x', ERR('http-request return', "'hdr' expects <name> and <value> as arguments")],
    ['http-request redirect', ERR('http-request redirect', "redirection type expected ('prefix', 'location', or 'scheme')")],
    ['http-request redirect location /x code 999', ERR('http-request redirect', "'code': unsupported HTTP code '999' (must be one of 301, 302, 303, 307 or 308)")],
    ['http-request redirect location /x foo', ERR('http-request redirect', "expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was 'foo')")],
    ['http-response redirect prefix /x', ERR('http-response redirect', "response only supports redirect type 'location'")],
    ['http-request auth realm', ERR('http-request auth', 'missing realm value.\n')],
    ['http-request capture req.hdr(host) len 0', ERR('http-request capture', 'length must be > 0')],
    ['http-request capture req.hdr(host)', ERR('http-request capture', "expects <expression> [ 'len' <length> | id <idx> ]")],
    ['http-request capture req.hdr(host) foo 1', ERR('http-request capture', "expects 'len' or 'id', found 'foo'")],
    ['http-request capture req.hdr(host) id x', ERR('http-request capture', "cannot parse id 'x'")],
    ['http-response capture res.hdr(x) len 1', ERR('http-response capture', "expects 'id', found 'len'")],
    ['http-request cache-use', ERR('http-request cache-use', 'expects a cache name')],
    ['http-request set-timeout client 5s', ERR('http-request set-timeout', "'set-timeout' rule supports 'server'/'tunnel' (got 'client')")],
    ['http-request set-timeout server 5x', ERR('http-request set-timeout', "unexpected character 'x' in rule 'set-timeout server'")],
    ['http-request wait-for-body time x', ERR('http-request wait-for-body', "unexpected character 'x'")],
    ['http-request wait-for-body time 1s at-least', ERR('http-request wait-for-body', "missing argument for 'at-least'")],
    ['http-request strict-mode x', ERR('http-request strict-mode', "Unexpected value 'x'. Only 'on' and 'off' are supported")],
    ['http-response set-status 99', ERR('http-response set-status', 'expects an integer status code between 100 and 999')],
    ['http-request set-var(x) str(a)', ERR('http-request set-var(x)', "invalid variable name 'x'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'")],
    ['http-request set-var(txn.a-b) str(a)', ERR('http-request set-var(txn.a-b)', "invalid syntax at char '-b)'")],
    ['http-request set-var(txn.x,bad) str(a)', ERR('http-request set-var(txn.x,bad)', 'unknown condition "bad"')],
    ['http-request set-var() str(a)', ERR('http-request set-var()', 'Empty variable name cannot be accepted')],
    ['http-request unset-var(txn.x,ifexists)', ERR('http-request unset-var(txn.x,ifexists)', 'unset-var does not expect parameters after the variable name. Only "set-var" and "set-var-fmt" manage conditions')],
    ['http-request track-sc3 src', ERR('http-request track-sc3', '3 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value')],
    ['http-request track-scx src', ERR('http-request track-scx', "Wrong track-sc number 'x'")],
    ['http-request sc-inc-gpc0(3)', ERR('http-request sc-inc-gpc0(3)', 'invalid stick table track ID. The max allowed ID is 2')],
    ['http-request sc-inc-gpc(1)', ERR('http-request sc-inc-gpc(1)', "Missing gpc ID 'sc-inc-gpc(1)'. Expects sc-inc-gpc(<GPC ID>,<Track ID>)")],
    ['http-request sc-set-gpt(0) 1', ERR('http-request sc-set-gpt(0)', "Missing gpt ID 'sc-set-gpt(0)'. Expects sc-set-gpt(<GPT ID>,<Track ID>)")],
    ['http-request set-log-level foo', ERR('http-request set-log-level', "expects exactly 1 argument (log level name or 'silent')")],
    ['http-request set-mark 12x', ERR('http-request set-mark', "invalid character starting at 'x' (integer/hex value expected)")],
    ['http-request do-resolve(txn.x) src', ERR('http-request do-resolve(txn.x)', "Can't parse 'do-resolve(txn.x)'. Expects 'do-resolve(<varname>,<resolvers>[,<options>]) <expr>'. Available options are 'ipv4' and 'ipv6'")],
    ['http-request use-service foo', ERR('http-request use-service', "'foo' unknown service name.")],
    ['http-request send-spoe-group a', ERR('http-request send-spoe-group', 'expects 2 arguments: <engine-id> <group-id>')],
    ['http-request add-acl(/etc/x)', ERR('http-request add-acl(/etc/x)', 'expects exactly 1 arguments')],
    ['http-request set-map(/etc/x) a', ERR('http-request set-map(/etc/x)', 'expects exactly 2 arguments')],
  ];
  for (const [line, want] of cases) assert.equal(alertOf(line), want, line);
});

test('trailing words must be a condition', () => {
  assert.equal(
    alertOf('http-request add-header x y z'),
    "parsing [t.cfg:4]: 'http-request add-header' expects either 'if' or 'unless' followed by a condition but found 'z'.",
  );
  assert.equal(
    alertOf('http-response set-status 200 reason'),
    "parsing [t.cfg:4]: 'http-response set-status' expects either 'if' or 'unless' followed by a condition but found 'reason'.",
  );
});

test('normalize-uri is experimental', () => {
  assert.equal(
    alertOf('http-request normalize-uri path-merge-slashes'),
    "parsing [t.cfg:4] : 'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'",
  );
});

// haproxy -c accepts this (verified); regression: the rule parser once looked
// for the global keyword where the global section did not record it.
test('normalize-uri is accepted after expose-experimental-directives', () => {
  const ok = loadConfigText(`global\n  expose-experimental-directives\n${listen('http-request normalize-uri path-strip-dotdot full')}`);
  assert.deepEqual(ok.alerts, []);
});

test('reply warnings and final-rule warnings', () => {
  const r = loadConfigText(listen('http-request deny content-type text/plain', 'http-request return status 200 hdr content-length 1', 'http-request allow', 'http-request deny'));
  assert.deepEqual(r.warnings, [
    "parsing [t.cfg:4] : content-type 'text/plain' ignored by the http reply because neither errorfile nor payload defined.",
    "parsing [t.cfg:5]: previous 'http-request' action is final and has no condition attached, further entries are NOOP.",
    "parsing [t.cfg:5] : header 'content-length' always ignored by the http reply.",
    "parsing [t.cfg:6]: previous 'http-request' action is final and has no condition attached, further entries are NOOP.",
    "parsing [t.cfg:7]: previous 'http-request' action is final and has no condition attached, further entries are NOOP.",
  ]);
});

test('defaults sections', () => {
  assert.deepEqual(loadConfigText('defaults\n  http-request deny').alerts, ["parsing [t.cfg:2] : 'http-request' not allowed in anonymous 'defaults' section."]);
  assert.deepEqual(loadConfigText('defaults d\n  http-request deny').alerts, []);
  assert.deepEqual(loadConfigText('defaults d\n  redirect location /').alerts, ["parsing [t.cfg:2] : 'redirect' not allowed in 'defaults' section."]);
});

test('the redirect keyword', () => {
  const r = loadConfigText(listen('redirect scheme https code 301 drop-query'));
  assert.deepEqual(r.alerts, []);
  const rule = proxyNamed(r, 'fe').rules.redirect[0];
  assert.ok(rule?.data?.kind === 'redirect' && rule.data.type === 'scheme' && rule.data.dropQuery && rule.data.target.format === undefined);
  assert.equal(
    alertOf('redirect scheme'),
    "parsing [t.cfg:4] : error detected in proxy 'fe' while parsing redirect rule : missing argument for 'scheme'.",
  );
});

test('the action lists and helpers', () => {
  assert.equal(httpRuleSetActions('http-response').length, 34);
  const kws = listedKeywords(httpRuleSetActions('http-request'));
  assert.equal(actionSuggest('denyy', kws), 'deny');
  assert.equal(actionSuggest('iff', kws), undefined);
  assert.deepEqual(strtol('0x1fz', 0), { value: 31, rest: 'z' });
  assert.deepEqual(strtol('-3)'), { value: -3, rest: ')' });
  assert.equal(checkRegex('a{2,1}'), "regex 'a{2,1}' is invalid (error=numbers out of order in {} quantifier, erroffset=5)");
  assert.equal(checkRegex('[a'), "regex '[a' is invalid (error=missing terminating ] for character class, erroffset=2)");
  assert.equal(checkRegex('(?z)'), "regex '(?z)' is invalid (error=unrecognized character after (? or (?-, erroffset=2)");
  assert.equal(checkRegex('a**'), "regex 'a**' is invalid (error=quantifier does not follow a repeatable item, erroffset=2)");
  assert.equal(checkRegex('^([^\\ :]*)\\ /static/(.*)'), undefined);
});
