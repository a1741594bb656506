/**
 * Parse-time checks of the TLS files named by `bind` and `server` options
 * (`crt`, `ca-file`, `crl-file`, `tls-ticket-keys`...). HAProxy loads them
 * while it parses the line (ssl_sock_load_cert(), ssl_store_load_locations_file(),
 * ssl_sock_load_tlskeys... in src/ssl_*.c), so a missing or broken file is an
 * alert on that line; we validate them the same way with Node's crypto.
 * Loading them for real is the TLS subsystem's job.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';

/** strerror(errno) for a Node fs error. */
export function strerror(err: unknown): string {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'EISDIR': return 'Is a directory';
    case 'ENOTDIR': return 'Not a directory';
    case 'ELOOP': return 'Too many levels of symbolic links';
    case 'ENAMETOOLONG': return 'File name too long';
    default: return (err as Error | undefined)?.message ?? String(err);
  }
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g;

function pemBlocks(text: string): { label: string; pem: string }[] {
  const out: { label: string; pem: string }[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) out.push({ label: m[1]!, pem: m[0] });
  return out;
}

function firstCertificate(text: string): X509Certificate | undefined {
  for (const b of pemBlocks(text)) {
    if (b.label !== 'CERTIFICATE' && b.label !== 'TRUSTED CERTIFICATE') continue;
    try {
      return new X509Certificate(b.pem);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function hasPrivateKey(text: string): 'yes' | 'no' | 'bad' {
  for (const b of pemBlocks(text)) {
    if (!/PRIVATE KEY$/.test(b.label)) continue;
    try {
      createPrivateKey(b.pem);
      return 'yes';
    } catch {
      return 'bad';
    }
  }
  return 'no';
}

/** Files haproxy skips when `crt` names a directory (ssl_sock_load_cert_list dir walk). */
function skippedInCertDir(name: string): boolean {
  return name.startsWith('.') || /\.(key|ocsp|issuer|sctl)$/.test(name);
}

/**
 * Checks one certificate file as `crt <path>` loads it: the first certificate,
 * then a private key in the same file or in `<path>.key`. Returns haproxy's
 * message on failure.
 */
function checkCertFile(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return `unable to load certificate from file '${path}'.`;
  }
  if (firstCertificate(text) === undefined) return `unable to load certificate from file '${path}'.`;
  const k = hasPrivateKey(text);
  if (k === 'yes') return undefined;
  if (k === 'bad') return `unable to load private key from file '${path}'.`;
  let keyText: string;
  try {
    keyText = readFileSync(`${path}.key`, 'latin1');
  } catch {
    return `No Private Key found in '${path}.key'.`;
  }
  const k2 = hasPrivateKey(keyText);
  if (k2 !== 'yes') return `No Private Key found in '${path}.key'.`;
  return undefined;
}

/**
 * `crt <path>`: a PEM file or a directory of them. Returns haproxy's message
 * (without the "'bind x' in section..." context) or undefined when loadable.
 */
export function checkCrt(path: string): string | undefined {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    return `unable to stat SSL certificate from file '${path}' : ${strerror(e)}.`;
  }
  if (!isDir) return checkCertFile(path);
  let names: string[];
  try {
    names = readdirSync(path).sort();
  } catch (e) {
    return `unable to scan directory '${path}' : ${strerror(e)}.`;
  }
  for (const n of names) {
    if (skippedInCertDir(n)) continue;
    const full = join(path, n);
    try {
      if (!statSync(full).isFile()) continue;
    } catch {
      continue;
    }
    const err = checkCertFile(full);
    if (err !== undefined) return err;
  }
  return undefined;
}

/**
 * `ca-file`, `ca-verify-file`, `crl-file`: a PEM file (or a directory for
 * ca-file) holding at least one certificate or CRL. Returns the reason text
 * haproxy puts in "Couldn't open the ca-file '%s' (%s).", or undefined.
 */
export function checkCaFile(path: string, allowDir: boolean): string | undefined {
  if (path === '@system-ca') return undefined;
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    return strerror(e);
  }
  if (isDir) {
    if (!allowDir) return 'Is a directory';
    return undefined;
  }
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    return strerror(e);
  }
  for (const b of pemBlocks(text)) {
    if (b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE' || b.label === 'X509 CRL') return undefined;
  }
  return 'no certificate or crl found';
}

/**
 * `tls-ticket-keys <file>`: base64 lines of 48 or 80 bytes, at least 3 keys
 * (ssl_sock.c: TLS_TICKETS_NO). Returns haproxy's message text after
 * "'<file>' : ", or undefined.
 */
export function checkTicketKeys(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return 'unable to load ssl tickets keys file';
  }
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let n = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(line)) return `unable to decode base64 key on line ${i + 1}`;
    const len = Buffer.from(line, 'base64').length;
    if (len !== 48 && len !== 80) return `wrong sized key on line ${i + 1}`;
    n++;
  }
  if (n < 3) return 'please supply at least 3 keys in the tls-tickets-file';
  return undefined;
}

/** OpenSSL's SSL_CTX_set_cipher_list(): fails only when nothing matches. */
export function ciphersUsable(list: string): boolean {
  // Node sends TLS 1.3 suite names to SSL_CTX_set_ciphersuites(); OpenSSL's
  // cipher list call (haproxy's) does not know them, so leave them out.
  const v12 = list.split(':').filter((c) => !c.startsWith('TLS_')).join(':');
  if (v12 === '') return false;
  try {
    createSecureContext({ ciphers: v12 });
    return true;
  } catch {
    return false;
  }
}

const TLS13_SUITES = new Set([
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256',
]);

/** OpenSSL's SSL_CTX_set_ciphersuites(): unknown names are skipped, an empty result fails. */
export function cipherSuitesUsable(list: string): boolean {
  return list.split(':').some((s) => TLS13_SUITES.has(s));
}

/** OpenSSL's SSL_CTX_set1_curves_list(): every name must be known. */
export function curvesUsable(list: string): boolean {
  try {
    createSecureContext({ ecdhCurve: list });
    return true;
  } catch {
    return false;
  }
}

/** Resolves a relative TLS path against `crt-base` / `ca-base` as haproxy does. */
export function withBase(path: string, base: string | undefined): string {
  if (base === undefined || path.startsWith('/') || path === '@system-ca') return path;
  return `${base}/${path}`;
}
