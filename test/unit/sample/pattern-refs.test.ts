/**
 * Pattern references (src/sample/pattern-refs.ts): the shared content of map
 * and ACL files, changed by set-map & co, and what the map converters and
 * ACL `-f` compiled against one registry see after each change.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PatternRef, PatternRefRegistry, columnMismatchMessage, patternRefsOf } from '../../../src/sample/pattern-refs.js';
import { parseAclExpression } from '../../../src/acl/acl.js';
import { compileAclTerm, ACL_PASS, ACL_FAIL } from '../../../src/acl/evaluate.js';
import type { CompileEnv } from '../../../src/sample/compile.js';
import { BasicSampleContext } from '../../../src/sample/context.js';
import { compile, show } from './eval-helpers.js';

let dir = '';
const file = (name: string, text: string): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'sy-patref-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const CTX = new BasicSampleContext();

/** Compiles `expr` with `env`; the evaluator shows the result as `type:text`. */
function conv(expr: string, env: CompileEnv): () => string | undefined {
  const fn = compile(expr, env);
  return () => show(fn(CTX));
}

function acl(words: string[], env: CompileEnv): () => number {
  const r = parseAclExpression(words, 0, words.length, { place: { file: 't', line: 1 }, usage: 'acl' });
  if (!r.ok) throw new Error(r.message);
  const c = compileAclTerm(r.term, env);
  if (!c.ok) throw new Error(c.message);
  return () => c.fn(CTX);
}

describe('PatternRef', () => {
  it('loads a map file and finds keys exactly', () => {
    const ref = new PatternRef(file('a.map', 'k1 v1\n# c\nk2  v 2\n'), true);
    assert.equal(ref.load(), undefined);
    assert.deepEqual(ref.entries().map((e) => [e.key, e.value, e.line]), [['k1', 'v1', 1], ['k2', 'v 2', 3]]);
    assert.equal(ref.find('k2')?.value, 'v 2');
    assert.equal(ref.find('K2'), undefined);
  });

  it('add / set / delete, with every duplicate and a version bump per change', () => {
    const ref = new PatternRef(file('b.map', 'd 1\nd 2\ne 3\n'), true);
    ref.load();
    const v0 = ref.version;
    assert.equal(ref.set('d', 'x'), true);
    assert.deepEqual(ref.entries().map((e) => e.value), ['x', 'x', '3']);
    assert.equal(ref.set('nope', 'x'), false);
    assert.equal(ref.delete('d'), true);
    assert.deepEqual(ref.entries().map((e) => e.key), ['e']);
    assert.equal(ref.delete('d'), false);
    ref.setOrAdd('f', '4');
    ref.setOrAdd('f', '5');
    assert.deepEqual(ref.entries().map((e) => [e.key, e.value, e.line]), [['e', '3', 3], ['f', '5', 0]]);
    ref.addUnique('e');
    assert.equal(ref.entries().length, 2);
    assert.equal(ref.version, v0 + 4);
  });

  it('a consumer refusing a key or value refuses the change for all', () => {
    const ref = new PatternRef(file('c.map', 'a 1\n'), true);
    ref.load();
    const bad = ref.attach('int', { acceptsKey: () => true, acceptsValue: (v) => /^\d+$/.test(v) });
    assert.equal(bad, undefined);
    assert.equal(ref.add('b', 'x'), false);
    assert.equal(ref.set('a', 'x'), false);
    assert.equal(ref.find('a')?.value, '1');
    assert.equal(ref.add('b', '2'), true);
    // an entry without a value (add-acl) is accepted
    assert.equal(ref.add('c', undefined), true);
    // attach reports the first entry it cannot take
    assert.equal(ref.attach('nokey', { acceptsKey: (k) => k !== 'b', acceptsValue: () => true })?.key, 'b');
  });

  it('a view is rebuilt only after a change', () => {
    const ref = new PatternRef(file('d.lst', 'x\n'), false);
    ref.load();
    let builds = 0;
    const view = ref.view('n', (e) => {
      builds++;
      return e.length;
    });
    assert.equal(view.get(), 1);
    assert.equal(view.get(), 1);
    assert.equal(builds, 1);
    ref.add('y', undefined);
    ref.add('z', undefined);
    assert.equal(view.get(), 3);
    assert.equal(builds, 2);
    assert.equal(ref.view('n', () => -1), view, 'views are shared by id');
  });

  it('prepare / load into a version / commit (the stats socket transaction)', () => {
    const ref = new PatternRef(file('e.map', 'old 1\n'), true);
    ref.load();
    const gen = ref.prepare();
    assert.equal(ref.load1(gen, 'new', '2'), true);
    assert.deepEqual(ref.entries().map((e) => e.key), ['old'], 'not visible before commit');
    assert.equal(ref.commit(gen), true);
    assert.deepEqual(ref.entries().map((e) => e.key), ['new']);
    assert.equal(ref.commit(gen - 1), false);
    ref.clear();
    assert.equal(ref.entries().length, 0);
  });
});

