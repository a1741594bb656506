/**
 * Unit tests of the configuration lexer and the environment. Expected values
 * come from haproxy 2.6.12 (the same cases run differentially in
 * test/compat/config/tokenizer.test.ts).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_LINE_ARGS, quoteWord, sanitizeForPrinting, splitLine, tokenizeLine } from '../../../src/config/tokenizer.js';
import { createEnvironment, type EnvLookup } from '../../../src/config/environment.js';

const VARS: Record<string, string> = { HOME: '/root', MULTI: '  a  b c ', EMPTY: '', MANY: Array.from({ length: 70 }, (_, k) => `m${k}`).join(' ') };
const env: EnvLookup = { get: (n) => VARS[n] };
const pseudo = { file: 'x.cfg', line: 26, section: 'global' };
const words = (line: string): string[] => {
  const t = tokenizeLine(line, env, pseudo);
  assert.equal(t.error, undefined, `unexpected error for ${JSON.stringify(line)}: ${t.error?.message ?? ''}`);
  return t.words;
};
const error = (line: string): string => tokenizeLine(line, env, pseudo).error?.message ?? '(no error)';

describe('tokenizeLine: quoting and escaping (configuration.txt §2.2)', () => {
  const cases: [string, string[]][] = [
    ['  bind :80   # comment', ['bind', ':80']],
    [String.raw`a\x41 \x4a\x4B`, ['aA', 'JK']],
    [String.raw`"a\x41" 'a\x41'`, ['aA', String.raw`a\x41`]],
    [String.raw`a\ b c\#d e\\f`, ['a b', 'c#d', String.raw`e\f`]],
    [String.raw`a\qb a\1 "a\qb"`, [String.raw`a\qb`, String.raw`a\1`, String.raw`a\qb`]],
    [String.raw`a\tb "a\nb" 'a\tb' a\rb`, ['a\tb', 'a\nb', String.raw`a\tb`, 'a\rb']],
    [String.raw`a\'b a\"b "a\'b" "a\$b" a\$b`, ["a'b", 'a"b', "a'b", 'a$b', String.raw`a\$b`]],
    [String.raw`'a\'b c`, [String.raw`a\b`, 'c']],
    ['a#b c', ['a']],
    [String.raw`"a#b" 'c#d' e\#f`, ['a#b', 'c#d', 'e#f']],
    ['"a"#b', ['a']],
    [`a"b c"d a'b c'd "a'b" 'a"b'`, ['ab cd', 'ab cd', "a'b", 'a"b']],
    [`a "" '' b`, ['a', '', '', 'b']],
    ['\ta\tb\t\tc\t', ['a', 'b', 'c']],
    ['x\x0by\x0cz', ['x', 'y', 'z']],
    ['a b\r', ['a', 'b']],
    ['a\rb c', ['a']],
    ['a \rb', ['a', 'b']], // the blank skipper also eats the CR (C isspace)
    ['a b\\', ['a', 'b\\']],
    [String.raw`a\x00b c`, ['a', 'c']], // a C string ends at the NUL
    ['x\xc3\xa9y \x7f', ['x\xc3\xa9y', '\x7f']],
    ['   ', []],
    ['# only a comment', []],
  ];
  for (const [line, expected] of cases) test(JSON.stringify(line), () => assert.deepEqual(words(line), expected));

  test('a trailing empty word is not counted, but an inner one is', () => {
    assert.deepEqual(tokenizeLine('a ""', env), { words: ['a'], trailingEmptySlot: true });
    assert.deepEqual(tokenizeLine('a "" ', env), { words: ['a', ''], trailingEmptySlot: true });
    assert.deepEqual(tokenizeLine('a b', env), { words: ['a', 'b'] });
    assert.deepEqual(tokenizeLine('a # c', env).trailingEmptySlot, true);
  });
});

describe('tokenizeLine: environment variables (configuration.txt §2.3)', () => {
  const cases: [string, string[]][] = [
    ['"$HOME" "${HOME}" $HOME ${HOME}', ['/root', '/root', '$HOME', '${HOME}']],
    ['"x${HOME}y" "x$HOME-y"', ['x/rooty', 'x/root-y']],
    ['"${UNSET}" "x${UNSET}y" "$UNSET" "${UNSET}"x z', ['', 'xy', '', 'x', 'z']],
    ['"${UNSET-def ault}" "${HOME-def}" "${EMPTY-def}" "${UNSET-}" z', ['def ault', '/root', '', '', 'z']],
    ['"${MULTI[*]}" z', ['', 'a', 'b', 'c', '', 'z']],
    ['"${MULTI}" ${MULTI[*]} "$MULTI[*]"', ['  a  b c ', '${MULTI[*]}', '  a  b c [*]']],
    ['"${UNSET[*]-p q}"', ['p', 'q']],
    ['"${.FILE}" "${.LINE}" "${.SECTION}" "$.LINE"', ['x.cfg', '26', 'global', '26']],
  ];
  for (const [line, expected] of cases) test(JSON.stringify(line), () => assert.deepEqual(words(line), expected));

  test('pseudo-variables fall back to the environment, then to ""', () => {
    assert.deepEqual(tokenizeLine('"${.LINE}" "${.FILE}" z', env).words, ['', '', 'z']);
    assert.deepEqual(tokenizeLine('"${.LINE}"', { get: (n) => (n === '.LINE' ? '7' : undefined) }).words, ['7']);
  });
});

describe('tokenizeLine: errors in haproxy wording', () => {
  test('unmatched quotes point at the opening quote, counting leading blanks', () => {
    assert.equal(error('foo "abc'), 'unmatched quote at position 5:\n  foo "abc\n      ^');
    assert.equal(error('    foo "abc'), 'unmatched quote at position 9:\n  foo "abc\n      ^');
    assert.equal(error("a 'b"), "unmatched quote at position 3:\n  a 'b\n    ^");
    assert.equal(error(String.raw`"a\" ZZ`), 'unmatched quote at position 1:\n  "a\\" ZZ\n  ^');
    assert.equal(tokenizeLine('foo "abc', env).error?.code, 'CFG_UNMATCHED_QUOTE');
  });
  test('hexadecimal escapes', () => {
    assert.equal(error(String.raw`a\x4 ZZ`), 'truncated or invalid hexadecimal sequence at position 2:\n  a\\x4 ZZ\n   ^');
    assert.equal(error(String.raw`a \x`), 'truncated or invalid hexadecimal sequence at position 3:\n  a \\x\n    ^');
  });
  test('variable names, braces and word expansion', () => {
    assert.equal(error('"${1X}" ZZ'), 'forbidden first char in environment variable name at position 4:\n  "${1X}" ZZ\n     ^');
    assert.equal(error('"a$" ZZ'), 'forbidden first char in environment variable name at position 4:\n  "a$" ZZ\n     ^');
    assert.equal(error('"${HOME" ZZ'), 'unmatched brace in environment variable name at position 3:\n  "${HOME" ZZ\n    ^');
    assert.equal(error('"${U-abc" ZZ'), 'unmatched brace in environment variable name at position 3:\n  "${U-abc" ZZ\n    ^');
    assert.equal(error('"${MULTI[x]}" ZZ'), 'truncated or invalid word expansion sequence at position 9:\n  "${MULTI[x]}" ZZ\n          ^');
  });
  test('an unknown pseudo-variable prints the line cut after its name', () => {
    assert.equal(error('"${.FOO}" ZZ'), 'forbidden first char in environment variable name at position 4:\n  "${.FOO\n     ^');
  });
  test('long lines are windowed around the error, control bytes become "?"', () => {
    assert.equal(
      error(`foo ${'y'.repeat(100)} "abc`),
      `unmatched quote at position 106:\n  ...${'y'.repeat(36)} "abc...\n  ${' '.repeat(40)}^`,
    );
    assert.equal(error(`foo\t\x01z "abc`), 'unmatched quote at position 8:\n  foo ?z "abc\n         ^');
  });
  test('64 words are fine, a 65th slot is not (even an empty one)', () => {
    const w64 = Array.from({ length: MAX_LINE_ARGS }, (_, k) => `w${k}`).join(' ');
    assert.equal(tokenizeLine(w64, env).words.length, 64);
    const msg = 'too many words, truncating after word 64, position 243: <w63>.';
    assert.equal(error(`${w64} w64`), msg);
    assert.equal(error(`${w64} # c`), msg);
    assert.equal(tokenizeLine(`${w64} x`, env).error?.code, 'CFG_TOO_MANY_WORDS');
    assert.match(error('"${MANY[*]}"'), /^too many words, truncating after word 64, position \d+: <m63>\.$/);
  });
  test('a NUL byte: the line before it is tokenized, then the file stops', () => {
    const t = tokenizeLine('.if 1\0 x', env);
    assert.deepEqual(t.words, ['.if', '1']);
    assert.deepEqual(t.strayNul, { code: 'CFG_STRAY_NUL', message: 'Stray NUL character at position 6.', position: 6, stop: true });
    assert.equal(tokenizeLine('"a\0b', env).error?.message, 'unmatched quote at position 1:\n  "a\n  ^');
  });
});

describe('splitLine options', () => {
  test('-cc style: no comments, no blank skipping', () => {
    const r = splitLine(' 1 # c', env, { comments: false, skipLeadingBlanks: false });
    assert.deepEqual(r.slots, ['', '1', '#', 'c']);
  });
  test('in-place parsing detects a value that overruns its reference', () => {
    assert.equal(splitLine('"$HOME"', { get: () => '/home/sy' }, { inPlace: true }).overlap, true);
    assert.equal(splitLine('"${HOME}"', { get: () => '/home/sy' }, { inPlace: true }).overlap, undefined);
  });
});

describe('sanitizeForPrinting', () => {
  test('short lines are kept, blanks and control bytes replaced', () => {
    assert.deepEqual(sanitizeForPrinting('a\tb\x01c', 2, 80), { text: 'a b?c', pos: 2 });
  });
  test('positions past the width are centred with "..." on both sides', () => {
    const r = sanitizeForPrinting('x'.repeat(200), 120, 80);
    assert.equal(r.pos, 40);
    assert.equal(r.text, `...${'x'.repeat(74)}...`);
  });
});

describe('quoteWord', () => {
  const cases: [string, string][] = [
    ['', '""'],
    ['plain/word:80', 'plain/word:80'],
    ['$HOME', '$HOME'],
    ['a b', "'a b'"],
    ['a#b', "'a#b'"],
    ['a\\b', "'a\\b'"],
    ['a"b', `'a"b'`],
    ["it's $x", `"it's \\$x"`],
    ['line\nbreak\r', '"line\\nbreak\\r"'],
    ['\x01\xe9', "'\x01\xe9'"],
  ];
  for (const [word, quoted] of cases) {
    test(JSON.stringify(word), () => {
      assert.equal(quoteWord(word), quoted);
      assert.deepEqual(tokenizeLine(`k ${quoted} z`, { get: () => 'EXPANDED' }).words, ['k', word, 'z']);
    });
  }
  test('NUL cannot be represented', () => assert.throws(() => quoteWord('a\0b'), RangeError));
});

describe('createEnvironment', () => {
  test('haproxy 2.6 defines LOCALPEER (overwritten) and STARTUP_VERSION (kept) while parsing', () => {
    const e = createEnvironment({ base: { HAPROXY_LOCALPEER: 'old', A: 'x' }, localPeer: 'peer1', cfgFiles: ['a.cfg', 'b.cfg'], version: '2.6.12' });
    assert.equal(e.get('HAPROXY_LOCALPEER'), 'peer1');
    assert.equal(e.get('HAPROXY_STARTUP_VERSION'), '2.6.12');
    assert.equal(e.get('A'), 'x');
    assert.equal(e.get('HAPROXY_CFGFILES'), undefined);
    assert.equal(e.get('HAPROXY_HTTP_LOG_FMT'), undefined);
    const kept = createEnvironment({ base: { HAPROXY_STARTUP_VERSION: 'x' }, localPeer: 'p', cfgFiles: [] });
    assert.equal(kept.get('HAPROXY_STARTUP_VERSION'), 'x');
  });
  test('runtime variables appear after parsing', () => {
    const e = createEnvironment({ base: {}, localPeer: 'p', cfgFiles: ['a.cfg', 'b.cfg'], masterWorker: true });
    e.publishAfterParse({ cli: ['unix@/run/a.sock', 'ipv4@127.0.0.1:9999'], masterCli: ['unix@/run/m.sock'] });
    assert.equal(e.get('HAPROXY_CFGFILES'), 'a.cfg;b.cfg');
    assert.equal(e.get('HAPROXY_MWORKER'), '1');
    assert.equal(e.get('HAPROXY_CLI'), 'unix@/run/a.sock;ipv4@127.0.0.1:9999');
    assert.equal(e.get('HAPROXY_MASTER_CLI'), 'unix@/run/m.sock');
  });
  test('set/unset/names (setenv, unsetenv, resetenv)', () => {
    const e = createEnvironment({ base: { A: '1' }, localPeer: 'p', cfgFiles: [] });
    e.set('B', '2');
    e.unset('A');
    assert.equal(e.has('A'), false);
    assert.deepEqual(e.names().sort(), ['B', 'HAPROXY_LOCALPEER', 'HAPROXY_STARTUP_VERSION']);
  });
  test('values are byte strings, converted back for child processes', () => {
    const e = createEnvironment({ base: { U: 'é' }, localPeer: 'p', cfgFiles: [] });
    assert.equal(e.get('U'), '\xc3\xa9');
    assert.deepEqual(tokenizeLine('"$U"', e).words, ['\xc3\xa9']);
    assert.equal(e.toProcessEnv()['U'], 'é');
  });
});
