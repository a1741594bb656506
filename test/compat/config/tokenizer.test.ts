/**
 * Differential tests of the lexer, the conditional blocks, `-cc` and the time
 * and size units against the real haproxy 2.6 (`haproxy -c` / `haproxy -cc`).
 *
 * How haproxy's words are observed: a line of more than 64 words makes
 * haproxy print "too many words, truncating after word 64, position P: <W>."
 * where W is word #64 and P its offset in the output buffer. Prefixing the line
 * under test with 63-j filler words therefore prints its word j (and its
 * offset), and prefixing 64-k / 65-k fillers tells whether it has k slots.
 * The probes sit inside `.if 0`, where haproxy still tokenizes and reports lexer
 * errors but parses no keyword. Every probe line is also run through
 * tokenizeLine() and the messages must be identical, byte for byte.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_LINE_ARGS, splitLine, tokenizeLine } from '../../../src/config/tokenizer.js';
import { createEnvironment } from '../../../src/config/environment.js';
import { ConditionalBlocks, evaluateCliCondition, type ConditionContext } from '../../../src/config/conditions.js';
import { parseSize, parseTime, timeoutErrorMessage } from '../../../src/config/units.js';

const HAPROXY = '/usr/sbin/haproxy';
const skip = existsSync(HAPROXY) ? false : `${HAPROXY} not found: differential tests against haproxy 2.6 skipped`;

/** The environment both sides see (haproxy adds HAPROXY_LOCALPEER / HAPROXY_STARTUP_VERSION itself). */
const BASE_ENV: Record<string, string> = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: '/home/sy',
  SY_MULTI: '  a  b c ',
  SY_EMPTY: '',
  SY_ONE: '1',
  // -cc parses in place: "$SY_FIT" just fits, "$SY_EDGE" overwrites the byte after it.
  SY_FIT: '12345678',
  SY_EDGE: '1234567890',
  SY_MANY: Array.from({ length: 70 }, (_, k) => `m${k}`).join(' '),
};

function haproxyVersion(): string {
  if (skip !== false) return '2.6.0';
  const out = spawnSync(HAPROXY, ['-v'], { encoding: 'latin1' }).stdout;
  return /HAProxy version (\S+)/.exec(out)?.[1] ?? '2.6.0';
}
function haproxyFeatures(): Set<string> {
  if (skip !== false) return new Set();
  const out = spawnSync(HAPROXY, ['-vv'], { encoding: 'latin1' }).stdout;
  const list = /Feature list : (.*)/.exec(out)?.[1] ?? '';
  return new Set(list.split(' ').filter((f) => f.startsWith('+')).map((f) => f.slice(1)));
}

const VERSION = haproxyVersion();
const env = createEnvironment({ base: BASE_ENV, localPeer: hostname(), cfgFiles: [], version: VERSION, binary: false });
const ctx: ConditionContext = { env, version: VERSION, features: haproxyFeatures() };

const dir = skip === false ? mkdtempSync(join(tmpdir(), 'sy-lexer-')) : '';
process.on('exit', () => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

interface Entry {
  level: string;
  text: string;
}

/** Runs haproxy on a config (written as bytes) and splits stderr into messages. */
function runHaproxy(name: string, text: string, extraArgs: string[] = []): Entry[] {
  const file = join(dir, name);
  writeFileSync(file, Buffer.from(text, 'latin1'));
  const r = spawnSync(HAPROXY, ['-c', ...extraArgs, '-f', file], { env: BASE_ENV, encoding: 'latin1', cwd: dir });
  const entries: Entry[] = [];
  for (const line of (r.stdout + r.stderr).split('\n')) {
    const m = /^\[(ALERT|WARNING|NOTICE|DIAG)\] +\(\d+\) : (?:config : )?(.*)$/s.exec(line);
    if (m !== null) entries.push({ level: m[1] as string, text: m[2] as string });
    else if (entries.length > 0 && line !== '') (entries[entries.length - 1] as Entry).text += '\n' + line;
  }
  return entries;
}

/** Messages of the form "parsing [<file>:<n>]: ..." keyed by line number. */
function byLine(entries: Entry[], file: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const prefix = `parsing [${join(dir, file)}:`;
  for (const e of entries) {
    if (!e.text.startsWith(prefix)) continue;
    // "]: " for lexer messages, "] : " for keyword-style ones (kept as "LEVEL : msg").
    const m = /^(\d+)\]( :|:) ([\s\S]*)$/.exec(e.text.slice(prefix.length));
    if (m === null) continue;
    const n = Number(m[1]);
    out.set(n, [...(out.get(n) ?? []), `${e.level}${m[2] === ' :' ? ' :' : ''} ${m[3] as string}`]);
  }
  return out;
}

