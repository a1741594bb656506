/**
 * The auxiliary sections (peers, resolvers, mailers, userlist, cache,
 * program, ring, http-errors): model contents, haproxy's messages, and the
 * checks run once everything is parsed. Each case goes through
 * loadConfiguration() on a temporary file.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Diagnostics } from '../../../src/config/diagnostics.js';
import { loadAsLines } from '../../helpers/load-config.js';
import type { ConfigModel } from '../../../src/config/model/index.js';
import { checkErrorFileContent } from '../../../src/config/sections/http-errors.js';

interface Loaded { model: ConfigModel; diag: Diagnostics; lines: string[] }

const dir = mkdtempSync(join(tmpdir(), 'sy-sections-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Loads `text` as file `t.cfg`; `lines` are the diagnostics as `A <msg>` / `W <msg>` (not-enforced notes left out). */
function load(text: string, localPeer = 'local1'): Loaded {
  return loadAsLines(text, { localPeer, env: { HOME: '/root', KEEP: 'k' }, features: new Set<string>() });
}

describe('sections: model', () => {
  it('peers: local peer, remote peers, tables', () => {
    const { model, lines } = load('peers p\n peer local1 127.0.0.1:10000\n peer other 127.0.0.2:10000\n table t type ip size 1k expire 1m store gpc0\n');
    assert.deepEqual(lines, []);
    const p = model.peers[0]!;
    assert.deepEqual(p.peers.map((x) => [x.name, x.local]), [['local1', true], ['other', false]]);
    assert.equal(p.tables.length, 1);
  });

  it('resolvers: nameservers, hold and timeouts', () => {
    const { model, lines } = load('resolvers dns\n nameserver ns1 127.0.0.1:53\n hold valid 10s\n timeout retry 1s\n resolve_retries 3\n accepted_payload_size 8192\n');
    assert.deepEqual(lines, []);
    const r = model.resolvers[0]!;
    assert.equal(r.nameservers[0]?.address.port, 53);
    assert.equal(r.hold.valid, 10000);
    assert.equal(r.timeoutRetry, 1000);
    assert.equal(r.resolveRetries, 3);
    assert.equal(r.acceptedPayloadSize, 8192);
  });

  it('userlist: users and groups', () => {
    const { model, lines } = load('userlist u\n group admins users alice\n user alice insecure-password s3cret\n user bob password $6$x$y groups admins\n');
    assert.deepEqual(lines, []);
    const u = model.userlists[0]!;
    assert.deepEqual(u.users.map((x) => [x.name, x.insecure, x.groups]), [['alice', true, []], ['bob', false, ['admins']]]);
    assert.deepEqual(u.groups[0]?.users, ['alice']);
  });

  it('cache: sizes and the default object size', () => {
    const { model, lines } = load('cache c\n total-max-size 4\n max-age 240\n');
    assert.deepEqual(lines, []);
    assert.equal(model.caches[0]?.totalMaxSize, 4);
    assert.equal(model.caches[0]?.maxAge, 240);
    assert.equal(model.caches[0]?.maxObjectSize, 16384);
  });

  it('program and ring', () => {
    const { model, lines } = load('global\n master-worker\nprogram api\n command /bin/true -x\n no option start-on-reload\nring buf\n size 32768\n format rfc5424\n');
    assert.deepEqual(lines, []);
    assert.deepEqual(model.programs[0]?.command, ['/bin/true', '-x']);
    assert.equal(model.programs[0]?.startOnReload, false);
    assert.equal(model.rings[0]?.size, 32768);
    assert.equal(model.rings[0]?.format, 'rfc5424');
  });
});

describe('sections: messages', () => {
  const cases: Array<[string, string[]]> = [
    ['userlist u\n baz', ["A parsing [t.cfg:2]: unknown keyword 'baz' in 'users' section"]],
    ['userlist u\nuserlist u', ["W parsing [t.cfg:2]: ignoring duplicated userlist 'u'."]],
    ['userlist u\n user a groups nope', ["A userlist 'u': no such group 'nope' specified in user 'a'"]],
    ['peers p\npeers p', ["A Parsing [t.cfg:2]: peers section 'p' has the same name as another peers section declared at t.cfg:1."]],
    ['peers p\n peer x 1.2.3.4:1000', ["W Removing incomplete section 'peers p' (no peer named 'local1')."]],
    ['peers p\n table t type ip', ['A parsing [t.cfg:2] : table: missing size.']],
    ['resolvers r', ["W resolvers 'r' [t.cfg:1] has no nameservers configured!"]],
    ['resolvers r\n nameserver a 1.2.3.4:53\n hold foo 1s', ["A parsing [t.cfg:3] : 'hold' unknown <event>: 'foo', expects either 'nx', 'timeout', 'valid', 'obsolete' or 'other'."]],
    ['mailers m\n mailer a 127.0.0.1:25', ["W Removing incomplete section 'mailers m'."]],
    ['mailers m\n timeout mail 1x', ["A parsing [t.cfg:2]: unexpected character 'x' in argument to <timeout mail>."]],
    ['cache c', ["A Size not specified for cache 'c'"]],
    ['cache c\n total-max-size 1\n max-object-size 1048576', ['A "max-object-size" is limited to an half of "total-max-size" => 524288']],
    ['program p\n command true', ["A Can't use a 'program' section without master worker mode."]],
    ['ring r\n foo', ["A parsing [t.cfg:2] : unknown statement 'foo'."]],
    ['ring r\n size 100', ["W parsing [t.cfg:2] : ignoring new size '100' that is smaller than current size '16384' for ring 'r'."]],
    ['http-errors e\n errorfile 402 /nonexistent', ["A parsing [t.cfg:2] : errorfile : status code '402' not handled."]],
    ['http-errors e\n errorfile 404 /nonexistent', ["A parsing [t.cfg:2] : errorfile : error opening file '/nonexistent'."]],
  ];
  for (const [text, expected] of cases) {
    it(text.replace(/\n/g, ' | '), () => assert.deepEqual(load(text).lines, expected));
  }

  it('a warning haproxy makes fatal keeps the configuration invalid', () => {
    const r = load('ring r\n size 100\n');
    assert.equal(r.diag.list.find((d) => d.code === 'CFG_RING_SMALLER')?.fatal, true);
  });

  it('cache mistakes stop the load (ERR_ABORT)', () => {
    const r = load('cache c\n total-max-size x\n max-age 1\n foo\n');
    assert.deepEqual(r.lines, ["W parsing [t.cfg:2]: total-max-size wrong value 'x'"]);
  });
});

describe('error files', () => {
  const f = (s: string): string | undefined => checkErrorFileContent(Buffer.from(s, 'latin1'));
  it('accepts a complete response', () => assert.equal(f('HTTP/1.0 503 Unavailable\r\nContent-Type: text/html\r\n\r\nbusy'), undefined));
  it('reports where the head is broken', () => {
    assert.equal(f('HTTP/1.1 20x OK\r\n\r\n'), 'unable to parse headers (error offset: 11)');
    assert.equal(f('HTTP/1.1 200 OK\r\nContent-Type: x\r\n'), 'unable to parse headers (error offset: -2)');
  });
  it('checks the status, chunking and content-length', () => {
    assert.equal(f('HTTP/1.1 100 Continue\r\n\r\n'), 'invalid http status code for an error message (100)');
    assert.equal(f('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n'), 'chunk-encoded payload not supported');
    assert.equal(f('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc'), 'payload size does not match the announced content-length (3 != 5)');
  });
});
