/**
 * crypt(3) for `user <name> password <hash>` (configuration.txt §3.4):
 * haproxy 2.6 calls the system crypt(3) (libxcrypt on Debian 12) in
 * auth.c check_user() and compares the result with the stored hash. This
 * module recomputes the schemes people actually put in userlists, with
 * node:crypto for the digests:
 *
 *   `$1$`  MD5-crypt (Poul-Henning Kamp's FreeBSD scheme, `openssl passwd -1`)
 *   `$5$`  SHA-256-crypt and `$6$` SHA-512-crypt (Ulrich Drepper's
 *          specification, `openssl passwd -5/-6`, optional `rounds=<n>$`)
 *   `xx`   traditional DES crypt, 2-character salt (crypt-des.ts)
 *
 * Settings libxcrypt refuses get its failure token (here: undefined, which
 * never matches), e.g. `rounds=` outside [1000, 999999999] or with a leading
 * zero, verified against perl's crypt() (libxcrypt) in the unit tests. Other
 * schemes libxcrypt knows (`$2b$` bcrypt, `$y$` yescrypt, `_` BSDi DES...)
 * are reported by {@link cryptScheme} as unsupported so that the loader can
 * warn; such users never authenticate.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { desCrypt } from './crypt-des.js';

/** The schemes this module computes. */
export type CryptScheme = 'des' | 'md5' | 'sha256' | 'sha512';

/** crypt's base-64 alphabet (not RFC 4648's). */
export const CRYPT_B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const SHA_ROUNDS_DEFAULT = 5000;
const SHA_ROUNDS_MIN = 1000;
const SHA_ROUNDS_MAX = 999_999_999;

/**
 * The scheme of a stored hash or setting, or undefined when this module
 * cannot compute it (another libxcrypt scheme, or a malformed string).
 */
export function cryptScheme(setting: string): CryptScheme | undefined {
  if (setting.startsWith('$1$')) return 'md5';
  if (setting.startsWith('$5$')) return 'sha256';
  if (setting.startsWith('$6$')) return 'sha512';
  if (/^[./0-9A-Za-z]{2}/.test(setting)) return 'des';
  return undefined;
}

/** Appends `n` characters of the 24-bit value (b2 << 16 | b1 << 8 | b0), low bits first (b64_from_24bit). */
function to64(out: string[], b2: number, b1: number, b0: number, n: number): void {
  let w = (b2 << 16) | (b1 << 8) | b0;
  for (let i = 0; i < n; i++) {
    out.push(CRYPT_B64[w & 0x3f]!);
    w >>>= 6;
  }
}

/** `$1$`: MD5-crypt (FreeBSD crypt-md5.c, libxcrypt crypt-md5.c); the salt is at most 8 characters up to a '$'. */
function md5Crypt(key: Buffer, setting: string): string {
  let salt = setting.slice(3);
  const dollar = salt.indexOf('$');
  if (dollar >= 0) salt = salt.slice(0, dollar);
  salt = salt.slice(0, 8);
  const s = Buffer.from(salt, 'latin1');
  let final = createHash('md5').update(key).update(s).update(key).digest();
  const ctx = createHash('md5').update(key).update('$1$').update(s);
  for (let pl = key.length; pl > 0; pl -= 16) ctx.update(final.subarray(0, Math.min(pl, 16)));
  const zero = Buffer.alloc(1);
  const first = key.subarray(0, 1);
  for (let i = key.length; i !== 0; i >>>= 1) ctx.update((i & 1) !== 0 ? zero : first.length > 0 ? first : zero);
  final = ctx.digest();
  for (let i = 0; i < 1000; i++) {
    const h = createHash('md5');
    h.update((i & 1) !== 0 ? key : final);
    if (i % 3 !== 0) h.update(s);
    if (i % 7 !== 0) h.update(key);
    h.update((i & 1) !== 0 ? final : key);
    final = h.digest();
  }
  const out: string[] = [];
  const f = (i: number): number => final[i]!;
  to64(out, f(0), f(6), f(12), 4);
  to64(out, f(1), f(7), f(13), 4);
  to64(out, f(2), f(8), f(14), 4);
  to64(out, f(3), f(9), f(15), 4);
  to64(out, f(4), f(10), f(5), 4);
  to64(out, 0, 0, f(11), 2);
  return `$1$${salt}$${out.join('')}`;
}

/** Repeats `block` to exactly `len` bytes (the P and S sequences of the SHA-crypt specification). */
function repeatTo(block: Buffer, len: number): Buffer {
  const out = Buffer.alloc(len);
  for (let i = 0; i < len; i += block.length) block.copy(out, i, 0, Math.min(block.length, len - i));
  return out;
}

