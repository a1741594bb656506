/**
 * The command-line parser: haproxy 2.6's dispatch on the first letters of an
 * option (haproxy.c init()), the pid lists of -sf/-st, "--", and the argument
 * filtering used when we start copies of ourselves. Every accepted or refused
 * line here was checked against `/usr/sbin/haproxy` 2.6.12.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { atol, parseCommandLine, withoutArguments, type CliOptions } from '../../../src/cli/options.js';

function ok(argv: string[]): CliOptions {
  const r = parseCommandLine(argv);
  if (!r.ok) throw new Error(`refused: ${argv.join(' ')}: ${r.message ?? '(usage)'}`);
  return r.options;
}

function refused(argv: string[]): { message?: string | undefined; usage: boolean } {
  const r = parseCommandLine(argv);
  assert.equal(r.ok, false, `accepted: ${argv.join(' ')}`);
  return r as { message?: string; usage: boolean };
}

test('the usual flags', () => {
  const o = ok(['-f', 'a.cfg', '-f', 'dir', '-c', '-q', '-p', '/run/x.pid', '-L', 'node1', '-n', '100', '-N', '20', '-m', '64', '-C', '/etc']);
  assert.deepEqual(o.configFiles, ['a.cfg', 'dir']);
  assert.equal(o.check, true);
  assert.equal(o.quiet, true);
  assert.equal(o.pidFile, '/run/x.pid');
  assert.equal(o.localPeer, 'node1');
  assert.equal(o.maxconn, 100);
  assert.equal(o.defaultMaxconn, 20);
  assert.equal(o.memoryLimitMb, 64);
  assert.equal(o.chdir, '/etc');
});

test('options match on their first letters, as haproxy does', () => {
  // haproxy -qx / -cx / -Dx / -Wq are -q / -c / -D / -W; -dZ is debug mode.
  assert.equal(ok(['-qx']).quiet, true);
  assert.equal(ok(['-cx']).check, true);
  assert.equal(ok(['-Dx']).daemon, true);
  assert.equal(ok(['-Wq']).masterWorker, true);
  assert.equal(ok(['-Wq']).systemdNotify, false);
  assert.equal(ok(['-dZ']).debug, true);
  // -Cfoo takes the next word as its directory (haproxy: "Could not change to directory -c").
  assert.equal(ok(['-Cfoo', '-c']).chdir, '-c');
  // -ccc is -cc.
  assert.equal(ok(['-ccc', '1']).checkCondition, '1');
});

test('-v and -vv stop the parsing at once', () => {
  assert.equal(ok(['-v', '-X']).showVersion, 1);
  assert.equal(ok(['-vv']).showVersion, 2);
  assert.equal(ok(['-vfoo']).showVersion, 1);
  refused(['-X', '-v']);
});

test('-d family: known switches, inert ones, and plain debug', () => {
  const o = ok(['-db', '-dD', '-dW', '-dr', '-dV', '-de', '-dp', '-dS', '-dG', '-dR', '-dL', '-dKall', '-dM0x55']);
  assert.equal(o.noBackground, true);
  assert.equal(o.debug, false);
  assert.equal(o.diagnostic, true);
  assert.equal(o.zeroWarning, true);
  assert.equal(o.ignoreResolveFailures, true);
  assert.equal(o.noServerVerify, true);
  assert.deepEqual(o.acceptedDebugFlags, ['-de', '-dp', '-dS', '-dG', '-dR', '-dL', '-dKall', '-dM0x55']);
  const d = ok(['-d']);
  assert.equal(d.debug, true);
  assert.equal(d.noBackground, true);
});

test('-Ws is master-worker in the foreground', () => {
  const o = ok(['-Ws']);
  assert.equal(o.masterWorker, true);
  assert.equal(o.systemdNotify, true);
  assert.equal(o.noBackground, true);
});

test('-sf/-st read pids up to the next option; the last one chooses the signal', () => {
  const a = ok(['-f', 'x.cfg', '-sf', '12', '34', '-q']);
  assert.deepEqual(a.oldPids, [12, 34]);
  assert.equal(a.oldPidsSignal, 'SIGUSR1');
  assert.equal(a.quiet, true);
  const b = ok(['-sf', '12', '-st', '56']);
  assert.deepEqual(b.oldPids, [12, 56]);
  assert.equal(b.oldPidsSignal, 'SIGTERM');
  // An empty list is fine (management.txt: "it can be built on the fly").
  const c = ok(['-f', 'x.cfg', '-sf']);
  assert.deepEqual(c.oldPids, []);
  // Blanks around a pid are accepted by strtol.
  assert.deepEqual(ok(['-sf', ' 7 ']).oldPids, [7]);
});

test('-sf with garbage: haproxy\'s alert, no usage', () => {
  const r = refused(['-f', 'x.cfg', '-sf', '12x']);
  assert.equal(r.message, '-sf option: some bytes unconsumed in PID list {x}');
  assert.equal(r.usage, false);
  assert.equal(refused(['-st', 'abc']).message, '-st option: some bytes unconsumed in PID list {abc}');
  // A pid of 0 shows the usage.
  assert.equal(refused(['-sf', '0']).usage, true);
});

test('"--" makes every following word a configuration file', () => {
  const o = ok(['-c', '--', 'a.cfg', '-b.cfg', '--']);
  assert.deepEqual(o.configFiles, ['a.cfg', '-b.cfg', '--']);
  assert.deepEqual(ok(['-f', 'x.cfg', '--']).configFiles, ['x.cfg']);
});

test('refused command lines name the culprit and show the usage', () => {
  assert.deepEqual(refused(['-X']), { ok: false, message: "unknown option '-X'", usage: true });
  assert.match(refused(['-c', '-f', 'a.cfg', 'extra']).message ?? '', /unexpected argument 'extra'/);
  assert.match(refused(['-f']).message ?? '', /'-f' requires an argument/);
  assert.match(refused(['-cc']).message ?? '', /expects a condition/);
  assert.equal(refused(['-x']).message, 'Unix socket path expected with the -x flag\n');
  assert.equal(refused(['-S']).message, 'Socket and optional bind parameters expected with the -S flag');
  assert.equal(refused(['-s', 'x']).usage, true);
});

test('-n/-N/-m read their number with atol(), as haproxy', () => {
  assert.equal(ok(['-n', 'abc']).maxconn, 0);
  assert.equal(ok(['-n', '12abc']).maxconn, 12);
  assert.equal(atol('  -5x'), -5);
  assert.equal(atol('+7'), 7);
  assert.equal(atol(''), 0);
});

test('withoutArguments drops whole groups and never an option value', () => {
  const argv = ['-W', '-D', '-f', '-D.cfg', '-sf', '1', '2', '-C', 'dir', '-p', '-Wfile', '-q', '--', '-D'];
  assert.deepEqual(withoutArguments(argv, ['daemon']), ['-W', '-f', '-D.cfg', '-sf', '1', '2', '-C', 'dir', '-p', '-Wfile', '-q', '--', '-D']);
  assert.deepEqual(withoutArguments(argv, ['master-worker', 'old-pids', 'chdir']), ['-D', '-f', '-D.cfg', '-p', '-Wfile', '-q', '--', '-D']);
  assert.deepEqual(withoutArguments(['-Ws', '-st', '-db'], ['master-worker', 'old-pids']), ['-db']);
});