const filler = (p: number): string => 'F '.repeat(p);

/**
 * The lines under test. Words of the last slot are not observable (nothing
 * follows them), hence the trailing " ZZ" on most lines.
 */
const LINES: [string, string][] = [
  ['hex escape', String.raw`a\x41 \x4a\x4B ZZ`],
  ['hex inside quotes, not inside single quotes', String.raw`"a\x41" 'a\x41' ZZ`],
  ['truncated hex', String.raw`a\x4 ZZ`],
  ['invalid hex', String.raw`a\xZZ ZZ`],
  ['truncated hex at end of line', String.raw`a \x`],
  ['escaped blank, hash, backslash', String.raw`a\ b c\#d e\\f ZZ`],
  ['unknown escapes keep the backslash', String.raw`a\qb a\1 "a\qb" \( ZZ`],
  ['control escapes', String.raw`a\tb "a\nb" 'a\tb' a\rb ZZ`],
  ['quote escapes', String.raw`a\'b a\"b "a\'b" "a\$b" a\$b 'a\'b ZZ`],
  ['comments', 'a#comment b'],
  ['comment after blank', 'a b # comment c'],
  ['protected hashes', String.raw`"a#b" 'c#d' e\#f ZZ`],
  ['comment glued to a quote', '"a"#b ZZ'],
  ['variables only expand in double quotes', '"$HOME" "${HOME}" $HOME ${HOME} \'${HOME}\' ZZ'],
  ['variables inside words', '"x${HOME}y" "x$HOME-y" "$HOME$HOME" ZZ'],
  ['undefined variables', '"${SY_UNSET}" "x${SY_UNSET}y" "$SY_UNSET" "${SY_UNSET}"x ZZ'],
  ['defaults', '"${SY_UNSET-def ault}" "${HOME-def}" "${SY_EMPTY-def}" "${SY_UNSET-}" ZZ'],
  ['word expansion', '"${SY_MULTI[*]}" "${SY_MULTI}" ${SY_MULTI[*]} "$SY_MULTI[*]" ZZ'],
  ['word expansion of a default', '"${SY_UNSET[*]-p q}" ZZ'],
  ['predefined variables', '"${HAPROXY_LOCALPEER}" "${HAPROXY_STARTUP_VERSION}" "${HAPROXY_CFGFILES}" "${HAPROXY_HTTP_LOG_FMT}" ZZ'],
  ['pseudo-variables', '"${.FILE}" "${.LINE}" "${.SECTION}" "$.LINE" ZZ'],
  ['bad variable name', '"${1X}" ZZ'],
  ['lone dollar', '"a$" ZZ'],
  ['dollar before a quote', '"$" ZZ'],
  ['unmatched brace', '"${HOME" ZZ'],
  ['unterminated default', '"${SY_UNSET-abc" ZZ'],
  ['bad word expansion', '"${SY_MULTI[x]}" ZZ'],
  ['unknown pseudo-variable', '"${.FOO}" ZZ'],
  ['unterminated double quote', 'a "b c'],
  ['unterminated single quote', "  a 'b c"],
  ['escaped closing quote', String.raw`"a\" ZZ`],
  ['empty words', `"" a "" '' b ZZ`],
  ['trailing empty word', 'a ""'],
  ['words glued to quotes', `a"b c"d a'b c'd "a'b" 'a"b' ZZ`],
  ['tabs', '\ta\tb\t\tc\t ZZ'],
  ['CR at end of line', 'a b\r'],
  ['CR ends the line', 'a\rb ZZ'],
  ['CR after a blank is skipped', 'a \rb ZZ'],
  ['vertical tab and form feed separate words', 'x\x0by\x0cz ZZ'],
  ['bytes are bytes', 'x\xc3\xa9y x\x01y \x7f ZZ'],
  ['\\x00 ends the C string of a word', String.raw`a\x00b c ZZ`],
  ['backslash at end of line', 'a b\\'],
  ['blank line', '   '],
  ['comment line', '  # just a comment'],
  ['very long line', `${'x'.repeat(5000)} ${'y'.repeat(3000)} ZZ`],
  ['error far in a long line (windowed)', `foo ${'y'.repeat(100)} "abc`],
  ['error at column 80', `foo ${'y'.repeat(75)} "abc`],
  ['control characters in an error line', `foo ${'y'.repeat(30)}\t\x01z "abc${'k'.repeat(100)}`],
  ['65 words', Array.from({ length: 65 }, (_, k) => `w${k}`).join(' ')],
  ['64 words', Array.from({ length: 64 }, (_, k) => `w${k}`).join(' ')],
  ['64 words and a comment', `${Array.from({ length: 64 }, (_, k) => `w${k}`).join(' ')} # c`],
  ['expansion beyond 64 words', '"${SY_MANY[*]}"'],
  ['too many words and an unmatched quote', `${'w '.repeat(70)}"x`],
  ['scope declaration', '  [my.scope:1-a_b] # comment'],
  ['empty scope', '[]'],
  ['unterminated scope', '[abc'],
  ['bad scope name', '[a b] c'],
  ['bad scope name byte', '[a\x01]'],
  ['text after a scope', '[ok]\tx'],
  ['scope with quotes is not tokenized', '[a]"b'],
];

