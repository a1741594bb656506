/**
 * Test certificates, generated at test time with the `openssl` CLI into a
 * temporary directory and cached for the life of the test process.
 *
 * Layout (all PEM):
 *   ca.crt / ca.key                    a self-signed CA ("Switchyard Test CA")
 *   server-rsa.crt / .key              RSA 2048 server cert signed by the CA
 *   server-ecdsa.crt / .key            ECDSA P-256 server cert signed by the CA
 *   client.crt / client.key            client cert (CN=client1) signed by the CA
 *   server-rsa.pem, server-ecdsa.pem   haproxy `crt` format: cert + CA chain + key
 *   client.pem                         client cert + key (haproxy server `crt`, curl `--cert`)
 * Server SANs: DNS localhost, example.com, *.example.com, www.example.org, IP 127.0.0.1, IP ::1.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from './processes.js';

export interface KeyPair {
  /** Certificate file (PEM). */
  readonly certFile: string;
  /** Private key file (PEM). */
  readonly keyFile: string;
  /** cert + CA chain + key in one file: haproxy's `crt` format. */
  readonly pemFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface TestCerts {
  readonly dir: string;
  readonly ca: { readonly certFile: string; readonly keyFile: string; readonly cert: Buffer };
  readonly rsa: KeyPair;
  readonly ecdsa: KeyPair;
  readonly client: KeyPair;
  /** The server SAN DNS names. */
  readonly names: readonly string[];
}

const SERVER_NAMES = ['localhost', 'example.com', '*.example.com', 'www.example.org'] as const;

async function openssl(dir: string, args: string[]): Promise<void> {
  const r = await run('openssl', args, { cwd: dir, timeoutMs: 30000 });
  if (r.code !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
}

async function signed(
  dir: string,
  base: string,
  keyArgs: string[],
  subject: string,
  ext: string,
): Promise<void> {
  await openssl(dir, ['req', '-new', '-nodes', ...keyArgs, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subject]);
  writeFileSync(join(dir, `${base}.ext`), ext);
  await openssl(dir, [
    'x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
    '-days', '30', '-sha256', '-extfile', `${base}.ext`, '-out', `${base}.crt`,
  ]);
}

function pair(dir: string, base: string, ca: Buffer): KeyPair {
  const cert = readFileSync(join(dir, `${base}.crt`));
  const key = readFileSync(join(dir, `${base}.key`));
  const pemFile = join(dir, `${base}.pem`);
  // haproxy's "crt" (configuration.txt §5.1 "crt"): the PEM may hold the
  // certificate, its chain and the key in any order; we write cert, chain, key.
  writeFileSync(pemFile, Buffer.concat([cert, ca, key]));
  return { certFile: join(dir, `${base}.crt`), keyFile: join(dir, `${base}.key`), pemFile, cert, key };
}

async function generate(): Promise<TestCerts> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-certs-'));
  await openssl(dir, [
    'req', '-x509', '-new', '-nodes', '-newkey', 'rsa:2048', '-keyout', 'ca.key', '-out', 'ca.crt',
    '-days', '30', '-sha256', '-subj', '/O=Switchyard Tests/CN=Switchyard Test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const san = `subjectAltName=${SERVER_NAMES.map((n) => `DNS:${n}`).join(',')},IP:127.0.0.1,IP:::1\n`;
  const serverExt = `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n${san}`;
  await signed(dir, 'server-rsa', ['-newkey', 'rsa:2048'], '/O=Switchyard Tests/CN=localhost', serverExt);
  await signed(
    dir,
    'server-ecdsa',
    ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
    '/O=Switchyard Tests/CN=localhost',
    serverExt.replace('digitalSignature,keyEncipherment', 'digitalSignature'),
  );
  await signed(
    dir,
    'client',
    ['-newkey', 'rsa:2048'],
    '/O=Switchyard Tests/CN=client1',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  );
  const caCert = readFileSync(join(dir, 'ca.crt'));
  const client = pair(dir, 'client', Buffer.alloc(0));
  // client.pem: certificate then key (no chain), as curl's --cert and haproxy's server "crt" want it.
  return {
    dir,
    ca: { certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key'), cert: caCert },
    rsa: pair(dir, 'server-rsa', caCert),
    ecdsa: pair(dir, 'server-ecdsa', caCert),
    client,
    names: SERVER_NAMES,
  };
}

let cached: Promise<TestCerts> | undefined;

/**
 * The test certificates, generated on first use (about a second) and shared
 * by every caller in this process; the directory is removed at exit.
 */
export function getCerts(): Promise<TestCerts> {
  if (!cached) {
    cached = generate();
    cached.then(
      (c) => process.once('exit', () => rmSync(c.dir, { recursive: true, force: true })),
      () => undefined,
    );
  }
  return cached;
}

/** Placeholder values for configurations: `${CERT_PEM}`, `${ECDSA_PEM}`, `${CA_CRT}`, `${CLIENT_PEM}`, `${CERT_DIR}`. */
export async function certVars(): Promise<Record<string, string>> {
  const c = await getCerts();
  return {
    CERT_PEM: c.rsa.pemFile,
    ECDSA_PEM: c.ecdsa.pemFile,
    CA_CRT: c.ca.certFile,
    CLIENT_PEM: c.client.pemFile,
    CERT_DIR: c.dir,
  };
}
