/**
 * Differential tests: the same expression, ACL, condition or log-format in a
 * small configuration checked by the real `haproxy -c` (2.6) and by our
 * parsers, wrapped the way HAProxy's keyword parsers wrap them. Compares the
 * first alert (or its absence) and the parse-time warnings.
 *
 * Skipped when haproxy is not installed. The helper writing a temporary
 * config is local on purpose (the lead's harness will replace it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAclLine, addAclTerm, type AclDefinition } from '../../../src/acl/acl.js';
import { parseCondition } from '../../../src/acl/condition.js';
import { parseSampleExpression } from '../../../src/sample/expression.js';
import { parseLogFormat } from '../../../src/sample/log-format.js';
import type { ParseCtx } from '../../../src/sample/types.js';

const HAPROXY = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'sy-sample-compat-'));
const patFile = join(dir, 'pat.txt');
writeFileSync(patFile, 'a\nb\n');

/** Runs `haproxy -c` on a frontend body; returns its alerts and warnings, place-normalised. */
function haproxyCheck(body: string[], mode: 'http' | 'tcp'): string[] {
  const f = join(dir, 'h.cfg');
  const cfg = [
    'defaults', `  mode ${mode}`, '  timeout client 1s', '  timeout server 1s', '  timeout connect 1s',
    'frontend fe', '  bind 127.0.0.1:8080', ...body.map((l) => `  ${l}`), '  default_backend be',
    'backend be', '  server s1 127.0.0.1:1',
  ].join('\n');
  writeFileSync(f, cfg + '\n');
  const r = spawnSync('haproxy', ['-c', '-f', f], { encoding: 'utf8' });
  return r.stderr
    .split('\n')
    .filter((l) => /^\[(ALERT|WARNING)\]/.test(l))
    .map((l) => l.replace(/^\[(ALERT|WARNING)\] +\(\d+\) : config : /, '$1 ').split(f).join('X'))
    .filter((l) => !/Error\(s\) found|Fatal errors|L6 sample fetches ignored on HTTP proxies/.test(l));
}

const place = { file: 'X', line: 8 };
const ctxFor = (usage: ParseCtx['usage'], mode: 'http' | 'tcp' = 'http'): ParseCtx => ({ place, usage, proxyMode: mode, proxyCap: { frontend: true, backend: false } });

type Kind = 'acl' | 'hdr' | 'ub' | 'cond' | 'track' | 'conn' | 'setvar';
interface Case { kind: Kind; text: string; mode?: 'http' | 'tcp'; pre?: string[] }

/** Our output for one case, formatted like HAProxy's lines. */
function ours(c: Case): string[] {
  const mode = c.mode ?? 'http';
  const line = 8 + (c.pre?.length ?? 0);
  const at = `parsing [X:${line}] : `;
  const acls = new Map<string, AclDefinition>();
  const out: string[] = [];
  for (const [i, p] of (c.pre ?? []).entries()) {
    const r = parseAclLine(p.split(' ').slice(1), ctxFor('acl', mode));
    if (!r.ok) return [`ALERT parsing [X:${8 + i}] : ${r.message}`];
    addAclTerm(acls, r.name, r.term);
  }
  const scope = { lookup: (n: string) => acls.get(n) };
  switch (c.kind) {
    case 'acl': {
      const r = parseAclLine(c.text.split(' '), ctxFor('acl', mode));
      if (!r.ok) return [`ALERT ${at}${r.message}`];
      return r.warnings.map((w) => `WARNING ${w.split('\n')[0]!}`);
    }
    case 'hdr': {
      const r = parseLogFormat(c.text, ctxFor('http-request', mode));
      if (!r.ok) return [`ALERT ${at}error detected in frontend 'fe' while parsing 'http-request set-header' rule : ${r.message}.`];
      return r.warnings.map((w) => `WARNING ${at}${w}`);
    }
    case 'ub': {
      const r = parseLogFormat(c.text, ctxFor('use_backend', mode));
      if (!r.ok) return [`ALERT Parsing [X:${line}]: failed to parse use_backend rule '${c.text}' : ${r.message}.`];
      return [];
    }
    case 'cond': {
      const words = c.text.split(' ');
      const r = parseCondition(words, 0, scope, ctxFor('http-request', mode));
      if (!r.ok) return [`ALERT ${at}error detected while parsing an 'http-request deny' condition : ${r.message}.`];
      return r.warnings.map((w) => `WARNING ${at}${w}`);
    }
    case 'track':
    case 'conn': {
      const usage = c.kind === 'track' ? 'tcp-request content' : 'tcp-request connection';
      const r = parseSampleExpression(c.text.split(' '), 0, ctxFor(usage, mode));
      if (!r.ok) return [`ALERT parsing [X:${line + 1}] : '${usage} track-sc0' : ${r.message}`];
      return out;
    }
    case 'setvar': {
      const r = parseSampleExpression(c.text.split(' '), 0, { ...ctxFor('http-request', mode), usageLabel: 'set-var(txn.x)' });
      if (!r.ok) return [`ALERT ${at}error detected in frontend 'fe' while parsing 'http-request set-var(txn.x)' rule : ${r.message}.`];
      return r.warnings.map((w) => `WARNING ${w}`);
    }
  }
}

