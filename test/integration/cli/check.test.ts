/**
 * The command line without serving: -c, -cc, -v/-vv, usage, several -f, a
 * directory -f, "--", -C, unreadable and missing files, -L. Wherever haproxy
 * 2.6 behaves the same, both programs run on the same files from the same
 * directory and must print the same text (pids, program name and version
 * masked) with the same exit status.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HAPROXY_BIN, haproxyAvailable } from '../../helpers/paths.js';
import { commandFor, run, type ProxyKind, type RunResult } from '../../helpers/processes.js';

const noHaproxy = haproxyAvailable() ? false : 'haproxy is not installed';
const isRoot = process.getuid?.() === 0;
const haveSetpriv = ['/usr/bin/setpriv', '/bin/setpriv'].some((p) => existsSync(p));

let dir = '';

const TIMEOUTS = '  timeout client 5s\n  timeout server 5s\n  timeout connect 1s\n';
const FILES: Record<string, string> = {
  'ok.cfg': `defaults\n  mode tcp\n${TIMEOUTS}listen li\n  bind 127.0.0.1:8080\n  server s1 127.0.0.1:8081\n`,
  'warn.cfg': 'listen li\n  mode tcp\n  bind 127.0.0.1:8080\n  server s1 127.0.0.1:8081\n',
  'bad.cfg': 'listen li\n  bind 127.0.0.1:8080\n  foo bar\n',
  'abort.cfg': 'listen li\n  mode http\n  bind 127.0.0.1:8080\n  http-request foo\n  bar\n',
  'nolistener.cfg': `backend be\n  mode tcp\n${TIMEOUTS}  server s1 127.0.0.1:8081\n`,
  'zw.cfg': 'global\n  zero-warning\nlisten li\n  mode tcp\n  bind 127.0.0.1:8080\n  server s1 127.0.0.1:8081\n',
  'gq.cfg': 'global\n  quiet\nlisten li\n  mode tcp\n  bind 127.0.0.1:8080\n  server s1 127.0.0.1:8081\n',
  'peer.cfg':
    '.notice "peer=${HAPROXY_LOCALPEER}"\n.if streq("${HAPROXY_LOCALPEER}",node7)\n.notice "is node7"\n.endif\n' +
    `listen li\n${TIMEOUTS}  bind 127.0.0.1:8080\n`,
  'part1.cfg': `defaults\n  mode tcp\n${TIMEOUTS}  bogus0\n`,
  'part2.cfg': 'listen li\n  bind 127.0.0.1:8080\n  bogus1\n',
  // A directory: *.cfg files in byte order ('B' < 'a'), hidden files, other extensions and sub-directories skipped.
  'conf.d/b.cfg': 'listen li\n  bind 127.0.0.1:8080\n  bogus-b\n',
  'conf.d/a.cfg': 'defaults\n  mode tcp\n  bogus-a\n',
  'conf.d/B.cfg': 'frontend fe\n  bogus-B\n',
  'conf.d/.hidden.cfg': 'junk\n',
  'conf.d/notes.conf': 'junk\n',
  'conf.d/sub.cfg/x.cfg': 'junk\n',
  'sub/rel.cfg': `defaults\n  mode tcp\n${TIMEOUTS}listen li\n  bind 127.0.0.1:8080\n  server s1 127.0.0.1:8081\n  foo\n`,
  'private/x.cfg': 'junk\n',
  'locked.cfg': `listen li\n${TIMEOUTS}  bind 127.0.0.1:8080\n`,
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'switchyard-cli-'));
  // Readable by an unprivileged user: the permission tests run as 'nobody' when we are root.
  chmodSync(dir, 0o755);
  for (const [name, text] of Object.entries(FILES)) {
    const path = join(dir, name);
    mkdirSync(join(path, '..'), { recursive: true, mode: 0o755 });
    writeFileSync(path, text, { mode: 0o644 });
  }
  chmodSync(join(dir, 'locked.cfg'), 0o000);
  chmodSync(join(dir, 'private'), 0o000);
});

after(() => {
  chmodSync(join(dir, 'private'), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one of the two programs in the test directory. `asNobody` drops root rights (setpriv). */
