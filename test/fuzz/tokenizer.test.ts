/**
 * Properties of the configuration lexer (fast-check):
 *  - no input line makes it throw, and errors are well formed;
 *  - quoteWord() round-trips: quoted words joined by blanks tokenize back to
 *    the same words (at most 63 words, the last one non-empty: haproxy does
 *    not count a trailing empty word, and 64 words + a comment's blank make a
 *    65th slot);
 *  - a trailing comment does not change the result;
 *  - conditions never throw either.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { quoteWord, splitLine, tokenizeLine } from '../../src/config/tokenizer.js';
import { evaluateCliCondition, evaluateExpression, ConditionalBlocks, type ConditionContext } from '../../src/config/conditions.js';
import type { EnvLookup } from '../../src/config/environment.js';

const VARS: Record<string, string> = { HOME: '/root', A: 'x y', EMPTY: '' };
const env: EnvLookup = { get: (n) => VARS[n] };
const ctx: ConditionContext = { env, version: '2.6.12', features: new Set(['LUA']) };

/** Characters that exercise every branch of the lexer. */
const lexChar = fc.constantFrom(
  'a', 'b', 'Z', '0', '1', '_', '.', '-', ' ', '\t', '\r', '\n', '#', '"', "'", '\\', '$', '{', '}', '[', ']', '*', 'x', 'F', '\x00', '\x01', '\xe9', '(', ')', ',', '!', '&', '|',
);
const lexLine = fc.array(lexChar, { maxLength: 80 }).map((cs) => cs.join(''));
const anyLine = fc.oneof(lexLine, fc.string({ maxLength: 120 }), fc.string({ unit: 'binary', maxLength: 60 }));

/** Words without NUL (haproxy cannot carry one). */
const word = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.array(lexChar, { maxLength: 12 }).map((cs) => cs.join('')),
  fc.string({ unit: 'binary', maxLength: 8 }),
).map((w) => w.replace(/\0/g, ''));

describe('tokenizer properties', () => {
  test('random lines never throw and errors carry a code and a message', () => {
    fc.assert(
      fc.property(anyLine, (line) => {
        const t = tokenizeLine(line, env, { file: 'f.cfg', line: 1, section: '' });
        assert.ok(Array.isArray(t.words));
        if (t.error !== undefined) {
          assert.match(t.error.code, /^CFG_[A-Z_]+$/);
          assert.ok(t.error.message.length > 0);
        }
        for (const w of t.words) assert.equal(w.includes('\0'), false);
        splitLine(line, env, { comments: false, skipLeadingBlanks: false, inPlace: true });
      }),
      { numRuns: 3000 },
    );
  });

  test('quoteWord round-trips through tokenizeLine', () => {
    const words = fc.array(word, { minLength: 1, maxLength: 63 }).filter((ws) => (ws[ws.length - 1] ?? '') !== '');
    fc.assert(
      fc.property(words, (ws) => {
        const line = ws.map(quoteWord).join(' ');
        const t = tokenizeLine(line, env);
        assert.equal(t.error, undefined, `${JSON.stringify(line)}: ${t.error?.message ?? ''}`);
        assert.deepEqual(t.words, ws);
      }),
      { numRuns: 2000 },
    );
  });

  test('a trailing comment changes nothing', () => {
    const words = fc.array(word, { minLength: 1, maxLength: 63 }).filter((ws) => (ws[ws.length - 1] ?? '') !== '');
    const comment = fc.string({ maxLength: 20 }).map((c) => c.replace(/[\0\r\n]/g, ''));
    fc.assert(
      fc.property(words, comment, fc.constantFrom('#', ' #', '\t# ', '  #'), (ws, c, sep) => {
        const line = ws.map(quoteWord).join(' ');
        const plain = tokenizeLine(line, env);
        const commented = tokenizeLine(line + sep + c, env);
        assert.deepEqual(commented.words, plain.words);
        assert.equal(commented.error, undefined);
      }),
      { numRuns: 1500 },
    );
  });

  test('the result does not depend on how words are separated', () => {
    const words = fc.array(word, { minLength: 1, maxLength: 20 }).filter((ws) => (ws[ws.length - 1] ?? '') !== '');
    const blank = fc.array(fc.constantFrom(' ', '\t', '\v', '\f'), { minLength: 1, maxLength: 3 }).map((b) => b.join(''));
    fc.assert(
      fc.property(words, blank, blank, (ws, lead, sep) => {
        assert.deepEqual(tokenizeLine(lead + ws.map(quoteWord).join(sep), env).words, ws);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('condition properties', () => {
  const condChar = fc.constantFrom('0', '1', ' ', '!', '&', '|', '(', ')', 'd', 'e', 'f', 'i', 'n', 's', 't', 'r', 'q', ',', '"', "'", '\\', '$', 'x', '-', '.');
  const condText = fc.oneof(
    fc.array(condChar, { maxLength: 40 }).map((c) => c.join('')),
    fc.array(fc.constantFrom('1', '0', '!1', '(1)', 'defined(HOME)', 'streq(a,a)', 'feature(LUA)', '&&', '||', '(', ')', ' '), { maxLength: 12 }).map((c) => c.join(' ')),
  );
  test('expressions never throw; errors have a message', () => {
    fc.assert(
      fc.property(condText, (text) => {
        const r = evaluateExpression(text, ctx);
        if (!r.ok) assert.ok(r.message.length > 0);
        evaluateCliCondition(text, ctx);
      }),
      { numRuns: 3000 },
    );
  });
  test('negation and parentheses behave like boolean logic on well-formed input', () => {
    const atom = fc.constantFrom('0', '1', 'defined(HOME)', 'defined(NOPE)', 'streq(a,a)', 'strneq(a,a)');
    const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
      e: fc.oneof(
        { depthSize: 'small' },
        atom,
        tie('e').map((e) => `!(${e})`),
        fc.tuple(tie('e'), fc.constantFrom('&&', '||'), tie('e')).map(([a, op, b]) => `(${a}) ${op} (${b})`),
      ),
    })).e;
    const js = (e: string): boolean =>
      // Evaluate the same text as JavaScript booleans.
      Function(`"use strict"; return (${e.replace(/defined\(HOME\)/g, 'true').replace(/defined\(NOPE\)/g, 'false').replace(/strneq\(a,a\)/g, 'false').replace(/streq\(a,a\)/g, 'true').replace(/\b1\b/g, 'true').replace(/\b0\b/g, 'false')});`)() as boolean;
    fc.assert(
      fc.property(expr, (e) => {
        assert.deepEqual(evaluateExpression(e, ctx), { ok: true, value: js(e) });
      }),
      { numRuns: 1000 },
    );
  });
  test('block stacks stay consistent under random directive sequences', () => {
    const dir = fc.constantFrom(['.if', '1'], ['.if', '0'], ['.elif', '1'], ['.elif', '0'], ['.else'], ['.endif'], ['.notice', 'x']);
    fc.assert(
      fc.property(fc.array(dir, { maxLength: 30 }), (seq) => {
        const b = new ConditionalBlocks(ctx);
        for (const w of seq) {
          const r = b.directive(w);
          assert.equal(r.handled, true);
          if (r.flow === 'abort' || r.flow === 'break') break;
        }
        assert.ok(b.depth >= 0);
      }),
      { numRuns: 1000 },
    );
  });
});