describe('lexer against haproxy -c', { skip }, () => {
  test('every probe line gives the same words, positions and errors', () => {
    const file = 'words.cfg';
    // Build the probe lines: the line itself, then filler variants.
    const probes: { name: string; line: string }[] = [];
    for (const [name, line] of LINES) {
      probes.push({ name, line });
      const r = splitLine(line, env, { pseudo: { file: '', line: 0, section: 'global' } });
      const k = r.slots.length;
      if (r.error !== undefined || r.tooMany || k > MAX_LINE_ARGS) continue;
      if (64 - k >= 0) probes.push({ name: `${name} [count: ${64 - k} fillers]`, line: filler(64 - k) + line });
      probes.push({ name: `${name} [count: ${65 - k} fillers]`, line: filler(65 - k) + line });
      for (let j = 0; j < k - 1; j++) probes.push({ name: `${name} [word ${j}]`, line: filler(63 - j) + line });
    }
    // haproxy stops a file after 50 fatal errors: use batches of 40 probes.
    const mismatches: unknown[] = [];
    for (let b = 0; b * 40 < probes.length; b++) {
      const batch = probes.slice(b * 40, b * 40 + 40);
      const name = `b${b}-${file}`;
      const text = `global\n.if 0\n${batch.map((p) => p.line).join('\n')}\n.endif\n`;
      const actual = byLine(runHaproxy(name, text), name);
      batch.forEach((p, k) => {
        const lineNo = k + 3;
        const t = tokenizeLine(p.line, env, { file: join(dir, name), line: lineNo, section: 'global' });
        const expected = t.error !== undefined ? [`ALERT${t.error.spacedPrefix === true ? ' :' : ''} ${t.error.message}`] : [];
        const got = actual.get(lineNo) ?? [];
        if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push({ probe: p.name, line: p.line.slice(0, 200), expected, got });
      });
    }
    assert.deepEqual(mismatches, []);
    assert.ok(probes.length > LINES.length * 2, 'the filler probes ran');
  });
});

