/**
 * Regressions found while splitting the global section, each named after what
 * broke. The expected texts were taken from haproxy 2.6.12 (`haproxy -c`);
 * test/compat/config/global.test.ts and sections.test.ts run the same lines
 * against the real haproxy.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cStrtol, cStrtoul, parseHaTime, str2uic, strl2irc } from '../../../src/config/global/c-numbers.js';
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

describe('one strtol()/atoi() family: the copies rounded or did not narrow', () => {
  it('proxy keywords narrow (int)atol() like C', () => {
    const r = loadConfigText(['backend b', '  timeout connect 1s', '  timeout server 1s', '  hash-balance-factor 4294967297', '  errorfile 99999999999999999999 /dev/null'].join('\n'));
    assert.deepEqual(r.alerts, [
      "parsing [t.cfg:4] : 'hash-balance-factor' must be 0 or greater than 100.",
      "parsing [t.cfg:5] : errorfile : status code '-1' not handled.",
    ]);
  });

  it('log len 4294967376 reads 80 with atoi()', () => {
    const r = loadConfigText(['global', '  log 127.0.0.1 len 4294967376 local0'].join('\n'));
    assert.deepEqual(r.alerts, []);
  });

  it('base 0: rate-limit reads strtoul(), tcpka-cnt strtol()', () => {
    const r = loadConfigText(['frontend f', '  rate-limit sessions 0x', '  clitcpka-cnt 010'].join('\n'));
    assert.deepEqual(r.alerts, ["parsing [t.cfg:2] : 'rate-limit sessions' : unexpected character 'x' in integer value '0x'"]);
  });

  it('strtol() and strtoul() in every base', () => {
    assert.deepEqual(cStrtol('0x1f!', 0), { value: 31n, rest: '!', digits: true });
    assert.deepEqual(cStrtol('017', 0), { value: 15n, rest: '', digits: true });
    assert.deepEqual(cStrtol('0x', 0), { value: 0n, rest: 'x', digits: true });
    assert.deepEqual(cStrtol('  -12x', 10), { value: -12n, rest: 'x', digits: true });
    assert.deepEqual(cStrtol('x'), { value: 0n, rest: 'x', digits: false });
    assert.deepEqual(cStrtoul('-1', 0), { value: (1n << 64n) - 1n, rest: '', digits: true });
    assert.deepEqual(cStrtoul('99999999999999999999999'), { value: (1n << 64n) - 1n, rest: '', digits: true });
  });
});

describe('one stick-table parser for proxies and peers: each copy had its own bugs', () => {
  it('peers tables: 4g overflows, server_name is server_key, gpc_rate takes two arguments', () => {
    const r = loadConfigText(['peers p', '  table t1 type ip size 4g', '  table t2 type ip size 10 store server_name,gpc_rate(2,20s)'].join('\n'));
    assert.deepEqual(r.alerts, ["parsing [t.cfg:2] : table: unexpected character 'g' in argument of 'size'."]);
  });

  it('stick-table: store arguments are checked, and gpt/gpt0 exclude each other', () => {
    const r = loadConfigText(['backend b1', '  stick-table type ip size 10 store gpc(101)', 'backend b2', '  stick-table type ip size 10 store gpt0 store gpt(2)', 'backend b3', '  stick-table type string len x size 10'].join('\n'));
    assert.deepEqual(r.alerts, [
      "parsing [t.cfg:2] : stick-table: array size is out of allowed range (1-100) for store option 'gpc'.",
      "parsing [t.cfg:4] : stick-table: simultaneous usage of 'gpt' and 'gpt0' in a same table is not permitted as 'gpt' overrides 'gpt0'.",
      "parsing [t.cfg:6] : stick-table: unknown type 'x'.",
    ]);
  });

  it('the model keeps canonical names and the raw arguments', () => {
    const r = loadConfigText(['backend b', '  timeout connect 1s', '  timeout server 1s', '  stick-table type ip size 10 store server_name,gpc_rate(3,10s)junk'].join('\n'));
    assert.deepEqual(r.alerts, []);
    const t = r.model.proxies.find((p) => p.name === 'b')?.stickTable;
    assert.deepEqual(t?.store, [{ type: 'server_key', arg: undefined }, { type: 'gpc_rate', arg: '3,10s' }]);
  });
});

describe('one no/default handling for every section, proxies included', () => {
  it('a lone `no` leaves the empty keyword, which peers/resolvers/... do not report', () => {
    const r = loadConfigText(['peers p', '  no', 'global', '  no'].join('\n'));
    const neg = 'negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.';
    assert.deepEqual(r.alerts, [`parsing [t.cfg:2]: ${neg}`, `parsing [t.cfg:4]: ${neg}`, "parsing [t.cfg:4] : unknown keyword '' in 'global' section"]);
  });

  it('in a proxy, `no busy-polling` passes the modifier check like in haproxy', () => {
    const r = loadConfigText(['backend b', '  no busy-polling'].join('\n'));
    assert.deepEqual(r.alerts, ["parsing [t.cfg:2] : unknown keyword 'busy-polling' in 'backend' section"]);
  });
});

describe('a tcpka time error ends with a line feed, as haproxy prints a blank line after it', () => {
  it('clitcpka-idle 1x', () => {
    const r = loadConfigText(['frontend f', '  clitcpka-idle 1x'].join('\n'));
    assert.deepEqual(r.alerts, ["parsing [t.cfg:2] : unexpected character 'x' in argument to <clitcpka-idle>.\n"]);
  });
});