function exec(kind: ProxyKind, args: string[], opts: { asNobody?: boolean; env?: Record<string, string> } = {}): Promise<RunResult> {
  const c = commandFor(kind, args);
  if (opts.asNobody === true && isRoot) {
    return run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', c.cmd, ...c.args], { cwd: dir, timeoutMs: 10000, env: opts.env });
  }
  return run(c.cmd, c.args, { cwd: dir, timeoutMs: 10000, env: opts.env });
}

/** What may differ between the two programs: pids, name and version, the executable path. */
function mask(text: string): string {
  return text
    .replace(/\((\d+)\)/g, '(PID)')
    .replace(/(haproxy|switchyard) version is .*/g, 'VERSION')
    .replace(/path to executable is .*/g, 'PATH')
    .replace(/\[[^\]\s]*\.main\(\)\]/g, '[PROG.main()]');
}

/** Runs both programs with the same arguments and requires the same status and masked output. */
async function same(args: string[], opts: { asNobody?: boolean; env?: Record<string, string> } = {}): Promise<RunResult> {
  const [h, s] = await Promise.all([exec('haproxy', args, opts), exec('switchyard', args, opts)]);
  const show = `args: ${args.join(' ')}\n--- haproxy ---\n${h.stdout}${h.stderr}\n--- switchyard ---\n${s.stdout}${s.stderr}`;
  assert.equal(s.code, h.code, `exit status\n${show}`);
  assert.equal(mask(s.stdout), mask(h.stdout), `stdout\n${show}`);
  assert.equal(mask(s.stderr), mask(h.stderr), `stderr\n${show}`);
  return s;
}