/** A minimal reader: lexer + ConditionalBlocks, as cfgparse.c sequences them. */
function simulate(file: string, text: string, diag: boolean): string[] {
  const out: string[] = [];
  const blocks = new ConditionalBlocks(ctx);
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let lineNo = 0;
  let flow: string | undefined;
  const place = (): string => `parsing [${file}:${lineNo}]: `;
  for (const raw of lines) {
    lineNo++;
    const t = tokenizeLine(raw, env, { file, line: lineNo, section: lineNo > 1 ? 'global' : '' });
    const first = t.words[0];
    if (t.error !== undefined) out.push(`ALERT ${t.error.spacedPrefix === true ? place().replace(']: ', '] : ') : place()}${t.error.message}`);
    else if (first !== undefined && first.startsWith('.')) {
      const r = blocks.directive(t.words, t.trailingEmptySlot);
      if (r.report !== undefined && (r.report.severity !== 'diag' || diag)) out.push(`${r.report.severity.toUpperCase()} ${place()}${r.report.message}`);
      if (r.error !== undefined) out.push(`ALERT ${place()}${r.error}`);
      if (r.flow === 'break' || r.flow === 'abort') {
        flow = r.flow;
        break;
      }
    } else if (first !== undefined && first !== '' && blocks.active && lineNo > 1) {
      out.push(`ALERT parsing [${file}:${lineNo}] : unknown keyword '${first}' in 'global' section`);
    }
    if (t.strayNul !== undefined) {
      out.push(`ALERT ${place()}${t.strayNul.message}`);
      flow = 'break';
      break;
    }
  }
  if (flow !== 'abort') {
    const f = blocks.finish();
    if (f !== undefined) out.push(`ALERT ${place()}${f}`);
  }
  return out;
}

const SCENARIOS: [string, string, boolean?][] = [
  ['nested blocks', 'global\n.if 1\n.if 0\n.notice no\n.elif 0\n.notice no\n.elif "${SY_ONE}"\n.notice elif\n.else\n.notice no\n.endif\n.else\n.notice no\n.endif\n.if 0\n.else\n.notice else\n.endif\n'],
  ['conditions are not evaluated in dropped blocks', 'global\n.if 0\n.if foo(\n.notice no\n.endif\n.elif 1\n.notice yes\n.elif bar(\n.endif\n'],
  ['.if syntax error aborts', 'global\n.if 1 && streq(a,b,c) || 0\n.notice after\n.endif\n'],
  ['.elif syntax error', 'global\n.if 0\n.elif foo(1)\n.endif\n'],
  ['.elif after .else', 'global\n.if 1\n.else\n.elif 1\n.endif\n'],
  ['.else after .else', 'global\n.if 0\n.else\n.else\n.endif\n'],
  ['lone .endif', 'global\n.endif\n'],
  ['lone .elif', 'global\n.elif 1\n'],
  ['non-terminated block at end of file', 'global\n.if 1\n.if 0\n\n\n'],
  ['extra words', 'global\n.notice a b c\n.notice a "" b\n.warning\n.notice\n.if 1\n.else junk\n.endif\n'],
  ['.endif with a word', 'global\n.if 1\n.endif x\n.notice after\n'],
  ['.alert aborts', 'global\n.warning "w 1"\n.alert "boom"\n.notice after\n'],
  ['.alert with two words continues', 'global\n.alert a b\n.notice after\n'],
  ['unknown directive', 'global\n.if 1\n.foo x\n.endif\n.notice after\n'],
  ['directives ignored in dropped blocks', 'global\n.if 0\n.foo\n.alert x\n.notice a b\n.endif\n.notice after\n'],
  ['comment after .if keeps a blank', 'global\n.if foo # c\n.endif\n'],
  ['lexer errors inside a dropped block', 'global\n.if 0\n  foo "abc\n  bar \\xZZ\n.endif\n.notice after\n'],
  ['stray NUL stops the file', 'global\n.if 1\na\0b\n.endif\n.notice after\n'],
  ['the line before a NUL is processed', 'global\n.if 1\0\n.notice after\n'],
  ['lexer error before a NUL', 'global\n"a\0b\n.notice after\n'],
  ['directive before a NUL', 'global\n.notice x\0b\n.notice after\n'],
  ['too many nested .if', `global\n${'.if 0\n'.repeat(100)}${'.endif\n'.repeat(100)}`],
  ['99 nested .if are fine', `global\n${'.if 1\n'.repeat(99)}.notice deep\n${'.endif\n'.repeat(99)}`],
  ['conditions with variables', 'global\n.if defined(HOME) && streq("$SY_ONE",1) && !defined(SY_UNSET)\n.notice yes\n.endif\n.if "${SY_UNSET}"\n.notice no\n.endif\n'],
  ['words are re-merged', 'global\n.if streq(foo  bar,"foo bar")\n.notice merged\n.endif\n'],
  ['long .if error is windowed', `global\n.if ${'1&&'.repeat(40)}foo\n.endif\n`],
  ['long .elif error is windowed', `global\n.if 0\n.elif ${'1&&'.repeat(25)}foo${'&&1'.repeat(25)}\n.endif\n`],
  ['diagnostics', 'global\n.diag "d 1"\n.notice n\n', true],
  ['pseudo-variables in messages', 'global\n.notice "${.FILE}:${.LINE} in ${.SECTION}"\n'],
];

