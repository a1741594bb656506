/**
 * parseAddress(): haproxy 2.6's str2sa_range() rules and messages, per
 * keyword purpose. Host names go through an injected resolver so these tests
 * never touch the system resolver.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cAtoi } from '../../../src/config/global/c-numbers.js';
import { formatAddress, formatIPv6, parseAddress, parseIPv4Strict, parseIPv6Strict, type AddressOptions } from '../../../src/net/address.js';
import type { HostResolver } from '../../../src/net/resolve-sync.js';

const resolver: HostResolver = (name, family) => {
  if (name === 'web.test' && family !== 6) return { address: '10.0.0.7', family: 4 };
  if (name === 'v6.test' && family !== 4) return { address: '2001:db8::7', family: 6 };
  return undefined;
};
const bind: AddressOptions = { purpose: 'bind', resolver };
const server: AddressOptions = { purpose: 'server', resolver };

function ok(text: string, opts: AddressOptions) {
  const r = parseAddress(text, opts);
  if (!r.ok) assert.fail(`${text}: ${r.message}`);
  return r.address;
}
function bad(text: string, opts: AddressOptions): string {
  const r = parseAddress(text, opts);
  assert.equal(r.ok, false, text);
  return r.ok ? '' : r.message;
}

describe('parseAddress: bind', () => {
  it('takes any-address forms', () => {
    assert.deepEqual([ok(':80', bind).host, ok('*:80', bind).host, ok(':::80', bind).host, ok('[::]:80', bind).host], ['0.0.0.0', '0.0.0.0', '::', '::']);
    assert.equal(ok('ipv6@:80', bind).host, '::');
  });
  it('parses literals, brackets and the last colon as the port separator', () => {
    const a = ok('[::1]:8080', bind);
    assert.deepEqual([a.family, a.host, a.port], ['ipv6', '::1', 8080]);
    assert.equal(ok('::1:80', bind).host, '::1');
    assert.equal(ok('127.0.0.1:80', bind).family, 'ipv4');
  });
  it('keeps port ranges', () => {
    const a = ok(':8000-8009', bind);
    assert.deepEqual([a.port, a.portEnd], [8000, 8009]);
    assert.equal(bad(':80-70', bind), "invalid port range '80-70'");
  });
  it('reads ports with atoi() like haproxy', () => {
    assert.equal(ok(':80x', bind).port, 80);
    assert.equal(ok(':4294967376', bind).port, 80); // (int)strtol wraps
    assert.equal(bad(':x80', bind), "invalid character 'x' in port number 'x80' in ':x80'");
  });
  it('refuses port 0, big ports, offsets and missing ports', () => {
    assert.equal(bad(':0', bind), "invalid port '0'");
    assert.equal(bad(':99999', bind), "invalid port '99999'");
    assert.equal(bad(':+5', bind), "port offset not permitted here in ':+5'");
    assert.equal(bad('1.2.3.4', bind), "missing port specification in '1.2.3.4'");
    assert.equal(bad('[::1]', bind), "missing port specification in '[::1]'");
  });
  it('resolves names now and reports unresolvable ones', () => {
    const a = ok('web.test:80', bind);
    assert.deepEqual([a.host, a.fqdn], ['10.0.0.7', 'web.test']);
    assert.equal(bad('nohost.invalid:80', bind), "invalid address: 'nohost.invalid' in 'nohost.invalid:80'");
    assert.equal(bad('foo@:80', bind), "invalid address: 'foo@' in 'foo@:80'");
    assert.equal(bad('ipv4@v6.test:80', bind), "invalid address: 'v6.test' in 'ipv4@v6.test:80'");
  });
  it('checks family prefixes against literals', () => {
    assert.equal(bad('ipv4@::1:80', bind), "invalid address: '::1' in 'ipv4@::1:80'");
    assert.equal(bad('ipv6@1.2.3.4:80', bind), "invalid address: '1.2.3.4' in 'ipv6@1.2.3.4:80'");
  });
  it('refuses datagram and QUIC addresses', () => {
    assert.equal(bad('udp@:80', bind), "dgram-type address not acceptable in 'udp@:80'");
    assert.match(bad('quic4@:443', bind), /^unsupported stream protocol for datagram family 2 address 'quic4@:443'; QUIC is not compiled in/);
  });
  it('handles unix, abns and fd sockets', () => {
    assert.deepEqual([ok('/tmp/s', bind).family, ok('unix@/tmp/s', bind).host, ok('abns@x', bind).family], ['unix', '/tmp/s', 'abns']);
    assert.equal(bad(`unix@/${'a'.repeat(97)}`, bind), `socket path 'unix@/${'a'.repeat(97)}' too long (max 97)`);
    assert.equal(bad('fd@x', bind), "file descriptor 'x' is not a valid integer in 'fd@x'");
    assert.equal(bad('fd@987', bind), "cannot use file descriptor '987' : Bad file descriptor.");
  });
  it('reports empty text as haproxy does', () => {
    assert.equal(bad('', bind), "'' resolves to an empty address (environment variable missing?)");
  });
});

describe('parseAddress: server and others', () => {
  it('keeps host names for later resolution', () => {
    const a = ok('db.example:5432', server);
    assert.deepEqual([a.host, a.fqdn, a.unresolved, a.port], ['db.example', 'db.example', true, 5432]);
  });
  it('allows no port, offsets, and port 0', () => {
    assert.equal(ok('1.2.3.4', server).port, 0);
    const o = ok('1.2.3.4:+10', server);
    assert.deepEqual([o.portOffset, o.port], ['plus', 10]);
    assert.equal(ok('1.2.3.4:-1', server).portOffset, 'minus');
    assert.equal(ok('1.2.3.4:0', server).port, 0);
  });
  it('refuses ranges and fds', () => {
    assert.equal(bad('1.2.3.4:80-90', server), "port range not permitted here in '1.2.3.4:80-90'");
    const r = parseAddress('fd@3', server);
    assert.deepEqual(r, { ok: false, message: "a file descriptor is not acceptable here in 'fd@3'", newline: true });
  });
  it('log targets default to datagrams and take raw fds', () => {
    assert.equal(ok('127.0.0.1:514', { purpose: 'log', resolver }).family, 'udp4');
    assert.equal(ok('tcp@127.0.0.1:514', { purpose: 'log', resolver }).family, 'ipv4');
    assert.equal(ok('fd@1', { purpose: 'log', resolver }).fd, 1);
  });
  it('source addresses take ranges', () => {
    const a = ok('1.2.3.4:1000-2000', { purpose: 'source', resolver });
    assert.deepEqual([a.port, a.portEnd], [1000, 2000]);
  });
});

describe('address helpers', () => {
  it('inet_pton rules', () => {
    assert.equal(parseIPv4Strict('1.2.3.04'), undefined);
    assert.equal(parseIPv4Strict('1.2.3'), undefined);
    assert.deepEqual(parseIPv4Strict('255.0.0.1'), [255, 0, 0, 1]);
    assert.equal(formatIPv6(parseIPv6Strict('2001:db8:0:0:0:0:0:1')!), '2001:db8::1');
    assert.equal(formatIPv6(parseIPv6Strict('::ffff:1.2.3.4')!), '::ffff:102:304');
    assert.equal(parseIPv6Strict('1::2::3'), undefined);
    assert.equal(parseIPv6Strict('fe80::1%lo'), undefined);
  });
  it('cAtoi', () => {
    assert.deepEqual([cAtoi('12x'), cAtoi(' -3'), cAtoi('x'), cAtoi('99999999999999999999')], [12, -3, 0, -1]);
  });
  it('formatAddress', () => {
    assert.equal(formatAddress(ok('[::1]:80', bind)), '[::1]:80');
    assert.equal(formatAddress(ok(':8000-8001', bind)), '0.0.0.0:8000-8001');
    assert.equal(formatAddress(ok('abns@x', bind)), 'abns@x');
    assert.equal(formatAddress(ok('1.2.3.4:+2', server)), '1.2.3.4:+2');
  });
});