describe('-c against haproxy', { skip: noHaproxy, concurrency: true }, () => {
  it('valid configuration: status 0, "Configuration file is valid"', async () => {
    const r = await same(['-c', '-f', 'ok.cfg']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'Configuration file is valid\n');
    assert.equal(r.stderr, '');
  });

  it('warnings: printed on stderr with the preamble, "Warnings were found." on stdout', async () => {
    const r = await same(['-c', '-f', 'warn.cfg']);
    assert.equal(r.stdout, 'Warnings were found.\nConfiguration file is valid\n');
    assert.match(r.stderr, /\[WARNING\] {2}\(\d+\) : config : missing timeouts for proxy 'li'\./);
  });

  it('errors: the alert, "Error(s) found", "Fatal errors", status 1', async () => {
    const r = await same(['-c', '-f', 'bad.cfg']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /parsing \[bad\.cfg:3\] : unknown keyword 'foo' in 'listen' section/);
  });

  it('an invalid http-request rule aborts (ERR_ABORT): later lines unread, no "Fatal errors"', async () => {
    const r = await same(['-c', '-f', 'abort.cfg', '-f', 'bad.cfg']);
    assert.equal(r.code, 1);
    assert.doesNotMatch(r.stderr, /Fatal errors|unknown keyword 'bar'|bad\.cfg/);
  });

  it('-q prints nothing at all, alerts included', async () => {
    for (const f of ['warn.cfg', 'bad.cfg']) {
      const r = await same(['-c', '-q', '-f', f]);
      assert.equal(r.stdout + r.stderr, '', f);
    }
  });

  it('-V cancels -q whatever the order', async () => {
    await same(['-c', '-V', '-q', '-f', 'warn.cfg']);
  });

  it('-dW: any warning is fatal (and -q hides the alert)', async () => {
    const r = await same(['-c', '-dW', '-f', 'warn.cfg']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Some warnings were found and 'zero-warning' is set\. Aborting\./);
    await same(['-c', '-dW', '-q', '-f', 'warn.cfg']);
    await same(['-c', '-dW', '-f', 'ok.cfg']);
  });

  it('"global zero-warning" is -dW', async () => {
    assert.equal((await same(['-c', '-f', 'zw.cfg'])).code, 1);
  });

  it('"global quiet" silences the check like -q', async () => {
    const r = await same(['-c', '-f', 'gq.cfg']);
    assert.equal(r.stdout + r.stderr, '');
  });

  it('no listener: status 2', async () => {
    const r = await same(['-c', '-f', 'nolistener.cfg']);
    assert.equal(r.code, 2);
    assert.ok(r.stdout.endsWith('Configuration file has no error but will not start (no listener) => exit(2).\n'), r.stdout);
  });

  it('several -f: each file is followed by its own "Error(s) found" line', async () => {
    const r = await same(['-c', '-f', 'part1.cfg', '-f', 'part2.cfg']);
    assert.match(r.stderr, /part1\.cfg:6[^]*Error\(s\) found in configuration file : part1\.cfg[^]*part2\.cfg:3[^]*Error\(s\) found in configuration file : part2\.cfg/);
  });

  it('a directory -f reads its *.cfg files in byte order, skipping hidden files and sub-directories', async () => {
    const r = await same(['-c', '-f', 'conf.d']);
    const order = [...r.stderr.matchAll(/\[(conf\.d\/[^\]:]+):\d+\]/g)].map((m) => m[1]);
    assert.deepEqual([...new Set(order)], ['conf.d/B.cfg', 'conf.d/a.cfg', 'conf.d/b.cfg']);
  });

  it('"--" makes every following argument a configuration file', async () => {
    await same(['-c', '--', 'part1.cfg', 'part2.cfg']);
    await same(['-c', '-f', 'ok.cfg', '--']);
  });

  it('-C changes directory before the files are read; a missing directory is named', async () => {
    const r = await same(['-C', 'sub', '-c', '-f', 'rel.cfg']);
    assert.match(r.stderr, /parsing \[rel\.cfg:9\]/);
    const m = await same(['-C', 'nowhere', '-c', '-f', 'ok.cfg']);
    assert.match(m.stderr, /Could not change to directory nowhere : No such file or directory/);
  });

  it('a missing file is named, and the check stops there', async () => {
    const r = await same(['-c', '-f', 'missing.cfg']);
    assert.match(r.stderr, /Cannot open configuration file\/directory missing\.cfg : No such file or directory/);
    await same(['-c', '-f', 'bad.cfg', '-f', 'missing.cfg', '-f', 'also-missing.cfg']);
  });

  it('an unreadable file or directory is named with strerror()', { skip: isRoot && !haveSetpriv ? 'root without setpriv' : false }, async () => {
    const f = await same(['-c', '-f', 'locked.cfg'], { asNobody: true });
    assert.match(f.stderr, /Could not open configuration file locked\.cfg : Permission denied/);
    // haproxy stops at once: no "Error(s) found" nor "Fatal errors" after it.
    assert.doesNotMatch(f.stderr, /Fatal errors/);
    await same(['-c', '-f', 'ok.cfg', '-f', 'locked.cfg', '-f', 'bad.cfg'], { asNobody: true });
    const d = await same(['-c', '-f', 'private'], { asNobody: true });
    assert.match(d.stderr, /Cannot open configuration directory private : Permission denied/);
  });

  it('-L sets HAPROXY_LOCALPEER for the configuration; the default is the host name', async () => {
    const r = await same(['-c', '-L', 'node7', '-f', 'peer.cfg']);
    assert.match(r.stderr, /'peer=node7'/);
    assert.match(r.stderr, /'is node7'/);
    const d = await same(['-c', '-f', 'peer.cfg']);
    assert.doesNotMatch(d.stderr, /is node7/);
  });

  it('-sf with garbage in a pid: haproxy\'s alert, status 1', async () => {
    const r = await same(['-c', '-f', 'ok.cfg', '-sf', '12x']);
    assert.match(r.stderr, /-sf option: some bytes unconsumed in PID list \{x\}/);
    await same(['-c', '-f', 'ok.cfg', '-sf', '123', '456', '-q']);
  });

  it('options are matched on their first letters (-qx, -cx, -dZ, -Wq)', async () => {
    await same(['-qx', '-c', '-f', 'ok.cfg']);
    await same(['-dZ', '-Wq', '-c', '-f', 'ok.cfg']);
    await same(['-n', 'abc', '-c', '-f', 'ok.cfg']);
  });
});

describe('-cc against haproxy', { skip: noHaproxy, concurrency: true }, () => {
  // Same status (0 true, 1 false, 2 error) and, for errors, the same alert.
  const env = { CLI_TEST_SET: '1', CLI_TEST_EMPTY: '' };
  const conditions = [
    '1', '', '0 || 1', 'version_atleast(2.5)', 'version_before(2.6)', 'version_atleast(abc)', 'feature(OPENSSL)',
    '!defined(CLI_TEST_UNSET)', 'defined(CLI_TEST_EMPTY)', 'streq("${CLI_TEST_SET}",1)', 'strneq(a,a)',
    'foo(1)', 'streq(a)', '1 &&', '(1',
  ];
  for (const c of conditions) {
    it(`-cc '${c}'`, async () => {
      await same(['-cc', c], { env });
    });
  }

  it('features Switchyard does not claim answer false where haproxy says true', async () => {
    // version.ts FEATURES: no Lua, no PCRE in Switchyard; a configuration guarded by them takes the other branch.
    for (const f of ['LUA', 'PCRE2']) {
      const [h, s] = await Promise.all([exec('haproxy', ['-cc', `feature(${f})`]), exec('switchyard', ['-cc', `feature(${f})`])]);
      assert.equal(h.code, 0);
      assert.equal(s.code, 1);
    }
  });
});

