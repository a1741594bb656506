/**
 * The global section and `log` lines: model fields, haproxy's messages and
 * the environment keywords taking effect for the following lines. Each case
 * goes through loadConfiguration() on a temporary file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Diagnostics } from '../../../src/config/diagnostics.js';
import { loadAsLines } from '../../helpers/load-config.js';
import type { ConfigModel } from '../../../src/config/model/index.js';
import type { LineContext } from '../../../src/config/section-registry.js';
import { parseHaTime } from '../../../src/config/global/c-numbers.js';
import { applyModifier } from '../../../src/config/global/keyword-modifier.js';
import { parseLogWords } from '../../../src/log/log-target.js';

interface Loaded { model: ConfigModel; diag: Diagnostics; lines: string[] }

const dir = mkdtempSync(join(tmpdir(), 'sy-global-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Loads `text` as file `t.cfg`; `lines` are the diagnostics as `A <msg>` / `W <msg>` (not-enforced notes left out). */
function load(text: string, localPeer = 'local1'): Loaded {
  return loadAsLines(text, { localPeer, env: { HOME: '/root', KEEP: 'k' }, features: new Set<string>() });
}

describe('global section: model', () => {
  it('fills the typed fields the runtime reads', () => {
    const { model, lines } = load([
      'global', '  daemon', '  master-worker no-exit-on-failure', '  maxconn 4000', '  nbthread 4', '  pidfile /run/x.pid',
      '  hard-stop-after 30s', '  grace 2s', '  quiet', '  description my proxy', '  node n1', '  stats timeout 10s',
    ].join('\n'));
    assert.deepEqual(lines, []);
    const g = model.global;
    assert.equal(g.daemon, true);
    assert.equal(g.masterWorker, true);
    assert.equal(g.masterWorkerNoExitOnFailure, true);
    assert.equal(g.maxconn, 4000);
    assert.equal(g.nbthread, 4);
    assert.equal(g.pidfile, '/run/x.pid');
    assert.equal(g.hardStopAfter, 30000);
    assert.equal(g.gracefulStop, 2000);
    assert.equal(g.quiet, true);
    assert.equal(g.description, 'my proxy');
    assert.equal(g.statsTimeout, 10000);
  });

  it('keeps tune.* values with haproxy rounding', () => {
    const { model } = load('global\n tune.bufsize 1000\n tune.maxaccept -1\n tune.ssl.lifetime 1m\n tune.sched.low-latency on\n');
    assert.equal(model.global.tune.get('tune.bufsize'), 1008);
    assert.equal(model.global.tune.get('tune.maxaccept'), -1);
    assert.equal(model.global.tune.get('tune.ssl.lifetime'), 60);
    assert.equal(model.global.tune.get('tune.sched.low-latency'), true);
  });

  it('parses log targets, defaults and samples', () => {
    const { model, lines } = load('global\n log 127.0.0.1 local0\n log stdout format raw daemon info notice\n log ring@buf len 200 sample 1-2,5:10 user\n');
    assert.deepEqual(lines, []);
    const [a, b, c] = model.global.logs;
    assert.equal(a?.target.kind, 'dgram');
    assert.equal(a?.target.kind === 'dgram' ? a.target.address.port : 0, 514);
    assert.equal(a?.level, 'debug');
    assert.equal(a?.minLevel, 'emerg');
    assert.deepEqual(b?.target, { kind: 'fd', fd: 1 });
    assert.equal(b?.format, 'raw');
    assert.equal(b?.minLevel, 'notice');
    assert.deepEqual(c?.target, { kind: 'ring', ring: 'buf' });
    assert.deepEqual(c?.sample, { ranges: [{ low: 1, high: 2 }, { low: 5, high: 5 }], size: 10 });
    assert.equal(c?.maxLength, 200);
  });

  it('`no log` empties the list', () => {
    const { model } = load('global\n log 127.0.0.1 local0\n no log\n');
    assert.equal(model.global.logs.length, 0);
  });

  it('stats socket keeps its bind options', () => {
    const { model, lines } = load('global\n stats socket /tmp/sy-test.sock level admin expose-fd listeners mode 600\n');
    assert.deepEqual(lines, []);
    const s = model.global.statsSockets[0];
    assert.equal(s?.level, 'admin');
    assert.equal(s?.exposeFdListeners, true);
    assert.equal(s?.address.family, 'unix');
  });
});

describe('global section: environment keywords act on later lines', () => {
  it('setenv, presetenv, unsetenv, resetenv', () => {
    const { model, lines } = load([
      'global', '  setenv A one', '  presetenv A two', '  presetenv B two', '  node "${A}-${B}"',
      '  unsetenv A', '  description "x${A}x"', '  resetenv B', '  log-tag "${KEEP}${B}"',
    ].join('\n'));
    assert.deepEqual(lines, []);
    assert.equal(model.global.node, 'one-two');
    assert.equal(model.global.description, 'xx');
    assert.equal(model.global.logTag, 'two');
    assert.equal(model.global.envChanges.length, 5);
  });

  it('localpeer changes HAPROXY_LOCALPEER', () => {
    const { model } = load('global\n localpeer p9\n node "${HAPROXY_LOCALPEER}"\n');
    assert.equal(model.global.localPeer, 'p9');
    assert.equal(model.global.node, 'p9');
  });
});

