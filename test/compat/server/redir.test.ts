/**
 * Differential: server `redir <prefix>` and `maxqueue`-free paths of a
 * redirecting server through haproxy 2.6 and Switchyard. GET and HEAD get a
 * 302 to prefix + path and the connection closes; other methods and
 * requests without a path reach the server; the prefix "/" keeps the URL.
 */
import { describe, it } from 'node:test';
import { assertSameBehaviour, differential } from '../../helpers/differential.js';
import { haproxyAvailable } from '../../helpers/paths.js';

const skip = haproxyAvailable() ? false : 'haproxy 2.6 is not installed';

const CONFIG = `
global
  nbthread 1
defaults
  mode http
  timeout connect 1s
  timeout client 2s
  timeout server 2s
listen img
  bind \${ADDR:img}
  server s1 \${ORIGIN:web} redir http://img.example.com
listen keep
  bind \${ADDR:keep}
  server s1 \${ORIGIN:web} redir /
`;

describe('server redir', { skip }, () => {
  it('answers GET and HEAD with a 302 to prefix + path, forwards the rest', async () => {
    const r = await differential({
      config: CONFIG,
      origins: { web: { kind: 'http' } },
      exchanges: [
        { listener: 'img', send: 'GET /a/b?x=1 HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n' },
        { listener: 'img', send: 'HEAD http://foo.com/a/b?x=1 HTTP/1.1\r\nHost: foo.com\r\n\r\n' },
        { listener: 'img', send: 'POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi' },
        { listener: 'img', send: 'GET http://foo.com HTTP/1.1\r\nHost: foo.com\r\n\r\n' },
        { listener: 'keep', send: 'GET /a HTTP/1.0\r\n\r\n' },
        { listener: 'keep', send: 'GET /q?z HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc' },
      ],
    });
    assertSameBehaviour(r);
  });
});
