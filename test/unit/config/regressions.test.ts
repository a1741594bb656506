/**
 * Regressions found while splitting the global section, each named after what
 * broke. The expected texts were taken from haproxy 2.6.12 (`haproxy -c`);
 * test/compat/config/global.test.ts and sections.test.ts run the same lines
 * against the real haproxy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cStrtol, parseHaTime, str2uic, strl2irc } from '../../../src/config/global/c-numbers.js';
import { countProcessNumber, processNumberError } from '../../../src/config/global/process-number.js';
import { parseTime } from '../../../src/config/units.js';
import { loadConfigText } from '../../helpers/load-config.js';

/** parse_time_err()'s own warning for `text` ("10sx"), as haproxy prints it: no place. */
const trailing = (text: string): string =>
  `unexpected character 'x' after the timer value '${text}', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.`;

describe('a character after a time unit only warns (haproxy 2.6), it was refused', () => {
  it('global keywords take the value and warn without a place', () => {
    const r = loadConfigText(
      ['global', '  grace 10sx', '  hard-stop-after 10sx', '  tune.idletimer 10sx', '  max-spread-checks 10sx', '  stats timeout 10sx', '  tune.ssl.lifetime 10sx', '  tune.lua.session-timeout 10sx'].join('\n'),
    );
    assert.deepEqual(r.alerts, []);
    assert.deepEqual(r.warnings, Array(7).fill(trailing('10sx')));
    assert.equal(r.model.global.gracefulStop, 10000);
    assert.equal(r.model.global.maxSpreadChecks, 10000);
    assert.equal(r.model.global.statsTimeout, 10000);
    assert.equal(r.model.global.tune.get('tune.idletimer'), 10000);
    // tune.ssl.lifetime is kept in seconds
    assert.equal(r.model.global.tune.get('tune.ssl.lifetime'), 10);
    // the warning keeps its place for tools, it is only not printed
    const d = r.diag.list.find((x) => x.code === 'CFG_TIME_TRAILING_CHAR');
    assert.equal(d?.place?.line, 2);
    assert.equal(d?.style, 'none');
  });

  it('the auxiliary sections warn too (peers table, ring, mailers, resolvers)', () => {
    const r = loadConfigText(
      [
        'peers p', '  table t type ip size 10 expire 10sx',
        'ring r', '  timeout connect 10sx', '  timeout server 10sx',
        'mailers m', '  mailer a 127.0.0.1:25', '  timeout mail 10sx',
        'resolvers r1', '  nameserver a 127.0.0.1:53', '  timeout resolve 10sx', '  hold valid 10sx',
      ].join('\n'),
    );
    assert.deepEqual(r.alerts, []);
    assert.equal(r.warnings.filter((w) => w === trailing('10sx')).length, 6);
    assert.equal(r.model.rings[0]?.timeoutConnect, 10000);
  });

  it('the warning comes before the overflow alert of the same value', () => {
    const r = loadConfigText(['global', '  grace 99999999dx', '  stats timeout 0sx'].join('\n'));
    const lines = r.diag.list.filter((d) => d.severity !== 'notice').map((d) => `${d.severity} ${d.message}`);
    assert.deepEqual(lines, [
      `warning ${trailing('99999999dx')}`,
      "alert timer overflow in argument '99999999dx' to 'grace' (maximum value is 2147483647 ms or ~24.8 days)",
      `warning ${trailing('0sx')}`,
      "alert 'stats timeout' expects a positive value",
    ]);
  });

  it('proxy timeouts, log-forward, bind tcp-ut and tcp-request inspect-delay pass the warning on', () => {
    const r = loadConfigText(
      ['defaults', '  mode http', '  timeout client 10sx', 'frontend f', '  bind 127.0.0.1:65000 tcp-ut 10sx', '  tcp-request inspect-delay 10sx', '  default_backend b', 'backend b', '  timeout connect 1s', '  timeout server 1s'].join('\n'),
    );
    assert.deepEqual(r.alerts, []);
    assert.equal(r.warnings.filter((w) => w === trailing('10sx')).length, 3);
  });

  it('parseTime() keeps the warning on an overflow', () => {
    assert.deepEqual(parseTime('99999999dx'), { ok: false, overflow: true, warning: trailing('99999999dx') });
  });

  it('parseHaTime() hands the warning to its sink and returns the value', () => {
    const got: string[] = [];
    const r = parseHaTime('10sx', 's', { warning: (code, message, style) => void got.push(`${code} ${style ?? ''} ${message}`) });
    assert.deepEqual(r, { ok: true, value: 10 });
    assert.deepEqual(got, [`CFG_TIME_TRAILING_CHAR none ${trailing('10sx')}`]);
  });
});

