/**
 * Differential checks of the auxiliary sections (userlist, peers, resolvers,
 * mailers, cache, program, ring, http-errors): the same small configurations
 * through `haproxy -c` and through loadConfiguration(); the verdict, the
 * places and the exact alert and warning texts must match. The local peer is
 * the host name on both sides.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { haproxyAvailable } from '../../helpers/paths.js';
import { lineComparer } from './line-compare.js';

const compare = lineComparer('sections');

/** Where the error files the cases name are written. */
const dir = mkdtempSync(join(tmpdir(), 'sy-sections-files-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const ERR = (name: string, text: string): string => {
  writeFileSync(join(dir, name), text, 'latin1');
  return join(dir, name);
};
const okFile = ERR('ok.http', 'HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/html\r\n\r\n<h1>busy</h1>\n');
const badHead = ERR('bad1.http', 'HTTP/1.1 20x OK\r\n\r\n');
const badLen = ERR('bad2.http', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc');
const chunked = ERR('bad3.http', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
const me = hostname();

const CASES: Array<readonly string[]> = [
  // valid sections
  ['userlist u', 'group admins users alice', 'user alice insecure-password x', 'user bob password $6$a$b groups admins'],
  ['peers p', `peer ${me} 127.0.0.1:10000`, 'peer other 127.0.0.2:10000', 'table t type string len 32 size 100k expire 30m store gpc0,conn_rate(30s)', 'log 127.0.0.1 local0'],
  ['peers p', 'bind 127.0.0.1:10001', `server ${me}`, 'server other 127.0.0.2:10001', 'disabled', 'enabled'],
  ['resolvers r', 'nameserver a 127.0.0.1:53', 'hold valid 10s', 'hold nx 1s', 'timeout resolve 1s', 'timeout retry 1s', 'resolve_retries 3', 'accepted_payload_size 8192'],
  ['cache c', 'total-max-size 4', 'max-object-size 10000', 'max-age 240', 'process-vary on', 'max-secondary-entries 10'],
  ['global', 'master-worker', 'program p', 'command /bin/true', 'no option start-on-reload', 'user root', 'group root'],
  ['ring r', 'size 32768', 'format rfc5424', 'maxlen 1200', 'description "a ring"', 'timeout connect 1s', 'timeout server 1s', 'server s 127.0.0.1:6514'],
  ['http-errors e', `errorfile 503 ${okFile}`, `errorfile 404 ${okFile}`],
  // userlist
  ['userlist', 'userlist a b'],
  ['userlist ok', 'userlist ok', 'userlist b@d', 'baz', 'group', 'group g1', 'group g1', 'group g2 foo bar', 'user', 'user u1', 'user u1', 'user u3 foo'],
  ['userlist a', 'group g1 users u1,ux', 'user u1 groups g1', 'user u2 groups g1,gz', 'userlist b', 'user v1 groups nope'],
  ['userlist a', 'group g1 users u1,ux', 'group g2 users uy', 'user u1 groups g1'],
  // peers
  ['peers a b', 'peers p1', 'peers p1', 'peers b@d', 'baz'],
  ['peers p1', 'baz', 'peer z 1.2.3.4:10000 foo', 'enable', 'table', 'table t2 type foo', 'peer x 1.2.3.4:1000-1002', 'shards 2'],
  ['peers p', `peer ${me} 127.0.0.1:10000`, `peer ${me} 127.0.0.1:10001`, 'bind 127.0.0.1:10002'],
  ['peers p', 'table t type ip size 1k store gpc0 store gpc0', 'table t type ip size 1k store gpc0(1)', 'table t type ip size 1k store gpt(101)', 'table t type ip size 1k srvkey foo', 'table t type ip size x'],
  ['peers p', 'peer x 1.2.3.4:1000 check', 'default-server foo', `server ${me} 127.0.0.1:1`],
  ['peers p'],
  // resolvers
  ['resolvers'],
  ['resolvers r', 'resolvers r'],
  ['resolvers r', 'baz', 'nameserver', 'nameserver a 1.2.3.4', 'nameserver a@ 1.2.3.4:53', 'nameserver a 1.2.3.4:53-54', 'nameserver z 127.0.0.1:53', 'nameserver z 127.0.0.2:53'],
  ['resolvers r', 'nameserver z 127.0.0.1:53', 'accepted_payload_size', 'accepted_payload_size 65536', 'resolution_pool_size 10', 'resolve_retries', 'hold', 'hold foo 10s', 'hold valid 99999999999', 'timeout', 'timeout foo 1s', 'timeout retry 1x'],
  ['resolvers a', 'resolvers b'],
  // mailers
  ['mailers'],
  ['mailers m', 'mailers m'],
  ['mailers r', 'baz', 'mailer', 'mailer a 1.2.3.4', 'mailer a udp@1.2.3.4:25', 'mailer a unix@/tmp/x', 'mailer a@ 1.2.3.4:25', 'timeout', 'timeout foo 1s', 'timeout mail 1x', 'mailer zz 127.0.0.1:25'],
  ['mailers r', 'mailers s', 'mailer a 127.0.0.1:25'],
  // cache
  ['cache'],
  ['cache c', 'cache c'],
  ['cache b@d', 'baz'],
  ['cache c', 'total-max-size 1', 'max-object-size 1048576'],
  ['cache c', 'total-max-size 4096'],
  ['cache c', 'total-max-size 1', 'max-age', 'process-vary x', 'max-secondary-entries 0'],
  ['cache abcdefghijabcdefghijabcdefghijabc', 'total-max-size 1'],
  // program
  ['program'],
  ['program a b'],
  ['program c', 'command true', 'program c'],
  // (a user or group name after a failed program line crashes haproxy 2.6.12: a freed section is dereferenced)
  ['program c', 'baz', 'command', 'user', 'group'],
  ['program c', 'user nosuch', 'group nosuch', 'option'],
  ['program c', 'option foo'],
  ['program c', 'option start-on-reload x'],
  ['global', 'master-worker', 'program c', 'user root', 'user root', 'group root', 'group root'],
  ['program c', 'command true', 'program d', 'user root'],
  // ring
  ['ring', 'format raw', 'size 1', 'maxlen 1', 'description x', 'timeout connect 1s'],
  ['ring b@d', 'baz'],
  ['ring c', 'ring c', 'ring stdout'],
  ['ring c', 'size x', 'size -1', 'format foo', 'maxlen 0', 'description', 'timeout connect', 'timeout connect 1x', 'server', 'server s 127.0.0.1:514 foo', 'server s udp@127.0.0.1:514'],
  ['ring c', 'size 100'],
  ['ring r', 'size 20000', 'maxlen 30000'],
  ['ring r', 'server s 127.0.0.1:514', 'timeout connect 1s'],
  // http-errors
  ['http-errors'],
  ['http-errors a b'],
  ['http-errors b@d', 'baz', 'http-errors c', 'http-errors c'],
  ['http-errors c', 'errorfile', `errorfile 402 ${okFile}`, 'errorfile 404 /nonexistent', `errorfile 404 ${dir}`, `errorfile 404 ${badHead}`, `errorfile 404 ${badLen}`, `errorfile 404 ${chunked}`, 'errorloc 404 /x'],
];

describe('auxiliary sections: haproxy -c versus Switchyard', { skip: !haproxyAvailable() && 'haproxy not installed' }, () => {
  for (const lines of CASES) {
    it(lines.join(' | ').replaceAll(dir, '<dir>'), async () => {
      const r = await compare(lines);
      assert.deepEqual(r.ours.lines, r.haproxy.lines);
      assert.equal(r.ours.fail, r.haproxy.fail, 'verdict');
    });
  }
});

/** Regressions, named after what broke (test/unit/config/regressions.test.ts checks the same lines offline). */
const REGRESSIONS: Array<[string, readonly string[]]> = [
  ['a character after a time unit only warns in peers, ring, mailers and resolvers', [
    'peers p', `peer ${me} 127.0.0.1:10000`, 'table t type ip size 10 expire 10sx',
    'ring r', 'timeout connect 10sx', 'timeout server 10sx',
    'mailers m', 'mailer a 127.0.0.1:25', 'timeout mail 10sx',
    'resolvers r1', 'nameserver a 127.0.0.1:53', 'timeout resolve 10sx', 'timeout retry 10sx', 'hold valid 10sx', 'hold obsolete 10sx',
  ]],
  ['ring maxlen and errorfile codes read (int)atol() exactly', ['ring r', 'maxlen 4294967297', 'http-errors h', 'errorfile 9007199254740993 /dev/null']],
];

describe('auxiliary section regressions: haproxy -c versus Switchyard', { skip: !haproxyAvailable() && 'haproxy not installed' }, () => {
  for (const [name, lines] of REGRESSIONS) {
    it(name, async () => {
      const r = await compare(lines);
      assert.deepEqual(r.ours.lines, r.haproxy.lines);
      assert.equal(r.ours.fail, r.haproxy.fail, 'verdict');
    });
  }
});
