/**
 * HTTP authentication in the running proxy, for what the differential test
 * (test/compat/http/auth-monitor.test.ts) cannot compare: the startup
 * warning for a hash scheme Switchyard does not compute, that such a user
 * never logs in, that repeated logins with an expensive hash stay correct
 * (the cache of successful checks), and that userlists and `http-request
 * auth` are no longer reported as "not enforced".
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rawExchange } from '../../helpers/clients.js';
import { switchyardWithOrigin } from '../../helpers/http-fixtures.js';
import { crypt } from '../../../src/http/crypt.js';

const CONFIG = `
userlist users
  group admins users root
  user root password \${H_ROOT}
  user old password \${H_BCRYPT} groups admins
  user yes password \${H_YESCRYPT}
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
frontend fe
  bind \${ADDR:fe}
  acl admin http_auth_group(users) admins
  http-request auth realm Admin unless admin
  default_backend web
backend web
  server s1 \${ORIGIN}
`;

const GET = (user?: string, pass?: string): string =>
  `GET / HTTP/1.1\r\nHost: x\r\n${user === undefined ? '' : `Authorization: Basic ${Buffer.from(`${user}:${pass ?? ''}`).toString('base64')}\r\n`}\r\n`;

describe('HTTP authentication (Switchyard)', () => {
  const fx = switchyardWithOrigin(CONFIG, () => ({
    H_ROOT: crypt('toor', '$6$rounds=20000$slowsalt') ?? '',
    H_BCRYPT: '$2b$05$abcdefghijklmnopqrstuuOQiyCxlgf/oeuTqixKmWdcYUh4Hjl0a',
    H_YESCRYPT: '$y$j9T$F5Jx5fExrKuPp53xLKQ..1$X3DX6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7',
  }));

  it('warns at startup about hashes it cannot check, naming the user and the scheme', () => {
    const out = fx.proxy.output();
    assert.match(out, /\[WARNING\].*parsing \[[^\]]+:5\]: userlist 'users': the password of user 'old' uses bcrypt, which Switchyard does not implement/);
    assert.match(out, /userlist 'users': the password of user 'yes' uses yescrypt/);
    assert.doesNotMatch(out, /user 'root'/);
  });

  it('no longer reports userlists and http-request auth as not enforced', () => {
    assert.doesNotMatch(fx.proxy.output(), /'userlist users'|'http-request auth'/);
  });

  it('a user with an unsupported hash never logs in', async () => {
    const r = await rawExchange(fx.proxy.ports['fe']!, GET('old', 'anything'), { idleMs: 300 });
    assert.match(r.data.toString('latin1'), /^HTTP\/1\.1 401 Unauthorized\r\n[^]*www-authenticate: Basic realm="Admin"\r\n/);
  });

  it('SHA-512-crypt with 20000 rounds: right, wrong, then right again on one connection', async () => {
    fx.origin.reset();
    const r = await rawExchange(fx.proxy.ports['fe']!, [GET('root', 'toor'), GET('root', 'tooR'), GET('root', 'toor')], { pauseMs: 100, idleMs: 400 });
    const statuses = [...r.data.toString('latin1').matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]);
    assert.deepEqual(statuses, ['200', '401', '200']);
    assert.equal(fx.origin.requests.length, 2);
  });
});