function configLines(c: Case): string[] {
  const pre = c.pre ?? [];
  switch (c.kind) {
    case 'acl': return [...pre, `acl ${c.text}`];
    case 'hdr': return [...pre, `http-request set-header X ${c.text}`];
    case 'ub': return [...pre, `use_backend ${c.text}`];
    case 'cond': return [...pre, `http-request deny ${c.text}`];
    case 'track': return [...pre, 'stick-table type ip size 1', `tcp-request content track-sc0 ${c.text}`];
    case 'conn': return [...pre, 'stick-table type ip size 1', `tcp-request connection track-sc0 ${c.text}`];
    case 'setvar': return [...pre, `http-request set-var(txn.x) ${c.text}`];
  }
}

const CASES: Case[] = [
  // unknown fetch / converter
  { kind: 'acl', text: 'a foo' },
  { kind: 'hdr', text: '%[bogus]' },
  { kind: 'ub', text: '%[bogus]' },
  { kind: 'track', text: 'bogus' },
  { kind: 'acl', text: 'a src,bogus x' },
  { kind: 'hdr', text: '%[src,bogus]' },
  { kind: 'ub', text: '%[src,bogus]' },
  { kind: 'track', text: 'src,bogus' },
  { kind: 'acl', text: 'a hdr_beg(host),bogus x' },
  { kind: 'hdr', text: '%[51d.all(a)]' },
  { kind: 'hdr', text: '%[lua.foo]' },
  // arguments: missing, extra, bad types
  { kind: 'acl', text: 'a req.hdr(host,x) foo' },
  { kind: 'acl', text: 'a hdr(host,x) foo' },
  { kind: 'hdr', text: '%[req.hdr(host,x)]' },
  { kind: 'track', text: 'req.hdr(a,x)' },
  { kind: 'hdr', text: '%[req.hdr(host,1,2)]' },
  { kind: 'hdr', text: '%[req.hdr(host]' },
  { kind: 'hdr', text: '%[src(1)]' },
  { kind: 'hdr', text: '%[payload(1)]' },
  { kind: 'acl', text: 'a payload(0) z' },
  { kind: 'hdr', text: '%[int(x)]' },
  { kind: 'hdr', text: '%[int]' },
  { kind: 'hdr', text: '%[int(0x10)]' },
  { kind: 'hdr', text: '%[str]' },
  { kind: 'hdr', text: '%[src,ipmask(33)]' },
  { kind: 'hdr', text: '%[src,ipmask()]' },
  { kind: 'hdr', text: '%[str(a),ipmask(24,200)]' },
  { kind: 'hdr', text: '%[str(a),upper(1)]' },
  { kind: 'hdr', text: '%[int(1),add(1,2)]' },
  { kind: 'hdr', text: '%[str(a),iif(a)]' },
  { kind: 'hdr', text: '%[ipv4(1.2.3)]' },
  { kind: 'hdr', text: '%[str(a),protobuf(1.x)]' },
  { kind: 'acl', text: 'a hdr_beg(host,1,2) z' },
  // argument validators
  { kind: 'hdr', text: '%[bin(0)]' },
  { kind: 'hdr', text: '%[bin(zz)]' },
  { kind: 'hdr', text: '%[bool(x)]' },
  { kind: 'hdr', text: '%[var(x)]' },
  { kind: 'hdr', text: '%[var(txn.a-b)]' },
  { kind: 'hdr', text: '%[uuid(5)]' },
  { kind: 'hdr', text: '%[date(1,xx)]' },
  { kind: 'hdr', text: '%[req.hdr(a,-9999)]' },
  { kind: 'hdr', text: '%[str(a),add(x)]' },
  { kind: 'hdr', text: '%[str(a),field(0,:)]' },
  { kind: 'hdr', text: '%[str(a),word(1,)]' },
  { kind: 'hdr', text: '%[str(a),regsub(a,b,x)]' },
  { kind: 'hdr', text: '%[str(a),concat(,bad,)]' },
  { kind: 'hdr', text: '%[str(a),set-var(txn.x,bogus)]' },
  { kind: 'hdr', text: '%[str(a),be2dec(,9)]' },
  { kind: 'hdr', text: '%[str(a),json(bad)]' },
  { kind: 'hdr', text: '%[str(a),sha2(100)]' },
  { kind: 'hdr', text: '%[str(a),digest(md99)]' },
  { kind: 'hdr', text: '%[str(a),hmac(sha256,k)]' },
  { kind: 'hdr', text: '%[str(a),url_enc(bogus)]' },
  { kind: 'hdr', text: `%[str(a),map(${join(dir, 'nonexistent')})]` },
  { kind: 'hdr', text: `%[str(a),map_int(${patFile})]` },
  { kind: 'acl', text: 'a payload_lv(0,1,x) z' },
  { kind: 'setvar', text: 'fc_unacked(ms)' },
  // converters applied to incompatible types
  { kind: 'hdr', text: '%[bin(00),bool]' },
  { kind: 'acl', text: 'a payload(0,1),bool z' },
  { kind: 'hdr', text: '%[bool(1),base64]' },
  { kind: 'hdr', text: '%[var(txn.x),ipmask(24)]' },
  // fetches unavailable at that point
  { kind: 'hdr', text: '%[res.hdr(x)]' },
  { kind: 'hdr', text: '%[be_id]' },
  { kind: 'ub', text: '%[res.hdr(x)]' },
  { kind: 'ub', text: '%[be_id]' },
  { kind: 'conn', text: 'req_ssl_sni' },
  { kind: 'conn', text: 'req.hdr(host),lower' },
  { kind: 'track', text: 'res.hdr(x)' },
  { kind: 'setvar', text: 'res.hdr(x)' },
  { kind: 'setvar', text: 'ssl_bc' },
  { kind: 'cond', text: 'if { res.hdr(x) -m found }' },
  { kind: 'cond', text: 'if a', pre: ['acl a res.hdr(x) -m found'] },
  { kind: 'cond', text: 'if TRUE { src 1.2.3.4 } { res.hdr(x) -m found }' },
  // conditions
  { kind: 'cond', text: 'if foo' },
  { kind: 'cond', text: 'if HTTP_3.0' },
  { kind: 'cond', text: 'if true' },
  { kind: 'cond', text: 'if { src 1.2.3.4' },
  { kind: 'cond', text: 'if { }' },
  { kind: 'cond', text: 'if {src 1.2.3.4}' },
  { kind: 'cond', text: 'if { src 1.2.3.4 } }' },
  { kind: 'cond', text: 'if { { src 1.2.3.4 } }' },
  { kind: 'cond', text: 'if !TRUE or ! FALSE || !!TRUE' },
  { kind: 'cond', text: 'unless LOCALHOST HTTP_1.1 METH_GET HTTP_URL_ABS HTTP_URL_SLASH HTTP_URL_STAR HTTP_CONTENT' },
  { kind: 'cond', text: 'if { bogus }' },
  { kind: 'cond', text: 'if a b', pre: ['acl a src 1.2.3.4'] },
  // ACL flags, match methods, patterns
  { kind: 'acl', text: 'a' },
  { kind: 'acl', text: 'a(b) src 1.2.3.4' },
  { kind: 'acl', text: 'a src -x 1' },
  { kind: 'acl', text: 'a src -m bogus x' },
  { kind: 'acl', text: 'a bin(00) -m int 1' },
  { kind: 'acl', text: 'a var(txn.x) 1' },
  { kind: 'acl', text: 'a src 1.2.3.4/33' },
  { kind: 'acl', text: 'a src bogus' },
  { kind: 'acl', text: 'a src 10/8 1.2.3 ::1/128 localhost' },
  { kind: 'acl', text: 'a dst_port 80:90 eq 1 gt x' },
  { kind: 'acl', text: 'a dst_port x' },
  { kind: 'acl', text: 'a dst_port 5:2' },
  { kind: 'acl', text: 'a dst_port 1 -2 -- -3 ge 4 lt 9' },
  { kind: 'acl', text: 'a req_ssl_ver x' },
  { kind: 'acl', text: 'a path_reg a(' },
  { kind: 'acl', text: 'a path -m reg *a' },
  { kind: 'acl', text: 'a path -f /nonexistent/file' },
  { kind: 'acl', text: `a src -f ${patFile}` },
  { kind: 'acl', text: `a path -f ${patFile} -m beg x` },
  { kind: 'acl', text: 'a path -u x y' },
  { kind: 'acl', text: 'a path -m len x' },
  { kind: 'acl', text: 'a path -m bin zz' },
  { kind: 'acl', text: 'a hdr(host)' },
  { kind: 'acl', text: 'a src -m found' },
  { kind: 'acl', text: 'a str(x) ipmask(24) foo' },
  { kind: 'acl', text: 'a req.hdr(host), -m bogusmethod' },
  { kind: 'acl', text: 'a hdr_beg(host)x y' },
  { kind: 'acl', text: 'a hdr_beg(host),lower(1) z' },
  { kind: 'acl', text: 'a src,ipmask(24)x z' },
  { kind: 'acl', text: 'a method -m beg GE' },
  // log-format strings
  { kind: 'hdr', text: '%zz' },
  { kind: 'hdr', text: '%1' },
  { kind: 'hdr', text: 'abc%' },
  { kind: 'hdr', text: '%{+Q' },
  { kind: 'hdr', text: '%{+Q}' },
  { kind: 'hdr', text: '%[src' },
  { kind: 'hdr', text: '%[' },
  { kind: 'hdr', text: '%[]' },
  { kind: 'hdr', text: '%[src,]' },
  { kind: 'hdr', text: '%[src]%[bogus]abc' },
  { kind: 'hdr', text: '%[req.hdr(host)x]' },
  { kind: 'hdr', text: '%{+Q,+X,-E,+bogus}ci:%cp%%%[src,lower]' },
  { kind: 'hdr', text: '%HM', mode: 'tcp' },
  { kind: 'hdr', text: '%[req.len]' },
  { kind: 'hdr', text: '%[req.payload(0,10)]' },
  { kind: 'ub', text: '%[src' },
];

test('haproxy -c and our parsers agree', { skip: HAPROXY ? false : 'haproxy is not installed' }, () => {
  const failures: string[] = [];
  for (const c of CASES) {
    const theirs = haproxyCheck(configLines(c), c.mode ?? 'http').filter((l) => !l.startsWith('WARNING ') || !/^WARNING (no pattern|  )/.test(l));
    const mine = ours(c);
    // compare the first alert (or none) and the parse-time warnings that HAProxy prints with a place
    const firstAlert = (ls: string[]): string | undefined => ls.find((l) => l.startsWith('ALERT '));
    const warns = (ls: string[]): string[] => ls.filter((l) => l.startsWith('WARNING '));
    const a = firstAlert(theirs);
    const b = firstAlert(mine);
    if (a !== b || (a === undefined && JSON.stringify(warns(theirs)) !== JSON.stringify(warns(mine)))) {
      failures.push(`${c.kind} ${c.text}\n  haproxy: ${JSON.stringify(theirs)}\n  ours:    ${JSON.stringify(mine)}`);
    }
  }
  assert.ok(CASES.length >= 60);
  assert.deepEqual(failures, []);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