describe('conditional blocks against haproxy -c', { skip }, () => {
  for (const [name, text, diag] of SCENARIOS) {
    test(name, () => {
      const file = `s-${name.replace(/[^a-z0-9]+/gi, '-')}.cfg`;
      const entries = runHaproxy(file, text, diag === true ? ['-dD'] : []);
      const prefix = `parsing [${join(dir, file)}:`;
      const got = entries.filter((e) => e.text.startsWith(prefix)).map((e) => `${e.level} ${e.text}`);
      assert.deepEqual(got, simulate(join(dir, file), text, diag === true));
    });
  }
});

const CONDITIONS = [
  '', '0', '00', '1', '-1', '+1', '-0', '0x10', '08', '1.5', 'yes', 'true', ' 1', ' ', '  ',
  'defined(HOME)', 'defined(SY_UNSET)', 'defined', 'defined()', 'defined( HOME )', 'defined (HOME)', 'defined(HOME,x)', 'Defined(HOME)',
  'feature(LUA)', 'feature(OPENSSL)', 'feature(QUIC)', 'feature(lua)', 'feature(+LUA)', 'feature()', 'feature',
  'streq(a,a)', 'strneq(a,a)', 'streq(a,b)', 'streq(a)', 'streq', 'streq()', 'streq(a,b,c)', 'streq(a,b', 'streq(,)', 'streq( a , a )',
  'streq("a b","a b")', "streq('a,b','a,b')", 'streq(a\\,b,a\\,b)', 'streq(\\"a,b\\",x)', 'streq(a\\\\b,a\\b)', 'streq(a,a\\\\\\\\', 'streq("$HOME",/home/sy)', 'streq("${HOME}",/home/sy)', '"$HOME"', '"${HOME}"', '"$SY_ONE"', '1 || "$HOME"',
  'streq(\\x41,A) || "$HOME"', '"\\x41\\x41$HOME"', '"$SY_UNSET"x', '"${SY_MULTI[*]}"',
  'streq("$SY_FIT",12345678)', 'streq("$SY_EDGE",1234567890)', '"$SY_EDGE"', '"$SY_EDGE"  ', 'streq("${SY_EDGE}",1234567890)',
  'version_atleast(2.5)', 'version_atleast(2.6)', 'version_before(2.6)', 'version_before(3.0)', 'version_atleast(2.4-dev19)',
  'version_atleast(x)', 'version_before(x)', 'version_atleast()', 'version_atleast(99)', 'version_atleast(2.6.0.1)', 'version_atleast(2.6-rc1-5)',
  '!0', '!!1', '! 1', '!', '!!', '!foo', '1 && 0', '1 || 0', '1&&1', '0||1', '0 || 0 && 1', '1 || 0 && 0', '(1 || 0) && 0', '!(1 && 0)', '((1))',
  '1 &&', '1 && ', '1 && 1 &&', '1 || ', '1 || 1 ||', '1 || 1 &&', '&& 1', '1 &&& 1', '1 ||| 0', '1 & 1', '1 0', '1 )', '(1', '(', '()', '( )', '(foo)',
  '1 # c', '"1"', "'0'", '\\x31', '"\\x30"', '"1', '\\x4', '"${1}"', '"${SY_ONE}"', '"${SY_UNSET}"', 'streq(a,b) || 1x',
];

