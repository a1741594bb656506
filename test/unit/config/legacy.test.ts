/** The 1.5 directives: translation to modern rules, legacy actions, order and warnings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, loadConfigText, proxyNamed } from '../../helpers/load-config.js';
import { legacyOptionWarning, orderLegacyRules } from '../../../src/config/legacy.js';

const PREFIX = 'parsing [t.cfg:4] : ';

test('reqadd becomes http-request add-header', () => {
  const r = loadConfigText(listen('reqadd X-Forwarded-Proto:\\ https'));
  assert.deepEqual(r.alerts, []);
  assert.deepEqual(r.warnings, [
    `${PREFIX}'reqadd X-Forwarded-Proto:\\ https' is a legacy HAProxy 1.5 directive, refused by HAProxy 2.1+; Switchyard runs it as 'http-request add-header X-Forwarded-Proto https'.`,
  ]);
  const rule = proxyNamed(r, 'fe').rules.httpRequest[0]!;
  assert.equal(rule.action, 'add-header');
  assert.deepEqual(rule.legacy, { line: 'reqadd X-Forwarded-Proto:\\ https', phase: 'add' });
  assert.ok(rule.data?.kind === 'header' && rule.data.name === 'X-Forwarded-Proto' && rule.data.value?.text === 'https');
});

test('rspadd escapes % for the log-format value', () => {
  const r = loadConfigText(listen('rspadd X-Load:\\ 100%'));
  assert.ok(r.warnings[0]?.endsWith("Switchyard runs it as 'http-response add-header X-Load 100%%'."), r.warnings[0]);
});

test('reqidel ^Name: is exactly del-header; reqdel keeps 1.5 semantics', () => {
  const r = loadConfigText(listen('reqidel ^X-Forwarded-For:', 'reqdel ^X-Forwarded-For:.*'));
  const rules = proxyNamed(r, 'fe').rules.httpRequest;
  assert.equal(rules[0]!.action, 'del-header');
  assert.equal(rules[1]!.action, 'legacy-delete');
  assert.ok(rules[1]!.data?.kind === 'legacy-line' && rules[1]!.data.regex === '^X-Forwarded-For:.*' && !rules[1]!.data.caseInsensitive);
  assert.ok(r.warnings[1]?.includes("The closest modern rule is 'http-request del-header X-Forwarded-For'."), r.warnings[1]);
});

test('reqirep on a header becomes replace-header, on the request line a legacy action', () => {
  const r = loadConfigText(listen('reqirep ^Host:\\ (.*)\\.old\\.com Host:\\ \\1.new.com', 'reqrep ^([^\\ :]*)\\ /static/(.*) \\1\\ /\\2'));
  const rules = proxyNamed(r, 'fe').rules.httpRequest;
  assert.equal(rules[0]!.action, 'replace-header');
  assert.ok(rules[0]!.data?.kind === 'header' && rules[0]!.data.regex === '(?i)^(.*)\\.old\\.com');
  assert.equal(rules[1]!.action, 'legacy-replace');
  assert.ok(rules[1]!.data?.kind === 'legacy-line' && rules[1]!.data.text === '\\1 /\\2');
});

test('block is http-request deny placed before the http-request rules', () => {
  const r = loadConfigText(listen('http-request set-header A b', 'block if TRUE', 'reqdeny ^X-Bad:', 'reqadd X-A:\\ 1', 'http-request set-header C d'));
  assert.deepEqual(r.alerts, []);
  const rules = proxyNamed(r, 'fe').rules.httpRequest;
  assert.deepEqual(rules.map((x) => x.action), ['deny', 'set-header', 'set-header', 'legacy-deny', 'add-header']);
  assert.ok(r.warnings.some((w) => w.includes("Switchyard runs it as 'http-request deny if TRUE', placed before the other http-request rules.")));
});

test('orderLegacyRules is stable', () => {
  const place = { file: 'x', line: 1 };
  const list = [
    { place, action: 'a', args: [], legacy: { line: 'reqadd', phase: 'add' as const } },
    { place, action: 'b', args: [] },
    { place, action: 'c', args: [], legacy: { line: 'block', phase: 'block' as const } },
    { place, action: 'd', args: [] },
  ];
  orderLegacyRules(list);
  assert.deepEqual(list.map((x) => x.action), ['c', 'b', 'd', 'a']);
});

test('errors in legacy directives', () => {
  assert.deepEqual(loadConfigText(listen('reqadd')).alerts, [`${PREFIX}'reqadd' expects <header> as argument.`]);
  assert.deepEqual(loadConfigText(listen('reqrep (')).alerts, [`${PREFIX}'reqrep' expects <search> and <replace> as arguments.`]);
  assert.deepEqual(loadConfigText(listen('reqdeny ( x')).alerts, [`${PREFIX}'reqdeny' expects either 'if' or 'unless' followed by a condition but found 'x'.`]);
  assert.deepEqual(loadConfigText(listen('reqdeny (')).alerts, [`${PREFIX}'reqdeny (': regex '(' is invalid (error=missing closing parenthesis, erroffset=1).`]);
  assert.deepEqual(loadConfigText('defaults\n  reqadd X:\\ y').alerts, ["parsing [t.cfg:2] : 'reqadd' not allowed in 'defaults' section."]);
});

test('redispatch, appsession and legacy options', () => {
  const r = loadConfigText(listen('redispatch', 'appsession JSESSIONID len 52 timeout 3h'));
  assert.deepEqual(r.alerts, []);
  const p = proxyNamed(r, 'fe');
  assert.equal(p.options.get('redispatch'), true);
  assert.ok(r.warnings[1]?.includes("'stick on req.cook(JSESSIONID)'"), r.warnings[1]);
  // haproxy's own removal message comes first.
  assert.ok(r.warnings[1]?.includes("'appsession' is not supported anymore since HAProxy 1.6"), r.warnings[1]);
  assert.ok(legacyOptionWarning('forceclose')?.includes("'option httpclose'"));
  assert.equal(legacyOptionWarning('httpclose'), undefined);
});