describe('global section: messages', () => {
  const cases: Array<[string, string[]]> = [
    ['maxconn', ["A parsing [t.cfg:2] : 'maxconn' expects an integer argument."]],
    ['maxconn 1 2', ["A parsing [t.cfg:2] : 'maxconn' cannot handle unexpected argument '2'."]],
    ['nbproc 2', ['A parsing [t.cfg:2] : nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.']],
    ['nbthread 0', ["A parsing [t.cfg:2] : 'nbthread' value must be between 1 and 64 (was 0)"]],
    ['nbthread x', ["A parsing [t.cfg:2] : 'nbthread' passed a missing or unparsable integer value in 'x'"]],
    ['tune.idletimer 1x', ["A parsing [t.cfg:2]: unexpected character 'x' in argument to <tune.idletimer>."]],
    ['stats timeout', ["A parsing [t.cfg:2] : 'stats timeout' : unexpected character '"]],
    ['stats socket /tmp/x level foo', ["A parsing [t.cfg:2] : 'stats socket' : ''level' only supports 'user', 'operator', and 'admin' (got 'foo')'"]],
    ['lua-load /nonexistent.lua', ["A parsing [t.cfg:2] : error in Lua file '/nonexistent.lua': cannot open /nonexistent.lua: No such file or directory"]],
    ['ssl-default-bind-ciphers', ["A parsing [t.cfg:2] : global statement 'ssl-default-bind-ciphers' expects a cipher suite as an argument."]],
    ['no daemon', ['A parsing [t.cfg:2]: negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.']],
    ['log 127.0.0.1 local0 info baz', ["A parsing [t.cfg:2] : log : unknown optional minimum log level 'baz'"]],
    ['log global', ["A parsing [t.cfg:2] : log : 'global' is not supported for a global syslog server"]],
    ['log 127.0.0.1 sample 3-1,5:10 local0', ["A parsing [t.cfg:2] : log : wrong sample range '3-1,5'"]],
    ['tune.vars.txn-max-size 10k', ["A parsing [t.cfg:2] : tune.vars.txn-max-size: '10k' is an invalid size"]],
    ['daemons', ["A parsing [t.cfg:2] : unknown keyword 'daemons' in 'global' section; did you mean 'daemon' maybe ?"]],
    ['uid abc', ["W parsing [t.cfg:2] :  uid: string 'abc' is not a number.\n   | You might want to use the 'user' parameter to use a system user name."]],
    ['mworker-max-reloads -1', ["W parsing [t.cfg:2] : (null)parsing [t.cfg:2] 'mworker-max-reloads' : invalid value -1, must be >= 0"]],
    ['cpu-map 1 x', ["A parsing [t.cfg:2] : cpu-map : 'x' is not a CPU range."]],
  ];
  for (const [line, expected] of cases) {
    it(line, () => assert.deepEqual(load(`global\n${line}\n`).lines, expected));
  }

  it('"already specified" alerts are not fatal', () => {
    const r = load('global\n maxconn 1\n maxconn 2\n');
    assert.deepEqual(r.lines, ["A parsing [t.cfg:3] : 'maxconn' already specified. Continuing."]);
    assert.equal((r.diag.list[0] as { fatal?: boolean }).fatal, false);
    assert.equal(r.model.global.maxconn, 1);
  });

  it('a value of 0 does not count as specified (haproxy tests the global for 0)', () => {
    assert.deepEqual(load('global\n maxconn abc\n maxconn 5\n').lines, []);
  });

  it('experimental directives need expose-experimental-directives', () => {
    assert.equal(load('global\n tune.fd.edge-triggered on\n').lines.length, 1);
    assert.deepEqual(load('global\n expose-experimental-directives\n tune.fd.edge-triggered on\n').lines, []);
  });

  it('not enforced keywords say so once parsed', () => {
    const r = load('global\n tune.bufsize 32768\n tune.ssl.cachesize 100\n daemon\n');
    const notes = r.diag.list.filter((d) => d.code === 'CFG_NOT_ENFORCED').map((d) => d.message);
    assert.deepEqual(notes, ["'tune.ssl.cachesize' (lands with TLS) is parsed but not enforced yet by Switchyard."]);
  });
});

describe('helpers', () => {
  it('parseHaTime rounds up and reports overflow', () => {
    const warnings: string[] = [];
    const sink = { warning: (_code: string, message: string) => void warnings.push(message) };
    assert.deepEqual(parseHaTime('1500us', 'ms', sink), { ok: true, value: 2 });
    assert.deepEqual(parseHaTime('2m', 'ms', sink), { ok: true, value: 120000 });
    assert.deepEqual(parseHaTime('90', 's', sink), { ok: true, value: 90 });
    assert.deepEqual(parseHaTime('25d', 'ms', sink), { ok: false, over: true });
    assert.deepEqual(parseHaTime('', 'ms', sink), { ok: false, ch: '\0' });
    assert.deepEqual(parseHaTime('5x', 'ms', sink), { ok: false, ch: 'x' });
    assert.deepEqual(warnings, []);
  });

  it('parseLogWords mirrors parse_logsrv()', () => {
    assert.deepEqual(parseLogWords(['log', 'global'], false), { ok: true, action: 'global' });
    assert.deepEqual(parseLogWords(['no', 'log'], false), { ok: true, action: 'clear' });
    const r = parseLogWords(['log', '1.2.3.4'], false);
    assert.deepEqual(r, { ok: false, message: 'expects <address> and <facility> or global as arguments' });
  });

  it('applyModifier keeps readcfgfile() quirks', () => {
    const ctx = { alert() {} } as unknown as LineContext;
    assert.deepEqual(applyModifier(ctx, ['default', 'log', 'x']).words, ['log', 'x', 'x']);
    assert.deepEqual(applyModifier(ctx, ['no', 'log']).words, ['log']);
  });
});
