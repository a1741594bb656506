/**
 * tcp-request / tcp-response: haproxy 2.6's messages from `haproxy -c` on the
 * same lines (in a `listen fe`, so haproxy says "proxy 'fe'").
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listen, loadConfigText, proxyNamed, proxySection, type ProxySectionKind } from '../../helpers/load-config.js';
import { tcpRuleSetActions } from '../../../src/tcp/rule-keywords.js';

function alertOf(line: string, kind: ProxySectionKind = 'listen'): string | undefined {
  const r = loadConfigText(proxySection(kind, line));
  assert.ok(r.alerts.length <= 1, r.alerts.join('\n'));
  return r.alerts[0];
}

test('valid tcp rules are stored', () => {
  // The tracked table must exist: the post-parse checks look it up, as haproxy does.
  const table = '\nbackend t\n  stick-table type ip size 1k';
  const r = loadConfigText(listen(
    'tcp-request inspect-delay 5s',
    'tcp-request connection expect-proxy layer4',
    'tcp-request session accept',
    'tcp-request content capture src len 10',
    'tcp-request content track-sc1 src table t',
    'tcp-request content switch-mode http proto h2',
    'tcp-response content close',
  ) + table);
  assert.deepEqual(r.alerts, []);
  const p = proxyNamed(r, 'fe');
  assert.deepEqual(p.rules.tcpRequestConnection.map((x) => x.action), ['expect-proxy']);
  assert.deepEqual(p.rules.tcpRequestSession.map((x) => x.action), ['accept']);
  assert.deepEqual(p.rules.tcpRequestContent.map((x) => x.action), ['capture', 'track-sc', 'switch-mode']);
  const trk = p.rules.tcpRequestContent[1]!.data;
  assert.ok(trk?.kind === 'counter' && trk.sc === 1 && trk.table === 't');
  assert.deepEqual(p.rules.tcpResponseContent.map((x) => x.action), ['close']);
  assert.deepEqual(p.directives.filter((d) => d.keyword === 'tcp-request').map((d) => d.args), [['inspect-delay', '5000']]);
});

test('unknown actions: the list, the suggestion, the trailing newline', () => {
  const a = alertOf('tcp-request content acept');
  assert.equal(
    a,
    "parsing [t.cfg:4] : 'tcp-request content' expects 'accept', 'reject', 'capture', 'expect-proxy', 'expect-netscaler-cip', 'track-sc0' ... 'track-sc2', 'ot-group', 'set-log-level', 'set-nice', 'switch-mode', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-src', 'set-src-port', 'set-dst', 'set-dst-port', 'set-mark', 'set-tos', 'silent-drop', 'set-priority-class', 'set-priority-offset' in proxy 'fe' (got 'acept'). Did you mean 'accept' maybe ?\n",
  );
  assert.equal(
    alertOf('tcp-response content foo'),
    "parsing [t.cfg:4] : 'tcp-response content' expects 'accept', 'close', 'reject', 'ot-group', 'set-log-level', 'set-nice', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)', 'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)', 'set-mark', 'set-tos', 'silent-drop' in proxy 'fe' (got 'foo').",
  );
  // set-log-level exists, but not at the connection level.
  assert.ok(alertOf('tcp-request connection set-log-level x')?.includes("in proxy 'fe' (got 'set-log-level')."));
  assert.equal(tcpRuleSetActions('tcp-request session').length, 23);
});

test('an invalid tcp rule does not stop parsing', () => {
  // Both lines are read: each reports its alert.
  const r = loadConfigText(listen('tcp-request foo', 'tcp-response bar'));
  assert.deepEqual(r.alerts, [
    "parsing [t.cfg:4] : 'tcp-request' expects 'inspect-delay', 'connection', or 'content' in proxy 'fe' (got 'foo')",
    "parsing [t.cfg:5] : 'tcp-response' expects 'inspect-delay' or 'content' in proxy 'fe' (got 'bar')",
  ]);
});

test('sub-keyword and built-in action errors', () => {
  const cases: [string, string, ProxySectionKind?][] = [
    ['tcp-request', "parsing [t.cfg:4] : missing argument for 'tcp-request' in proxy 'fe'"],
    ['tcp-request inspect-delay', "parsing [t.cfg:4] : 'tcp-request inspect-delay' expects a positive delay in milliseconds, in proxy 'fe'"],
    ['tcp-request inspect-delay 5x', "parsing [t.cfg:4] : 'tcp-request inspect-delay' expects a positive delay in milliseconds, in proxy 'fe' (unexpected character 'x')"],
    ['tcp-request connection accept x', "parsing [t.cfg:4] : 'tcp-request connection accept' only accepts 'if' or 'unless', in proxy 'fe' (got 'x')"],
    ['tcp-request connection expect-proxy layer7', "parsing [t.cfg:4] : 'tcp-request connection expect-proxy' only supports 'layer4' in proxy 'fe' (got 'layer7')"],
    ['tcp-request session expect-proxy layer4', "parsing [t.cfg:4] : 'expect-proxy layer4' is not allowed in 'tcp-request session' rules in proxy 'fe'"],
    ['tcp-request connection capture src len 10', "parsing [t.cfg:4] : 'capture src' is not allowed in 'tcp-request connection' rules in proxy 'fe'"],
    ['tcp-request content capture src len x', "parsing [t.cfg:4] : 'tcp-request content capture' : length must be > 0"],
    ['tcp-request content track-sc3 src', "parsing [t.cfg:4] : 'tcp-request content track-sc3' : 3 track-sc number exceeding 2 (MAX_SESS_STKCTR-1) value"],
    ['tcp-request content switch-mode', "parsing [t.cfg:4] : 'tcp-request switch-mode' expects a mode as argument."],
    ['tcp-request content switch-mode tcp', "parsing [t.cfg:4] : 'tcp-request switch-mode' expects a valid mode (got 'tcp')."],
    ['tcp-request content switch-mode http proto h9', "parsing [t.cfg:4] : 'tcp-request switch-mode': 'proto' expects a valid MUX protocol, if specified (got 'h9')"],
    ['tcp-request content set-varr(a)', "parsing [t.cfg:4] : invalid or incomplete action 'set-varr(a)'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'"],
    ['tcp-request content use-service prometheus-exporter', "parsing [t.cfg:4] : Prometheus exporter service only available on 'http-request' rulesets"],
    ['tcp-response content close', "parsing [t.cfg:4] : tcp-response content is only allowed in 'backend' sections or 'defaults' section with a name", 'frontend'],
    ['tcp-request connection reject', 'parsing [t.cfg:4] : tcp-request connection is not allowed because backend fe is not a frontend', 'backend'],
    ['tcp-request content capture src len 1', "parsing [t.cfg:4] : 'tcp-request content capture' : proxy 'fe' has no frontend capability", 'backend'],
  ];
  for (const [line, want, kind] of cases) assert.equal(alertOf(line, kind), want, line);
});

test('defaults sections', () => {
  assert.deepEqual(loadConfigText('defaults\n  tcp-request content reject').alerts, ["parsing [t.cfg:2] : tcp-request content is not allowed in anonymous 'defaults' sections"]);
  assert.deepEqual(loadConfigText('defaults\n  tcp-request foo').alerts, ["parsing [t.cfg:2] : 'tcp-request' expects 'inspect-delay', 'connection', or 'content' in defaults section (got 'foo')"]);
  assert.deepEqual(loadConfigText('defaults d\n  tcp-request content reject\n  tcp-response content close').alerts, []);
  assert.deepEqual(loadConfigText('defaults\n  tcp-response content close').alerts, ["parsing [t.cfg:2] : tcp-response content is only allowed in 'backend' sections or 'defaults' section with a name"]);
});

test('misplaced rules and a second inspect-delay warn', () => {
  const r = loadConfigText(listen('http-request deny', 'tcp-request content accept', 'tcp-request connection reject', 'tcp-request inspect-delay 1s', 'tcp-request inspect-delay 2s'));
  assert.deepEqual(r.warnings, [
    "parsing [t.cfg:5] : a 'tcp-request' rule placed after an 'http-request' rule will still be processed before.",
    "parsing [t.cfg:6] : a 'tcp-request' rule placed after a 'tcp-request content' rule will still be processed before.",
    "parsing [t.cfg:8] : ignoring tcp-request inspect-delay (was already defined) in proxy 'fe'",
  ]);
});
