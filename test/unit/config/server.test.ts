/**
 * `server`, `default-server`, `server-template`: layering, resets, the model,
 * and the checks run after parsing.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfigText } from '../../helpers/load-config.js';

const T = 'defaults\n  timeout client 1s\n';

describe('server', () => {
  it('parses the runtime fields', () => {
    const r = loadConfigText(`${T}backend be\n  server s1 127.0.0.1:8080 weight 7 backup disabled maxconn 3 check inter 1s rise 4 fall 5`);
    assert.deepEqual(r.alerts, []);
    const s = r.model.proxies[0]!.servers[0]!;
    assert.deepEqual([s.name, s.address.host, s.address.port], ['s1', '127.0.0.1', 8080]);
    assert.deepEqual([s.weight, s.backup, s.disabled, s.maxconn, s.check, s.inter, s.rise, s.fall], [7, true, true, 3, true, 1000, 4, 5]);
  });

  it('layers default-server from defaults and the backend, and no-* resets', () => {
    const r = loadConfigText(`${T}  default-server inter 3s weight 9\nbackend be\n  default-server check backup\n  server s1 1.2.3.4:80 no-check no-backup\n  server s2 1.2.3.4:81 weight 2`);
    assert.deepEqual(r.alerts, []);
    const [s1, s2] = r.model.proxies[0]!.servers;
    assert.deepEqual([s1!.check, s1!.backup, s1!.inter, s1!.weight], [false, false, 3000, 9]);
    assert.deepEqual([s2!.check, s2!.backup, s2!.weight], [true, true, 2]);
    // a server's own options list holds only its own line
    assert.deepEqual(s1!.options?.map((o) => o.keyword), ['no-check', 'no-backup']);
  });

  it('does not inherit cookie and redir from default-server', () => {
    const r = loadConfigText(`${T}backend be\n  mode http\n  default-server cookie c redir http://x\n  server s1 1.2.3.4:80`);
    const s = r.model.proxies[0]!.servers[0]!;
    assert.deepEqual([s.cookie, s.redir], [undefined, undefined]);
  });

  it('expands server-template names', () => {
    const r = loadConfigText(`${T}backend be\n  server-template web 2-4 10.0.0.1:80 check`);
    assert.deepEqual(r.model.proxies[0]!.servers.map((s) => s.name), ['web2', 'web3', 'web4']);
    assert.deepEqual(r.model.proxies[0]!.servers[0]!.template, { prefix: 'web', index: 2 });
  });

  it('keeps track targets and checks them after parsing', () => {
    const r = loadConfigText(`${T}backend be\n  server s1 1.2.3.4:80 track other/s9\nbackend other\n  server s9 1.2.3.4:80 check`);
    assert.deepEqual(r.alerts, []);
    assert.deepEqual(r.model.proxies[0]!.servers[0]!.track, { backend: 'other', server: 's9', place: { file: r.file, line: 4 } });
  });

  it('reports a refused default-server option without stopping the line', () => {
    const r = loadConfigText(`${T}backend be\n  default-server id 3 weight 300`);
    assert.deepEqual(r.alerts, [
      "[t.cfg:4] : 'id' option is not accepted in default-server sections",
      '[t.cfg:4] : weight of server default-server is not within 0 and 256 (300)..',
    ]);
  });

  it('resolves host names after parsing, following init-addr', () => {
    const ok = loadConfigText(`${T}backend be\n  server s1 localhost:80`);
    assert.deepEqual(ok.alerts, []);
    assert.equal(ok.model.proxies[0]!.servers[0]!.address.host, '127.0.0.1');
    const none = loadConfigText(`${T}backend be\n  server s1 nohost.invalid:80 init-addr none`);
    assert.deepEqual(none.alerts, []);
    const bad = loadConfigText(`${T}backend be\n  server s1 nohost.invalid:80`);
    assert.deepEqual(bad.alerts, ["[t.cfg:4] : 'server be/s1' : could not resolve address 'nohost.invalid'.", 'Failed to initialize server(s) addr.']);
  });

  it('marks options the runtime does not act on yet', () => {
    const r = loadConfigText(`${T}backend be\n  server s1 1.2.3.4:80 check send-proxy observe layer4 slowstart 5s ssl sni str(x)`);
    const pending = r.diag.list.filter((d) => d.code === 'CFG_NOT_ENFORCED').map((d) => d.message);
    assert.deepEqual(pending.map((m) => m.split(' ')[0]), ["'ssl'", "'sni'"]);
  });
});
