import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addAclTerm, parseAclLine, predefinedAcl, PREDEFINED_ACLS, type AclDefinition } from '../../../src/acl/acl.js';
import { conditionConflictWarning, conditionUsesL6, parseCondition } from '../../../src/acl/condition.js';
import type { ParseCtx } from '../../../src/sample/types.js';

const place = { file: 'f', line: 3 };
const aclCtx: ParseCtx = { place, usage: 'acl', proxyMode: 'http' };
const ruleCtx: ParseCtx = { place, usage: 'http-request', proxyMode: 'http', proxyCap: { frontend: true, backend: false } };

test('an acl line: keyword, flags, operators, patterns', () => {
  const r = parseAclLine(['a', 'dst_port', 'gt', '80', 'le', '90', '1:5'], aclCtx);
  assert.ok(r.ok);
  assert.equal(r.term.match, 'int');
  assert.deepEqual(r.term.patterns, [{ kind: 'range', min: 81 }, { kind: 'range', max: 90 }, { kind: 'range', min: 1, max: 5 }]);
  const k = parseAclLine(['b', 'path_beg', '-i', '/api'], aclCtx);
  assert.ok(k.ok);
  assert.equal(k.term.kw, 'path_beg');
  assert.equal(k.term.match, 'beg');
  assert.equal(k.term.ignoreCase, true);
});

test('pattern files are read at parse time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sy-acl-'));
  try {
    const f = join(dir, 'p.txt');
    writeFileSync(f, '# comment\n  10.0.0.0/8\n\n127.0.0.1\nbad\n');
    const r = parseAclLine(['a', 'src', '-f', f], aclCtx);
    assert.ok(!r.ok);
    assert.equal(r.message, `error detected while parsing ACL 'a' : 'bad' is not a valid IPv4 or IPv6 address at line 5 of file '${f}'.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("haproxy's acl messages", () => {
  const msg = (w: string): string => {
    const r = parseAclLine(w.split(' '), aclCtx);
    assert.ok(!r.ok, w);
    return r.message;
  };
  assert.equal(msg('a foo'), "error detected while parsing ACL 'a' : unknown fetch method 'foo' in ACL expression 'foo'.");
  assert.equal(msg('a hdr(host,x) y'), "error detected while parsing ACL 'a' : ACL keyword 'hdr' : failed to parse 'x' as type 'integer' at position 2.");
  assert.equal(msg('a(b) src'), "character '(' is not permitted in acl name 'a(b)'.");
  assert.equal(msg('a var(txn.x) 1'), "error detected while parsing ACL 'a' : matching method must be specified first (using '-m') when using a sample fetch of this type ('var').");
  assert.equal(msg('a bin(00) -m int 1'), "error detected while parsing ACL 'a' : matching method 'int' cannot be used with fetch keyword 'bin'.");
  assert.equal(msg('a src -x'), "error detected while parsing ACL 'a' : '-x' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'.");
});

test('no-pattern warning', () => {
  const r = parseAclLine(['a', 'hdr(host)'], aclCtx);
  assert.ok(r.ok);
  assert.match(r.warnings[0] ?? '', /^parsing acl keyword 'hdr\(host\)' :\n  no pattern to match against were provided/);
});

test('predefined ACLs all parse', () => {
  for (const [name] of PREDEFINED_ACLS) assert.ok(predefinedAcl(name, place), name);
  assert.equal(predefinedAcl('HTTP_3.0', place), undefined);
});

test('conditions: and, or, negation, anonymous ACLs, undefined names', () => {
  const acls = new Map<string, AclDefinition>();
  const a = parseAclLine(['a', 'src', '1.2.3.4'], aclCtx);
  assert.ok(a.ok);
  addAclTerm(acls, 'a', a.term);
  const scope = { lookup: (n: string) => acls.get(n) };
  const r = parseCondition(['if', '!a', 'TRUE', 'or', '!', '{', 'path', '/x', '}', '||', 'FALSE'], 0, scope, ruleCtx);
  assert.ok(r.ok);
  assert.equal(r.cond.polarity, 'if');
  assert.deepEqual(r.cond.suites.map((s) => s.map((t) => `${t.negate ? '!' : ''}${t.acl.name || '{}'}`)), [['!a', 'TRUE'], ['!{}'], ['FALSE']]);
  const u = parseCondition(['unless', 'nope'], 0, scope, ruleCtx);
  assert.deepEqual(u, { ok: false, message: "no such ACL : 'nope'" });
  const b = parseCondition(['if', '{', 'src', '1.2.3.4'], 0, scope, ruleCtx);
  assert.deepEqual(b, { ok: false, message: "missing closing '}' in condition" });
});

test('conflict and L6 warnings', () => {
  const scope = { lookup: () => undefined };
  const r = parseCondition(['if', '{', 'req_ssl_sni', '-m', 'found', '}'], 0, scope, { ...ruleCtx, usage: 'tcp-request connection' });
  assert.ok(r.ok);
  assert.deepEqual(r.warnings, ["anonymous acl will never match in 'tcp-request connection' because it uses keyword 'req_ssl_sni' which is incompatible with 'frontend tcp-request connection rule'"]);
  assert.ok(conditionUsesL6(r.cond));
  assert.equal(conditionConflictWarning(r.cond, 'tcp-request content', { frontend: true, backend: false }), undefined);
});