describe('-cc conditions against haproxy -cc', { skip }, () => {
  test(`${CONDITIONS.length} conditions give the same exit code and message`, () => {
    const mismatches: unknown[] = [];
    for (const cond of CONDITIONS) {
      const r = spawnSync(HAPROXY, ['-cc', cond], { env: BASE_ENV, encoding: 'latin1' });
      const alert = /\[ALERT\] +\(\d+\) : config : (.*)/.exec(r.stderr)?.[1];
      const mine = evaluateCliCondition(cond, ctx);
      const expected = mine.ok ? { status: mine.value ? 0 : 1, alert: undefined } : { status: 2, alert: mine.message };
      const got = { status: r.status, alert };
      if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push({ cond, expected, got });
    }
    assert.deepEqual(mismatches, []);
  });
});

describe('time and size units against haproxy -c', { skip }, () => {
  test('timeout client values', () => {
    const values = ['10', '10s', '10x', '10sx', '10mx', '-1', '1.5s', '0x10', '10MS', '10S', '10u', '1us', '0us', '1m', '1h', '24d', '25d',
      '2147483647', '2147483648', '2147483647ms', '2147483647000us', '2147483647001us', '99999999999999999999999'];
    const mismatches: unknown[] = [];
    values.forEach((v, k) => {
      const file = `t${k}.cfg`;
      const entries = runHaproxy(file, `defaults\n  timeout client ${v}\n`);
      const got = entries.filter((e) => e.text.includes('timeout client') || e.text.includes('timer value')).map((e) => `${e.level} ${e.text}`);
      const r = parseTime(v);
      const expected = r.ok
        ? r.warning !== undefined ? [`WARNING ${r.warning}`] : []
        : [`ALERT parsing [${join(dir, file)}:2] : ${timeoutErrorMessage(r, v, 'timeout client')}`];
      if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push({ v, expected, got });
    });
    assert.deepEqual(mismatches, []);
  });

  test('stick-table size values', () => {
    const values = ['1', '16k', '16K', '1m', '1M', '1g', '3G', '4g', '4294967295', '4294967296', '42949672950', '4194303k', '4194304k', '1kb', '1x', '-1', '1.5k'];
    const mismatches: unknown[] = [];
    values.forEach((v, k) => {
      const file = `z${k}.cfg`;
      const entries = runHaproxy(file, `backend b\n  stick-table type ip size ${v}\n`);
      const got = entries.filter((e) => e.text.includes("argument of 'size'")).map((e) => e.text.replace(/^parsing \[[^\]]*\] : /, ''));
      const r = parseSize(v);
      const expected = r.ok ? [] : [`stick-table: unexpected character '${r.badChar ?? ''}' in argument of 'size'.`];
      if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push({ v, expected, got });
    });
    assert.deepEqual(mismatches, []);
  });
});