/**
 * `$5$` / `$6$`: SHA-crypt (https://www.akkadia.org/drepper/SHA-crypt.txt),
 * with libxcrypt's checks on `rounds=`: decimal, no leading zero, in
 * [1000, 999999999], followed by '$'; otherwise the setting is refused.
 */
function shaCrypt(key: Buffer, setting: string, alg: 'sha256' | 'sha512'): string | undefined {
  const prefix = alg === 'sha256' ? '$5$' : '$6$';
  let rest = setting.slice(3);
  let rounds = SHA_ROUNDS_DEFAULT;
  let custom = false;
  if (rest.startsWith('rounds=')) {
    const m = /^rounds=([1-9][0-9]{0,9})\$/.exec(rest);
    if (m === null) return undefined;
    rounds = Number(m[1]);
    if (rounds < SHA_ROUNDS_MIN || rounds > SHA_ROUNDS_MAX) return undefined;
    custom = true;
    rest = rest.slice(m[0].length);
  }
  const dollar = rest.indexOf('$');
  const saltText = (dollar >= 0 ? rest.slice(0, dollar) : rest).slice(0, 16);
  const salt = Buffer.from(saltText, 'latin1');
  const H = (): ReturnType<typeof createHash> => createHash(alg);
  const hlen = alg === 'sha256' ? 32 : 64;

  const B = H().update(key).update(salt).update(key).digest();
  const a = H().update(key).update(salt);
  let n = key.length;
  for (; n > hlen; n -= hlen) a.update(B);
  a.update(B.subarray(0, n));
  for (let i = key.length; i > 0; i >>>= 1) a.update((i & 1) !== 0 ? B : key);
  const A = a.digest();

  const dp = H();
  for (let i = 0; i < key.length; i++) dp.update(key);
  const P = repeatTo(dp.digest(), key.length);
  const ds = H();
  for (let i = 0; i < 16 + A[0]!; i++) ds.update(salt);
  const S = repeatTo(ds.digest(), salt.length);

  let C = A;
  for (let i = 0; i < rounds; i++) {
    const h = H();
    h.update((i & 1) !== 0 ? P : C);
    if (i % 3 !== 0) h.update(S);
    if (i % 7 !== 0) h.update(P);
    h.update((i & 1) !== 0 ? C : P);
    C = h.digest();
  }

  const out: string[] = [];
  const c = (i: number): number => C[i]!;
  if (alg === 'sha256') {
    // Byte order of glibc's sha256-crypt.c: triples (i, i+10, i+20) rotated by i % 3.
    for (let i = 0; i < 10; i++) {
      const x = c(i);
      const y = c(i + 10);
      const z = c(i + 20);
      if (i % 3 === 0) to64(out, x, y, z, 4);
      else if (i % 3 === 1) to64(out, z, x, y, 4);
      else to64(out, y, z, x, 4);
    }
    to64(out, 0, c(31), c(30), 3);
  } else {
    // sha512-crypt.c: triples (i, i+21, i+42) rotated by i % 3.
    for (let i = 0; i < 21; i++) {
      const x = c(i);
      const y = c(i + 21);
      const z = c(i + 42);
      if (i % 3 === 0) to64(out, x, y, z, 4);
      else if (i % 3 === 1) to64(out, y, z, x, 4);
      else to64(out, z, x, y, 4);
    }
    to64(out, 0, 0, c(63), 2);
  }
  return `${prefix}${custom ? `rounds=${rounds}$` : ''}${saltText}$${out.join('')}`;
}

/**
 * crypt(3) of `key` with `setting` (a full hash or just its salt part), as
 * libxcrypt computes it; undefined where libxcrypt returns its failure
 * token, or for a scheme this module does not implement.
 */
export function crypt(key: string | Buffer, setting: string): string | undefined {
  const k = typeof key === 'string' ? Buffer.from(key, 'latin1') : key;
  switch (cryptScheme(setting)) {
    case 'md5':
      return md5Crypt(k, setting);
    case 'sha256':
      return shaCrypt(k, setting, 'sha256');
    case 'sha512':
      return shaCrypt(k, setting, 'sha512');
    case 'des':
      return desCrypt(k, setting);
    default:
      return undefined;
  }
}

/**
 * auth.c check_user(): `strcmp(crypt(pass, hash), hash) == 0`. The
 * comparison runs in constant time for equal lengths.
 */
export function cryptMatches(key: string | Buffer, hash: string): boolean {
  const got = crypt(key, hash);
  if (got === undefined || got.length !== hash.length) return false;
  return timingSafeEqual(Buffer.from(got, 'latin1'), Buffer.from(hash, 'latin1'));
}
