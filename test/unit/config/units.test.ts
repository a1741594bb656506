/**
 * Time and size parsing (configuration.txt §2.5, tools.c parse_time_err /
 * parse_size_err). Overflow and rejection cases are also checked against
 * haproxy in test/compat/config/tokenizer.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTime, parseSize, parseTime, parseTimeIn, timeoutErrorMessage } from '../../../src/config/units.js';

describe('parseTime (milliseconds)', () => {
  const ok: [string, number][] = [
    ['0', 0],
    ['250', 250],
    ['250ms', 250],
    ['10s', 10000],
    ['1m', 60000],
    ['2h', 7200000],
    ['1d', 86400000],
    ['24d', 2073600000],
    ['0us', 0],
    ['1us', 1], // rounded up
    ['999us', 1],
    ['1001us', 2],
    ['2147483647', 2147483647],
    ['2147483647000us', 2147483647],
  ];
  for (const [text, ms] of ok) test(text, () => assert.deepEqual(parseTime(text), { ok: true, value: ms }));

  test('bad characters are reported, units are case-sensitive', () => {
    for (const [text, c] of [['10x', 'x'], ['-1', '-'], ['1.5s', '.'], ['0x10', 'x'], ['10MS', 'M'], ['10S', 'S'], ['10u', 'u'], [' 10', ' ']]) {
      assert.deepEqual(parseTime(text as string), { ok: false, badChar: c }, text);
    }
    assert.deepEqual(parseTime(''), { ok: false, empty: true });
  });

  test('overflow above 2^31-1 ms, rounding included', () => {
    assert.deepEqual(parseTime('2147483648'), { ok: false, overflow: true });
    assert.deepEqual(parseTime('25d'), { ok: false, overflow: true });
    assert.deepEqual(parseTime('2147483647001us'), { ok: false, overflow: true });
    assert.deepEqual(parseTime('99999999999999999999999'), { ok: false, overflow: true });
  });

  test('trailing characters after a unit only warn', () => {
    const r = parseTime('10sx');
    assert.equal(r.ok, true);
    assert.equal(r.ok && r.value, 10000);
    assert.equal(
      r.ok ? r.warning : '',
      "unexpected character 'x' after the timer value '10sx', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.",
    );
    const m = parseTime('10mx');
    assert.equal(m.ok && m.value, 600000);
  });

  test('a default unit applies to bare numbers only', () => {
    assert.deepEqual(parseTime('10', 's'), { ok: true, value: 10000 });
    assert.deepEqual(parseTime('10ms', 's'), { ok: true, value: 10 });
    assert.deepEqual(parseTime('1500', 'us'), { ok: true, value: 2 });
  });
});

describe('parseTimeIn (value kept in the keyword unit)', () => {
  test('seconds round up like haproxy', () => {
    assert.deepEqual(parseTimeIn('1500ms', 's'), { ok: true, value: 2 });
    assert.deepEqual(parseTimeIn('10', 's'), { ok: true, value: 10 });
    assert.deepEqual(parseTimeIn('1m', 's'), { ok: true, value: 60 });
    assert.deepEqual(parseTimeIn('100', 'us'), { ok: true, value: 100 });
    assert.deepEqual(parseTimeIn('2s', 'us'), { ok: true, value: 2000000 });
    assert.deepEqual(parseTimeIn('3000s', 'us'), { ok: false, overflow: true });
  });
});

describe('parseSize', () => {
  const ok: [string, number][] = [
    ['1', 1],
    ['16k', 16384],
    ['16K', 16384],
    ['1m', 1048576],
    ['1M', 1048576],
    ['1g', 1073741824],
    ['3G', 3221225472],
    ['4194303k', 4294966272],
    ['4294967295', 4294967295],
  ];
  for (const [text, v] of ok) test(text, () => assert.deepEqual(parseSize(text), { ok: true, value: v }));
  test('errors name the offending character like haproxy', () => {
    assert.deepEqual(parseSize('4g'), { ok: false, badChar: 'g', overflow: true });
    assert.deepEqual(parseSize('4194304k'), { ok: false, badChar: 'k', overflow: true });
    assert.deepEqual(parseSize('4294967296'), { ok: false, badChar: '6', overflow: true });
    assert.deepEqual(parseSize('1kb'), { ok: false, badChar: 'b' });
    assert.deepEqual(parseSize('1x'), { ok: false, badChar: 'x' });
    assert.deepEqual(parseSize('-1'), { ok: false, badChar: '-' });
    assert.deepEqual(parseSize(''), { ok: false, empty: true });
  });
});

describe('timeoutErrorMessage', () => {
  test('haproxy wording for timeout keywords', () => {
    const bad = parseTime('10x');
    assert.ok(!bad.ok);
    assert.equal(timeoutErrorMessage(bad, '10x', 'timeout client'), "unexpected character 'x' in 'timeout client'");
    const over = parseTime('25d');
    assert.ok(!over.ok);
    assert.equal(
      timeoutErrorMessage(over, '25d', 'timeout client'),
      "timer overflow in argument '25d' to 'timeout client' (maximum value is 2147483647 ms or ~24.8 days)",
    );
    const empty = parseTime('');
    assert.ok(!empty.ok);
    assert.equal(timeoutErrorMessage(empty, '', 'timeout server'), "'timeout server' expects an integer value (in milliseconds)");
  });
});

describe('formatTime', () => {
  test('largest exact unit', () => {
    assert.equal(formatTime(0), '0');
    assert.equal(formatTime(1500), '1500ms');
    assert.equal(formatTime(5000), '5s');
    assert.equal(formatTime(90000), '90s');
    assert.equal(formatTime(120000), '2m');
    assert.equal(formatTime(7200000), '2h');
    assert.equal(formatTime(86400000 * 3), '3d');
    assert.throws(() => formatTime(-1), RangeError);
    assert.throws(() => formatTime(1.5), RangeError);
  });
  test('round-trips through parseTime', () => {
    for (const ms of [0, 1, 999, 1000, 1001, 59999, 60000, 3600000, 86400000, 2147483647]) {
      assert.deepEqual(parseTime(formatTime(ms)), { ok: true, value: ms });
    }
  });
});
