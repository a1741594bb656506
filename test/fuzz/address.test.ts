/**
 * parseAddress() never throws, and what it accepts formats back to an
 * address it accepts again with the same meaning.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { formatAddress, parseAddress, type AddressPurpose } from '../../src/net/address.js';
import type { HostResolver } from '../../src/net/resolve-sync.js';

const resolver: HostResolver = (name) => (name === 'h.test' ? { address: '10.1.2.3', family: 4 } : undefined);
const purposes: AddressPurpose[] = ['bind', 'server', 'log', 'peer', 'nameserver', 'mailer', 'stats', 'source', 'check'];
const pieces = ['', ':', '::', '[', ']', '*', '1.2.3.4', '::1', 'h.test', '80', '-', '+', '0', '65535', '70000', 'ipv4@', 'ipv6@',
  'unix@', 'abns@', 'fd@', 'udp@', 'tcp@', 'stream+', 'dgram+', '/tmp/s', 'x', ',', '@', '%'];

it('parseAddress never throws on arbitrary text', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 6 }), fc.constantFrom(...purposes), (parts, purpose) => {
      const text = parts.join('');
      // fd@ numbers would probe this process's descriptors: keep them out
      if (/^(fd|sockpair)@/.test(text)) return;
      const r = parseAddress(text, { purpose, resolver });
      assert.equal(typeof r.ok, 'boolean');
    }),
    { numRuns: 2000 },
  );
});

it('accepted IP addresses survive formatAddress()', () => {
  fc.assert(
    fc.property(
      fc.oneof(fc.ipV4(), fc.ipV6()),
      fc.integer({ min: 1, max: 65535 }),
      (ip, port) => {
        const text = ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
        const r = parseAddress(text, { purpose: 'bind', resolver });
        if (!r.ok) return; // fast-check may produce forms inet_pton refuses (e.g. leading zeros)
        const again = parseAddress(formatAddress(r.address), { purpose: 'bind', resolver });
        assert.ok(again.ok);
        if (again.ok) assert.deepEqual([again.address.host, again.address.port, again.address.family], [r.address.host, r.address.port, r.address.family]);
      },
    ),
    { numRuns: 1000 },
  );
});