describe('version and usage', { concurrency: true }, () => {
  it('-v prints the version on stdout, status 0', async () => {
    const r = await exec('switchyard', ['-v']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /^Switchyard version \S+ - HAProxy 2\.6\.\d+ compatible\n/);
    assert.match(r.stdout, /^Running on: /m);
    assert.equal(r.stderr, '');
    // -v wins over whatever follows, as in haproxy.
    assert.equal((await exec('switchyard', ['-v', '-X'])).code, 0);
  });

  it('-vv adds the build options and the feature list in haproxy\'s layout', async () => {
    const r = await exec('switchyard', ['-vv']);
    assert.equal(r.code, 0);
    for (const section of ['Build options :', 'Feature list : ', 'Default settings :', 'Available polling systems :', 'Available multiplexer protocols :']) {
      assert.ok(r.stdout.includes(section), section);
    }
    assert.match(r.stdout, /^Feature list : .*\+OPENSSL/m);
    assert.match(r.stdout, /^Feature list : .*-LUA/m);
  });

  it('no configuration file: version on stdout, usage on stderr, status 1 (as haproxy)', { skip: noHaproxy }, async () => {
    const [h, s] = await Promise.all([exec('haproxy', []), exec('switchyard', [])]);
    for (const r of [h, s]) {
      assert.equal(r.code, 1);
      assert.match(r.stdout, /version/);
      assert.match(r.stderr, /^Usage : \S+ \[-f <cfgfile\|cfgdir>\]\* /);
    }
    const q = await exec('switchyard', ['-q']);
    assert.equal(q.code, 1);
    assert.match(q.stderr, /^Usage : /);
  });

  it('an unknown option: a message naming it, then the usage, status 1', { skip: noHaproxy }, async () => {
    const [h, s] = await Promise.all([exec('haproxy', ['-X', '-f', 'ok.cfg']), exec('switchyard', ['-X', '-f', 'ok.cfg'])]);
    assert.equal(h.code, 1);
    assert.equal(s.code, 1);
    assert.match(h.stderr, /^Usage : /);
    // haproxy shows only the usage; we name the culprit first.
    assert.match(s.stderr, /\[ALERT\] {4}\(\d+\) : unknown option '-X'\nUsage : switchyard /);
    assert.match(s.stdout, /^Switchyard version/);
    for (const args of [['-c', '-f', 'ok.cfg', 'extra'], ['-cc'], ['-s', 'x'], ['-f', 'ok.cfg', '-sf', '0']]) {
      const [h2, s2] = await Promise.all([exec('haproxy', args), exec('switchyard', args)]);
      assert.equal(s2.code, h2.code, args.join(' '));
      assert.match(s2.stderr, /Usage : switchyard/, args.join(' '));
    }
  });

  it('-x without its argument: haproxy\'s alert and the usage', { skip: noHaproxy }, async () => {
    // (haproxy 2.6 prints "failed to copy argv." for a trailing -S, so only -x is compared.)
    for (const flag of ['-x']) {
      const [h, s] = await Promise.all([exec('haproxy', ['-c', '-f', 'ok.cfg', flag]), exec('switchyard', ['-c', '-f', 'ok.cfg', flag])]);
      assert.equal(s.code, h.code);
      const alert = (t: string) => /\[ALERT\].*/.exec(t)?.[0].replace(/\(\d+\)/, '');
      assert.equal(alert(s.stderr), alert(h.stderr));
    }
  });
});

describe('haproxy binary', () => {
  it('is the reference 2.6', { skip: noHaproxy }, async () => {
    const r = await run(HAPROXY_BIN, ['-v']);
    assert.match(r.stdout, /version 2\.6\./);
  });
});