describe('int keywords read like (int)atol(): exact above 2^53, they lost precision', () => {
  it('9007199254740993 is 1 as an int, not 0', () => {
    const r = loadConfigText(['global', '  stats maxconn 9007199254740993', '  tune.bufsize 9007199254740993', '  maxconn 9007199254740993', '  maxsslconn 9007199254740993'].join('\n'));
    assert.deepEqual(r.alerts, []);
    assert.equal(r.model.global.statsMaxconn, 1);
    // (1 + 15) & -16
    assert.equal(r.model.global.tune.get('tune.bufsize'), 16);
    assert.equal(r.model.global.maxSslConn, 1);
  });

  it('2^53 + 2^32 - 1 narrows to -1: spread-checks refuses it', () => {
    const r = loadConfigText(['global', '  spread-checks 9007203549708287'].join('\n'));
    assert.deepEqual(r.alerts, ["parsing [t.cfg:2]: 'spread-checks' needs a positive value in range 0..50."]);
  });

  it('4294967297 is 1, 2147483648 is INT_MIN, -1 stays -1', () => {
    const r = loadConfigText(['global', '  stats maxconn 4294967297', '  tune.maxrewrite 2147483648', '  maxsslconn -1'].join('\n'));
    assert.deepEqual(r.alerts, ["parsing [t.cfg:3] : 'tune.maxrewrite' expects a positive integer argument.", "parsing [t.cfg:4] : 'maxsslconn' expects a positive numeric value."]);
    assert.equal(r.model.global.statsMaxconn, 1);
  });

  it('a long printed back keeps every digit (nbthread, thread-group)', () => {
    const r = loadConfigText(['global', '  nbthread 9007199254740993', '  thread-group 99999999999999999999'].join('\n'));
    assert.deepEqual(r.alerts, [
      "parsing [t.cfg:2] : 'nbthread' value must be between 1 and 64 (was 9007199254740993)",
      "parsing [t.cfg:3] : 'thread-group' thread-group number must be between 1 and 1 (was 9223372036854775807)",
    ]);
  });

  it('uid/gid accept exactly the ints strl2irc() accepts', () => {
    const r = loadConfigText(['global', '  uid 4294967297', '  gid -2147483648'].join('\n'));
    assert.deepEqual(r.warnings, [
      "parsing [t.cfg:2] :  uid: string '4294967297' is not a number.\n   | You might want to use the 'user' parameter to use a system user name.",
    ]);
    assert.equal(r.model.global.uid, undefined);
    assert.equal(r.model.global.gid, -2147483648);
  });

  it('the C helpers', () => {
    assert.equal(cStrtol('9007199254740993').value, 9007199254740993n);
    assert.equal(cStrtol('-99999999999999999999').value, -(1n << 63n));
    assert.equal(str2uic('4294967297'), 1);
    assert.equal(str2uic('18446744073709551617'), 1);
    assert.equal(str2uic('12-3'), 12);
    assert.equal(strl2irc('-'), 0);
    assert.equal(strl2irc('2147483647'), 2147483647);
    assert.equal(strl2irc('2147483648'), undefined);
    assert.equal(strl2irc('+1'), undefined);
    assert.equal(strl2irc('1 '), undefined);
  });
});

describe('parse_process_number(): one implementation with its upper bound, bind lacked it', () => {
  it("'bind :80 thread 1-100' is refused", () => {
    const r = loadConfigText(['frontend f', '  bind 127.0.0.1:65000 thread 1-100', '  bind 127.0.0.1:65001 thread 1/1-100'].join('\n'));
    const msg = "'1-100' : '1-100' is not a valid number/range. It supports numbers from 1 to 64.";
    assert.deepEqual(r.alerts, [
      `parsing [t.cfg:2] : 'bind 127.0.0.1:65000' in section 'frontend' : ${msg}`,
      `parsing [t.cfg:3] : 'bind 127.0.0.1:65001' in section 'frontend' : ${msg}`,
    ]);
  });

  it("'stats bind-process' and bind 'process' allow process 1 only, each word checked", () => {
    const r = loadConfigText(['global', '  stats bind-process 1 2', '  stats bind-process all 2', 'frontend f', '  bind 127.0.0.1:65000 process 1-100'].join('\n'));
    assert.deepEqual(r.alerts, [
      // the line feed is haproxy's: a blank line follows this alert
      "parsing [t.cfg:2] : 'stats bind-process' : '2' is not a valid number/range. It supports numbers from 1 to 1.\n",
      // bind lines go through indent_msg(), which drops it
      "parsing [t.cfg:5] : 'bind 127.0.0.1:65000' in section 'frontend' : 'process' : '1-100' is not a valid number/range. It supports numbers from 1 to 1.",
    ]);
  });

  it("'stats socket' quotes the error with its line feed", () => {
    const r = loadConfigText(['global', '  stats socket /tmp/sy-regression.sock process 2'].join('\n'));
    assert.deepEqual(r.alerts, ["parsing [t.cfg:2] : 'stats socket' : ''process' : '2' is not a valid number/range. It supports numbers from 1 to 1.\n'"]);
  });

  it('numbers wrap at 2^32 as str2uic() reads them', () => {
    assert.equal(processNumberError('18446744073709551617', 64), undefined);
    assert.equal(processNumberError('4294967297-2', 64), undefined);
    assert.equal(countProcessNumber('4294967297-2', 64), 2);
    assert.equal(processNumberError('99999999999999999999', 64), "'99999999999999999999' is not a valid number/range. It supports numbers from 1 to 64.\n");
    assert.equal(processNumberError('2-', 1), "'2-' is not a valid number/range. It supports numbers from 1 to 1.\n");
    assert.equal(processNumberError('1/2', 1), "'1/2' is not a valid number/range.");
  });
});
