/**
 * The pure parts of src/http/auth.ts: get_http_auth()'s parsing of the
 * Authorization value, userlist compilation (groups from both sides),
 * check_user() with its cache, and the 401 header replacement.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkUser, clearAuthCache, compileUserlist, parseAuthorization, replaceReplyHeader } from '../../../src/http/auth.js';
import { crypt } from '../../../src/http/crypt.js';

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');
const place = { file: 't.cfg', line: 1 };

describe('parseAuthorization (get_http_auth)', () => {
  it('Basic: user and password split at the first colon', () => {
    assert.deepEqual(parseAuthorization(`Basic ${b64('u:p:q')}`), { method: 'Basic', data: b64('u:p:q'), user: 'u', pass: 'p:q' });
  });
  it('the scheme is any case-insensitive prefix of Basic, then of Bearer', () => {
    for (const s of ['basic', 'BASIC', 'Bas', 'b']) assert.equal(parseAuthorization(`${s} ${b64('u:p')}`)?.method, 'Basic', s);
    assert.equal(parseAuthorization(`Basics ${b64('u:p')}`), undefined);
    assert.equal(parseAuthorization('Bear tok')?.method, 'Bearer');
    assert.equal(parseAuthorization('Digest x'), undefined);
  });
  it('several spaces after the scheme; none or a leading one fails', () => {
    assert.equal(parseAuthorization(`Basic    ${b64('u:p')}`)?.user, 'u');
    assert.equal(parseAuthorization('Basic'), undefined);
    assert.equal(parseAuthorization(` Basic ${b64('u:p')}`), undefined);
  });
  it('strict base64 (base64dec)', () => {
    assert.equal(parseAuthorization(`Basic ${b64('u:pp').replace(/=+$/, '')}`), undefined);
    assert.equal(parseAuthorization('Basic dTpw*A=='), undefined);
    assert.equal(parseAuthorization('Basic ===='), undefined);
  });
  it('C strings: a NUL before the colon fails, after it cuts the password', () => {
    assert.equal(parseAuthorization(`Basic ${b64('u\0x:p')}`), undefined);
    assert.equal(parseAuthorization(`Basic ${b64('u:p\0rest')}`)?.pass, 'p');
  });
});

describe('userlists and check_user', () => {
  const list = compileUserlist({
    name: 'L',
    place,
    directives: [],
    groups: [{ name: 'G1', users: ['a'], place }, { name: 'G2', users: [], place }],
    users: [
      { name: 'a', password: 'pw', insecure: true, groups: ['G2'], place },
      { name: 'b', password: crypt('secret', '$5$abc') ?? '', insecure: false, groups: [], place },
      { name: 'c', insecure: false, groups: [], place },
    ],
  } as Parameters<typeof compileUserlist>[0]);
  it('groups come from both the user and the group lines', () => {
    assert.deepEqual([...(list.users.get('a')?.groups ?? [])].sort(), ['G1', 'G2']);
  });
  it('insecure and crypt passwords; a user without password never matches', () => {
    clearAuthCache();
    assert.equal(checkUser(list, 'a', 'pw'), true);
    assert.equal(checkUser(list, 'a', 'PW'), false);
    assert.equal(checkUser(list, 'b', 'secret'), true);
    assert.equal(checkUser(list, 'b', 'secret'), true, 'from the cache');
    assert.equal(checkUser(list, 'b', 'secreT'), false, 'the cache holds successes only');
    assert.equal(checkUser(list, 'c', ''), false);
    assert.equal(checkUser(list, 'zz', 'pw'), false);
  });
});

describe('replaceReplyHeader', () => {
  it('removes every occurrence and appends the new one last', () => {
    const page = Buffer.from('HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: x\r\ncontent-length: 2\r\nwww-authenticate: y\r\n\r\nhi', 'latin1');
    assert.equal(replaceReplyHeader(page, 'WWW-Authenticate', 'Basic realm="r"').toString('latin1'), 'HTTP/1.1 401 Unauthorized\r\ncontent-length: 2\r\nwww-authenticate: Basic realm="r"\r\n\r\nhi');
  });
});
