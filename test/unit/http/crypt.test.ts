/**
 * crypt(3) in TypeScript (src/http/crypt.ts, crypt-des.ts): published test
 * vectors, hashes made by `openssl passwd -1/-5/-6` at test time, and
 * libxcrypt itself through perl's crypt() for DES and the `rounds=` edge
 * cases (the crypt haproxy 2.6 calls on Debian 12).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { crypt, cryptMatches, cryptScheme } from '../../../src/http/crypt.js';

function tool(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'latin1', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** libxcrypt's answer through perl (undefined when perl is missing). */
function libxcrypt(key: string, setting: string): string | undefined {
  return tool('perl', ['-e', 'my $r = crypt($ARGV[0], $ARGV[1]); print defined $r ? $r : "undef"', key, setting]);
}

const hasOpenssl = tool('openssl', ['version']) !== undefined;
const hasPerl = libxcrypt('a', 'ab') !== undefined;

describe('crypt(3) published vectors', () => {
  // Ulrich Drepper's SHA-crypt specification, test vectors.
  const SHA = [
    ['$5$saltstring', 'Hello world!', '$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5'],
    ['$5$rounds=10000$saltstringsaltstring', 'Hello world!', '$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2.opqey6IcA'],
    ['$5$rounds=5000$toolongsaltstring', 'This is just a test', '$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8mGRcvxa5'],
    ['$6$saltstring', 'Hello world!', '$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1'],
    ['$6$rounds=10000$saltstringsaltstring', 'Hello world!', '$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.'],
    ['$6$rounds=1400$anotherlongsaltstring', 'a very much longer text to encrypt.  This one even stretches over morethan one line.', '$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wPvMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1'],
  ] as const;
  for (const [setting, key, want] of SHA) {
    it(`${setting} of "${key.slice(0, 20)}"`, () => {
      assert.equal(crypt(key, setting), want);
      assert.equal(cryptMatches(key, want), true);
      assert.equal(cryptMatches(`${key}x`, want), false);
    });
  }
  it('MD5-crypt: the salt stops at 8 characters (value from libxcrypt)', () => {
    assert.equal(crypt('password', '$1$saltstring'), '$1$saltstri$qQY4WxjABChYG1ccLpfkz/');
  });
  it('traditional DES: classic vectors', () => {
    assert.equal(crypt('secret', 'ab'), 'abNANd1rDfiNc');
    // Only the first 8 characters count.
    assert.equal(crypt('secretpassword9', 'ab'), crypt('secretpa', 'ab'));
    assert.equal(crypt('', '..'), '..X8NBuQ4l6uQ');
  });
  it('schemes: what is computed and what is not', () => {
    assert.equal(cryptScheme('$1$x$y'), 'md5');
    assert.equal(cryptScheme('$5$x$y'), 'sha256');
    assert.equal(cryptScheme('$6$x$y'), 'sha512');
    assert.equal(cryptScheme('abNANd1rDfiNc'), 'des');
    for (const h of ['$2b$05$abcdefghijklmnopqrstuu', '$y$j9T$abc$def', '_J9..abcd', '!x', '']) {
      assert.equal(cryptScheme(h), undefined, h);
      assert.equal(cryptMatches('x', h), false);
    }
  });
});

describe('crypt(3) against openssl passwd', { skip: hasOpenssl ? false : 'openssl not installed' }, () => {
  // openssl refuses an empty password; non-ASCII keys go as UTF-8 bytes on both sides.
  const keys = ['secret', 'a', 'pässword', 'x'.repeat(80), 'with space and : colon'];
  for (const flag of ['-1', '-5', '-6']) {
    it(`openssl passwd ${flag}`, () => {
      for (const key of keys) {
        const hash = tool('openssl', ['passwd', flag, key]);
        assert.ok(hash !== undefined && hash.startsWith('$'), `openssl passwd ${flag}`);
        const k = Buffer.from(key, 'utf8');
        assert.equal(crypt(k, hash), hash, `${flag} ${JSON.stringify(key)}`);
        assert.equal(cryptMatches(k, hash), true);
        assert.equal(cryptMatches(Buffer.concat([k, Buffer.from('!')]), hash), false);
      }
    });
  }
});

describe('crypt(3) against libxcrypt (perl)', { skip: hasPerl ? false : 'perl not installed' }, () => {
  const cases: Array<[string, string]> = [
    ['secret', 'ab'], ['secret', './'], ['Zz9.', 'zZ'], ['longerthaneight', 'q1'], ['', 'ab'],
    ['secret', '$5$rounds=1000$salt'], ['secret', '$5$rounds=01000$salt'], ['secret', '$5$rounds=999$salt'],
    ['secret', '$6$rounds=1000$salt$'], ['secret', '$5$rounds=1000'], ['secret', '$6$saltsaltsaltsaltsalt$'],
    ['secret', '$6$$'], ['secret', '$1$$'], ['secret', '$1$abcdefghij$'], ['secret', '$5$sa$lt$'], ['secret', '$1$a$b'],
    ['secret', 'a!'], ['secret', 'a'],
  ];
  for (const [key, setting] of cases) {
    it(`${JSON.stringify(key)} with ${setting}`, () => {
      const want = libxcrypt(key, setting);
      // libxcrypt's failure token ("*0"/"*1") or undef: Switchyard answers undefined.
      const failed = want === undefined || want === 'undef' || want.startsWith('*');
      assert.equal(crypt(key, setting), failed ? undefined : want);
    });
  }
});
