/**
 * `bind` lines: the model built, the "not enforced yet" reports, and a few
 * messages (the differential test covers the messages against haproxy).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../helpers/load-config.js';

const T = 'defaults\n  timeout client 1s\n';

describe('bind', () => {
  it('builds listeners from an address list with ranges', () => {
    const r = loadConfigText(`${T}frontend fe\n  bind 127.0.0.1:8000-8001,[::1]:9000 name web maxconn 5 backlog 7 accept-proxy v4v6`);
    assert.deepEqual(r.alerts, []);
    const b = r.model.proxies[0]!.binds[0]!;
    assert.equal(b.text, '127.0.0.1:8000-8001,[::1]:9000');
    assert.deepEqual(b.addresses.map((a) => [a.family, a.host, a.port, a.portEnd]), [['ipv4', '127.0.0.1', 8000, 8001], ['ipv6', '::1', 9000, 9000]]);
    assert.deepEqual([b.name, b.maxconn, b.backlog, b.acceptProxy, b.v4v6], ['web', 5, 7, true, true]);
    assert.deepEqual(b.options.map((o) => o.keyword), ['name', 'maxconn', 'backlog', 'accept-proxy', 'v4v6']);
  });

  it('keeps unix socket ownership', () => {
    const r = loadConfigText(`${T}frontend fe\n  bind /tmp/x.sock mode 660 uid 5 gid 6`);
    const b = r.model.proxies[0]!.binds[0]!;
    assert.deepEqual([b.addresses[0]!.family, b.unixMode, b.uid, b.gid], ['unix', 0o660, 5, 6]);
  });

  it('reports options the runtime does not act on yet, once each', () => {
    const r = loadConfigText(`${T}frontend fe\n  bind :80 transparent tfo name x`);
    const pending = r.diag.list.filter((d) => d.code === 'CFG_NOT_ENFORCED').map((d) => d.message);
    assert.equal(pending.length, 2);
    assert.match(pending[0]!, /^'transparent' on 'bind' \(refused at startup: Node.js cannot set IP_TRANSPARENT/);
    assert.match(pending[1]!, /^'tfo' on 'bind' \(ignored with a warning at startup/);
  });

  it('a plain bind has nothing pending', () => {
    const r = loadConfigText(`${T}frontend fe\n  bind :80\n  bind fd@0,unix@/tmp/a.sock`.replace('fd@0,', ''));
    assert.equal(r.diag.list.filter((d) => d.code === 'CFG_NOT_ENFORCED').length, 0);
  });

  it('stops a line at its first bad option', () => {
    const r = loadConfigText(`${T}frontend fe\n  bind :80 maxconn -1 nice 5000`);
    assert.deepEqual(r.alerts, ["parsing [t.cfg:4] : 'bind :80' in section 'frontend' : 'maxconn' : invalid value -1, must be >= 0"]);
    assert.equal(r.model.proxies[0]!.binds.length, 0);
  });

  it('refuses bind in defaults, warns in a backend', () => {
    const r = loadConfigText(`${T}  bind :80\nbackend be\n  bind :81`);
    assert.deepEqual(r.alerts, ["parsing [t.cfg:3] : 'bind' not allowed in 'defaults' section."]);
    assert.deepEqual(r.warnings, ["parsing [t.cfg:5] : 'bind' ignored because backend 'be' has no frontend capability."]);
  });

  it('records TLS settings for the TLS subsystem', () => {
    const r = loadConfigText(`${T}frontend fe\n  bind :443 ssl alpn h2,http/1.1 verify none ssl-min-ver TLSv1.2 no-tlsv10 strict-sni`);
    const b = r.model.proxies[0]!.binds[0]!;
    assert.equal(b.ssl, true);
    assert.deepEqual(b.tls.alpn, ['h2', 'http/1.1']);
    assert.deepEqual([b.tls.verify, b.tls.sslMinVer, b.tls.disabledVersions, b.tls.strictSni], ['none', 'TLSv1.2', ['TLSv1.0'], true]);
  });

  it('needs a certificate for ssl once parsing is over', () => {
    const r = loadConfigText(`${T}frontend fe\n  bind :443 ssl`);
    assert.deepEqual(r.alerts, ["Proxy 'fe': no SSL certificate specified for bind ':443' at [t.cfg:4] (use 'crt')."]);
  });
});
