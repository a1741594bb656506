/**
 * Check rules without sockets: step numbering, the format subset, expects
 * fed bytes, the state texts and the health counter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileCheckFormat, evalCheckFormat, compileCheckExpr, evalCheckInt } from '../../../src/server/checks/check-format.js';
import { tcpCheckRuleset } from '../../../src/server/checks/tcp-check.js';
import { httpCheckRuleset } from '../../../src/server/checks/http-check.js';
import { stepOf } from '../../../src/server/checks/engine.js';
import { tcpExpect, type ExpectContext } from '../../../src/server/checks/rules.js';
import { asciiEncode, clampDesc, statusDescription, statusHasCode } from '../../../src/server/checks/status.js';
import { smtpCommand } from '../../../src/server/checks/smtp.js';
import type { Directive } from '../../../src/config/model/common.js';

const place = { file: 't.cfg', line: 1 };
const lines = (kw: string, ...l: string[][]): Directive[] => l.map((args) => ({ keyword: kw, args, place }));

function ctx(payload: string, lastRead = false, kind: ExpectContext['kind'] = 'tcp'): ExpectContext {
  return { payload: Buffer.from(payload, 'latin1'), vars: new Map(), lastRead, kind, step: 2, isLast: true, code: 0, disable404: false };
}

test('step numbers: implicit connect is step 0, rules count from 1 in the order written (comments included)', () => {
  const rs = tcpCheckRuleset(lines('tcp-check', ['comment', 'hello'], ['send', 'x'], ['expect', 'string', 'y'], ['set-var(check.a)', 'int(1)'], ['expect', 'string', 'z']));
  assert.deepEqual(rs.rules.map((r) => `${r.action}:${stepOf(r)}`), ['connect:0', 'comment:1', 'send:2', 'expect:3', 'action:4', 'expect:5']);
  assert.equal(rs.rules[2]?.comment, 'hello', 'a comment line names the next rule');
  const heads = rs.rules.map((r) => (r.action === 'expect' ? r.head : -1));
  assert.deepEqual(heads, [-1, -1, -1, 3, -1, 3], 'a set-var does not break a run of expects');
  const explicit = tcpCheckRuleset(lines('tcp-check', ['connect', 'port', '80'], ['send', 'x']));
  assert.equal(explicit.rules.length, 2);
  assert.equal(stepOf(explicit.rules[0]), 1);
});

test('http rule set: the option request first, the first send merged, an implicit status expect last', () => {
  const rs = httpCheckRuleset(['GET', '/x'], lines('http-check', ['send', 'hdr', 'Host', 'h'], ['disable-on-404']));
  assert.deepEqual(rs.rules.map((r) => r.action), ['connect', 'send', 'expect']);
  const send = rs.rules[1];
  assert.ok(send?.action === 'send');
  assert.equal(send.data({ payload: Buffer.alloc(0), vars: new Map(), serverState: () => '' }).toString(), 'GET /x HTTP/1.0\r\nhost: h\r\n\r\n');
  const e = rs.rules[2];
  assert.ok(e?.action === 'expect');
  assert.equal(e.kind, 'http-status');
  assert.equal(e.pattern, '200-399');
});

test('tcp expects: wait for more data, min-recv is conclusive, inverse, regex on the hex dump', () => {
  const s = tcpExpect(1, 'string', '+PONG', false, {});
  assert.deepEqual(s.evaluate(ctx('+PO')), { verdict: 'wait' });
  assert.deepEqual(s.evaluate(ctx('-ERR x')), { verdict: 'wait' }, 'no min-recv: a mismatch waits for more');
  assert.deepEqual(s.evaluate(ctx('xx+PONG')), { verdict: 'continue' });
  const stop = s.evaluate(ctx('-ERR x', true));
  assert.deepEqual(stop, { verdict: 'stop', status: 'L7RSP', desc: "TCPCHK did not match content '+PONG' at step 2" });
  const m = tcpExpect(1, 'rstring', '^OK', false, { minRecv: 2 });
  assert.equal(m.evaluate(ctx('NO')).verdict, 'stop');
  const inv = tcpExpect(1, 'string', 'ERR', true, {});
  assert.deepEqual(inv.evaluate(ctx('-ERR')), { verdict: 'stop', status: 'L7RSP', desc: "TCPCHK matched unwanted content 'ERR' at step 2" });
  const hex = tcpExpect(1, 'rbinary', '^1[56]', false, { minRecv: 5, errStatus: 'L6RSP' });
  assert.equal(hex.evaluate(ctx('\x16\x03\x03\x00\x10')).verdict, 'continue');
  assert.deepEqual(hex.evaluate(ctx('HTTP/', false, 'ssl3')), { verdict: 'stop', status: 'L6RSP', desc: '' });
});

test('format subset: res.payload, cut_crlf, ltrim, var, hex/htonl; status-code expressions', () => {
  const c = { payload: Buffer.from('554  no service\r\nmore', 'latin1'), vars: new Map([['smtp_cmd', 'HELO x']]) };
  assert.equal(evalCheckFormat(compileCheckFormat("%[res.payload(4,0),ltrim(' '),cut_crlf]"), c), 'no service');
  assert.equal(evalCheckFormat(compileCheckFormat('%[var(check.smtp_cmd)]\r\n'), c), 'HELO x\r\n');
  assert.equal(evalCheckFormat(compileCheckFormat('a %% b %[int(21),htonl,hex]'), c), 'a % b 00000015');
  assert.equal(evalCheckFormat(compileCheckFormat('%[res.payload(99,1)]x'), c), 'x', 'a missing sample writes nothing');
  assert.equal(evalCheckInt(compileCheckExpr('res.payload(0,3)')!, c), 554);
  assert.equal(smtpCommand(['EHLO', 'mail.example.org']), 'EHLO mail.example.org');
  assert.equal(smtpCommand(['ehlo', 'x']), 'HELO localhost');
});

test('status texts: descriptions, codes from L7OK on, info encoding and length', () => {
  assert.equal(statusDescription('L7STS'), 'Layer7 wrong status');
  assert.equal(statusHasCode('L7OK'), true);
  assert.equal(statusHasCode('L7RSP'), false);
  assert.equal(statusHasCode('PROCERR'), true);
  assert.equal(asciiEncode('a"b\r\n\x01é'), 'a\\"b\\r\\n\\x01\\xe9');
  assert.equal(clampDesc('FATAL\0C28000'), 'FATAL');
  assert.equal(clampDesc('x'.repeat(200)).length, 127);
});
