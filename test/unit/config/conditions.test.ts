/**
 * Conditions (configuration.txt §2.4, cfgcond.c) and the .if/.elif/.else/
 * .endif block stack. Expected values and messages come from haproxy 2.6.12
 * (`haproxy -cc` and `.if` lines); more run differentially in
 * test/compat/config/tokenizer.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ConditionalBlocks,
  MAX_NESTED_CONDS,
  evaluateCliCondition,
  evaluateCondition,
  evaluateExpression,
  type ConditionContext,
} from '../../../src/config/conditions.js';

const VARS: Record<string, string> = { HOME: '/root', ONE: '1', EMPTY: '' };
const ctx: ConditionContext = {
  env: { get: (n) => VARS[n] },
  version: '2.6.12-1+deb12u4',
  features: new Set(['OPENSSL', 'LUA', 'PCRE2']),
};
const value = (text: string): boolean => {
  const r = evaluateExpression(text, ctx);
  assert.ok(r.ok, `${text}: ${r.ok ? '' : r.message}`);
  return r.value;
};
const message = (text: string): string => {
  const r = evaluateExpression(text, ctx);
  assert.ok(!r.ok, `${text} should fail`);
  return r.message;
};

describe('evaluateExpression: values', () => {
  const cases: [string, boolean][] = [
    ['', false],
    ['0', false],
    ['00', false],
    ['-0', false],
    ['1', true],
    ['-1', true],
    ['+1', true],
    ['0x10', true],
    ['01', true],
    [' 1\t', true],
    ['99999999999999999999', true],
    ['defined(HOME)', true],
    ['defined(EMPTY)', true],
    ['defined(NOPE)', false],
    ['defined', false],
    ['defined( HOME )', false],
    ['feature(LUA)', true],
    ['feature(lua)', false],
    ['feature(QUIC)', false],
    ['feature()', true],
    ['streq(a,a)', true],
    ['streq(a,b)', false],
    ['strneq(a,b)', true],
    ['streq( a , a )', true],
    ['streq("a,b",\'a,b\')', true],
    ['streq(a\\\\b,a\\b)', true],
    ['streq(a\\tb,"a\tb")', true],
    ['streq(a\\x41,a\\\\x41)', true],
    ['streq("",)', true],
    ['!0', true],
    ['!!1', true],
    ['! 1', false],
    ['1 && 0', false],
    ['0 || 0 && 1', false],
    ['1 || 0 && 0', true],
    ['(1 || 0) && 0', false],
    ['!(1 && 0)', true],
    ['1&&1', true],
    [`${'('.repeat(341)}1${')'.repeat(341)}`, true],
    [`1${'&&1'.repeat(1021)}`, true],
  ];
  for (const [text, v] of cases) test(JSON.stringify(text.slice(0, 60)), () => assert.equal(value(text), v));
});

describe('evaluateExpression: versions (split_version)', () => {
  const cases: [string, boolean][] = [
    ['version_atleast(2.5)', true],
    ['version_atleast(2.6.12)', true],
    ['version_atleast(2.6.13)', false],
    ['version_before(2.6.13)', true],
    ['version_before(2.6.12)', false],
    ['version_atleast(2.6.12-1)', false], // a commit number above ours
    ['version_atleast(2.6.12-0)', true],
    ['version_atleast(2.4-dev19)', true],
    ['version_atleast(2.6.12-pre1-5)', true], // pre < final
    ['version_atleast(2.6.12-final-5)', false], // unknown tag: commit 5
    ['version_atleast(2.6.12.1)', false],
    ['version_atleast(-1)', false], // wraps to 4294967295
    ['version_atleast(4294967298)', true], // wraps to 2
    ['version_atleast(x)', true], // unparsable: atleast true, before false
    ['version_before(x)', false],
    ['version_atleast()', true],
    ['version_atleast(2.6.12-dev5x)', true],
    ['version_before(2.6.12-dev5x)', false],
  ];
  for (const [text, v] of cases) test(text, () => assert.equal(value(text), v));
});

describe('evaluateExpression: messages', () => {
  const cases: [string, string][] = [
    ['a', "unparsable conditional expression 'a'"],
    ['Defined(HOME)', "unparsable conditional expression 'Defined(HOME)'"],
    [' ', "unparsable conditional sub-expression ' '"],
    ['1 &&', "unparsable conditional expression '&&'"],
    ['1 && 1 &&', "unparsable conditional expression '&& 1 &&'"],
    ['1 || ', "unparsable conditional expression '1 || '"],
    ['1 || 1 &&', "unparsable conditional expression '&&'"],
    ['1 &&& 1', "unparsable conditional expression '& 1'"],
    ['!!', "unparsable conditional expression '!!'"],
    ['()', "unparsable conditional expression ')'"],
    ['(1', "expected ')' after conditional expression '(1'"],
    ['1 )', "unexpected character ')' at the end of conditional expression '1 )'"],
    ['08', "unexpected character '8' at the end of conditional expression '08'"],
    ['defined (HOME)', "unexpected character '(' at the end of conditional expression 'defined (HOME)'"],
    ['streq(a)', "missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression"],
    ['streq', "missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression"],
    ['streq(a,b,c)', "expected ')' before ',c)' in argument 1 of predicate 'streq' used in conditional expression"],
    ['streq(a,b', "expected ')' in argument 1 of predicate 'streq' used in conditional expression"],
    ['defined(HOME,x)', "expected ')' before ',x)' in argument 1 of predicate 'defined' used in conditional expression"],
    ['streq(a\\,b,a\\,b)', "expected ')' before ',a\\,b)' in argument 1 of predicate 'streq' used in conditional expression"],
    ['streq(abc\\', "failed to parse '\\' after 'abc' as type 'string' at position 1 in argument 0 of predicate 'streq' used in conditional expression"],
    [`${'('.repeat(342)}1${')'.repeat(342)}`, `unparsable conditional sub-expression '(1${')'.repeat(342)}'`],
  ];
  for (const [text, msg] of cases) test(JSON.stringify(text.slice(0, 40)), () => assert.equal(message(text), msg));

  test('positions are those haproxy points at', () => {
    const pos = (t: string): number | undefined => {
      const r = evaluateExpression(t, ctx);
      return r.ok ? -1 : r.position;
    };
    assert.equal(pos('foo'), 0);
    assert.equal(pos('1 &&'), 2);
    assert.equal(pos('1 || '), 2);
    assert.equal(pos('1 0'), 2);
    assert.equal(pos('1 && streq(a,b,c) || 0'), 14);
  });
});

describe('evaluateCondition (.if words)', () => {
  test('words are re-merged with single spaces', () => {
    assert.deepEqual(evaluateCondition(['streq(foo', 'bar,"foo', 'bar")'], ctx), { ok: true, value: true });
    assert.deepEqual(evaluateCondition([], ctx), { ok: true, value: false });
  });
  test('a trailing empty slot keeps its blank in messages', () => {
    const r = evaluateCondition(['foo'], ctx, true);
    assert.ok(!r.ok);
    assert.equal(r.message, "unparsable conditional expression 'foo '");
  });
});

describe('evaluateCliCondition (-cc)', () => {
  test('tokenizes like a config line, without comments', () => {
    assert.deepEqual(evaluateCliCondition('streq("$HOME",/root)', ctx), { ok: true, value: true });
    assert.deepEqual(evaluateCliCondition("'0'", ctx), { ok: true, value: false });
    assert.deepEqual(evaluateCliCondition('\\x31', ctx), { ok: true, value: true });
    assert.deepEqual(evaluateCliCondition('1 # c', ctx), {
      ok: false,
      message: "Failed to evaluate condition: unexpected character '#' at the end of conditional expression '1 # c'",
    });
  });
  test('lexer errors have their own wording', () => {
    assert.equal((evaluateCliCondition('"1', ctx) as { message: string }).message, 'Syntax Error in condition: Unmatched quote.');
    assert.equal((evaluateCliCondition('\\x4', ctx) as { message: string }).message, 'Syntax Error in condition: Truncated or invalid hexadecimal sequence.');
    assert.equal((evaluateCliCondition('"${1}"', ctx) as { message: string }).message, 'Unhandled error in condition, please report this to the developers.');
    assert.equal((evaluateCliCondition('x '.repeat(70), ctx) as { message: string }).message, 'Error in condition: Too many words.');
  });
  test('in-place parsing: a value longer than its reference breaks the line', () => {
    const long: ConditionContext = { ...ctx, env: { get: () => '/home/sy' } };
    assert.equal((evaluateCliCondition('"$HOME"', long) as { message: string }).message, 'Syntax Error in condition: Unmatched quote.');
    assert.equal((evaluateCliCondition('"${HOME}"', long) as { message: string }).message, "Failed to evaluate condition: unparsable conditional expression '/home/sy'");
  });
});

describe('ConditionalBlocks', () => {
  const run = (lines: string[][]): { active: boolean[]; results: ReturnType<ConditionalBlocks['directive']>[]; blocks: ConditionalBlocks } => {
    const blocks = new ConditionalBlocks(ctx);
    const active: boolean[] = [];
    const results = lines.map((w) => {
      const r = blocks.directive(w);
      active.push(blocks.active);
      return r;
    });
    return { active, results, blocks };
  };

  test('if / elif / else select one branch', () => {
    const { active, blocks } = run([['.if', '0'], ['.elif', '0'], ['.elif', '1'], ['.elif', '1'], ['.else'], ['.endif']]);
    assert.deepEqual(active, [false, false, true, false, false, true]);
    assert.equal(blocks.finish(), undefined);
  });

  test('nested blocks under a dropped parent are skipped without evaluation', () => {
    const { active, results } = run([['.if', '0'], ['.if', 'foo('], ['.else'], ['.endif'], ['.elif', '1'], ['.endif']]);
    assert.deepEqual(active, [false, false, false, false, true, true]);
    assert.ok(results.every((r) => r.error === undefined));
  });

  test('reports are quoted messages; extra words are refused', () => {
    const b = new ConditionalBlocks(ctx);
    assert.deepEqual(b.directive(['.notice', 'hello world']), { handled: true, report: { severity: 'notice', message: "'hello world'.", code: 'CFG_USER_NOTICE' }, flow: 'continue' });
    assert.deepEqual(b.directive(['.warning']), { handled: true, report: { severity: 'warning', message: "''.", code: 'CFG_USER_WARNING' }, flow: 'continue' });
    assert.deepEqual(b.directive(['.diag', 'd']).report, { severity: 'diag', message: "'d'.", code: 'CFG_USER_DIAG' });
    assert.equal(b.directive(['.notice', 'a', '', 'b']).report?.message, "'a'.");
    assert.deepEqual(b.directive(['.notice', 'a', 'b']), {
      handled: true,
      code: 'CFG_DIRECTIVE_EXTRA_ARG',
      error: "Unexpected argument 'b' for '.notice'. Use quotes if the message should contain spaces.",
      flow: 'continue',
    });
    assert.deepEqual(b.directive(['.alert', 'boom']), { handled: true, report: { severity: 'alert', message: "'boom'.", code: 'CFG_USER_ALERT' }, flow: 'abort' });
    assert.deepEqual(b.directive(['.foo']), { handled: true, code: 'CFG_UNKNOWN_DIRECTIVE', error: "unknown directive '.foo'.", flow: 'break' });
    assert.deepEqual(b.directive(['global']), { handled: false });
  });

  test('directives inside a dropped block are silent', () => {
    const b = new ConditionalBlocks(ctx);
    b.directive(['.if', '0']);
    assert.deepEqual(b.directive(['.alert', 'x']), { handled: true, flow: 'continue' });
    assert.deepEqual(b.directive(['.foo']), { handled: true, flow: 'continue' });
    assert.equal(b.directive(['.else', 'junk']).error, "Unexpected argument 'junk' for '.else'.");
  });

  test('structure errors', () => {
    const lone = new ConditionalBlocks(ctx);
    assert.equal(lone.directive(['.endif']).error, "lone '.endif' with no matching '.if'.");
    assert.equal(lone.directive(['.elif', '1']).error, "lone '.elif' with no matching '.if'.");
    assert.equal(lone.directive(['.else']).error, "lone '.else' with no matching '.if'.");
    const b = new ConditionalBlocks(ctx);
    b.directive(['.if', '1']);
    b.directive(['.else']);
    assert.deepEqual(b.directive(['.elif', '1']), { handled: true, code: 'CFG_COND_AFTER_ELSE', error: "'.elif' after '.else' is not permitted.", flow: 'abort' });
    assert.equal(b.directive(['.else']).error, "'.else' after '.else' is not permitted.");
    assert.equal(b.directive(['.endif', 'x']).flow, 'break');
    assert.equal(b.finish(), "non-terminated '.if' block.");
  });

  test('condition errors are framed like cfgparse.c', () => {
    const b = new ConditionalBlocks(ctx);
    assert.deepEqual(b.directive(['.if', 'foo']), {
      handled: true,
      code: 'CFG_COND_SYNTAX',
      error: "unparsable conditional expression 'foo' in '.if' at position 1:\n  .if foo\n      ^",
      flow: 'abort',
    });
    b.directive(['.if', '0']);
    assert.equal(b.directive(['.elif', 'bar(']).error, "unparsable conditional expression 'bar(' in '.elif' at position 1:\n  .elif bar(\n        ^");
    assert.equal(
      new ConditionalBlocks(ctx).directive(['.if', '1', '&&', 'streq(a,b,c)', '||', '0']).error,
      "expected ')' before ',c) || 0' in argument 1 of predicate 'streq' used in conditional expression in '.if' at position 15:\n  .if 1 && streq(a,b,c) || 0\n                    ^",
    );
  });

  test(`at most ${MAX_NESTED_CONDS - 1} nested levels`, () => {
    const b = new ConditionalBlocks(ctx);
    for (let k = 0; k < MAX_NESTED_CONDS - 1; k++) assert.equal(b.directive(['.if', '1']).error, undefined);
    assert.equal(b.depth, 99);
    assert.deepEqual(b.directive(['.if', '1']), { handled: true, code: 'CFG_COND_TOO_DEEP', error: "too many nested '.if', max is 100.", flow: 'abort' });
  });
});