describe('PatternRefRegistry', () => {
  it('shares one reference per file name and refuses mixed column kinds', () => {
    const reg = new PatternRefRegistry();
    const p = file('f.map', 'a b\n');
    const r1 = reg.open(p, true, 'map');
    assert.ok(r1 instanceof PatternRef);
    assert.equal(reg.open(p, true, 'acl'), r1);
    assert.equal(reg.lookup(p), r1);
    assert.equal(reg.open(p, false, 'acl'), columnMismatchMessage(p, false));
    assert.match(String(reg.open(join(dir, 'missing.map'), true, 'map')), /failed to open pattern file/);
    assert.equal(reg.lookup(join(dir, 'missing.map')), undefined);
  });

  it('a reference only actions opened takes the form of its first real user', () => {
    const reg = new PatternRefRegistry();
    const p = file('g.lst', 'k v\n');
    const r = reg.open(p, true, undefined);
    assert.ok(r instanceof PatternRef);
    assert.equal(r.find('k')?.value, 'v');
    assert.equal(reg.open(p, false, 'acl'), r);
    assert.equal(r.find('k v')?.value, undefined);
    assert.equal(r.twoColumns, false);
  });

  it('environments without a registry share one per pattern cache', () => {
    const cache = new Map<string, unknown>();
    assert.equal(patternRefsOf({ patternCache: cache }), patternRefsOf({ patternCache: cache }));
    const env = {};
    assert.equal(patternRefsOf(env), patternRefsOf(env));
    assert.notEqual(patternRefsOf({}), patternRefsOf({}));
    const reg = new PatternRefRegistry();
    assert.equal(patternRefsOf({ patternRefs: reg }), reg);
  });
});

describe('consumers see the changes', () => {
  it('map converters of every kind on one file', () => {
    const p = file('h.map', '/api api\nexample.com site\n');
    const env: CompileEnv = { patternRefs: new PatternRefRegistry() };
    const exact = conv(`str(/api/v1),map(${p},none)`, env);
    const beg = conv(`str(/api/v1),map_beg(${p},none)`, env);
    assert.equal(exact(), 'str:none');
    assert.equal(beg(), 'str:api');
    const ref = env.patternRefs!.lookup(p)!;
    ref.setOrAdd('/api/v1', 'v1');
    assert.equal(exact(), 'str:v1');
    assert.equal(beg(), 'str:v1', 'the longest prefix wins');
    ref.delete('/api/v1');
    ref.delete('/api');
    assert.equal(beg(), 'str:none');
    // an entry without value: the integer 1 (map.c sample_conv_map)
    ref.addUnique('/api/v1');
    assert.equal(exact(), 'sint:1');
  });

  it('map_*_int and map_ip refuse what they cannot parse', () => {
    const pi = file('i.map', 'a 1\n');
    const pip = file('ip.map', '10.0.0.0/8 ten\n');
    const env: CompileEnv = { patternRefs: new PatternRefRegistry() };
    const i = conv(`str(b),map_str_int(${pi},-1)`, env);
    const ip = conv(`str(10.1.2.3),map_ip(${pip},none)`, env);
    const refs = env.patternRefs!;
    refs.lookup(pi)!.setOrAdd('b', 'x');
    assert.equal(i(), 'sint:-1');
    refs.lookup(pi)!.setOrAdd('b', '7');
    assert.equal(i(), 'sint:7');
    refs.lookup(pip)!.setOrAdd('nope', 'x');
    assert.equal(refs.lookup(pip)!.find('nope'), undefined);
    refs.lookup(pip)!.setOrAdd('10.1.0.0/16', 'ten-one');
    assert.equal(ip(), 'str:ten-one');
  });

  it('ACL -f files and inline values', () => {
    const p = file('j.lst', 'x\n');
    const env: CompileEnv = { patternRefs: new PatternRefRegistry() };
    const plain = acl(['str(Y)', '-f', p, 'inline'], env);
    const icase = acl(['str(y)', '-i', '-f', p], env);
    const inline = acl(['str(inline)', '-f', p, 'inline'], env);
    assert.equal(plain(), ACL_FAIL);
    assert.equal(inline(), ACL_PASS);
    env.patternRefs!.lookup(p)!.addUnique('Y');
    assert.equal(plain(), ACL_PASS);
    assert.equal(icase(), ACL_PASS);
    env.patternRefs!.lookup(p)!.delete('Y');
    assert.equal(plain(), ACL_FAIL);
  });
});
