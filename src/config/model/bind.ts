/** A `bind` line of a frontend or listen section (configuration.txt §5.1). */
import type { Directive, Place } from './common.js';
import type { SocketAddress } from './address.js';

/** The TLS settings of a bind line (configuration.txt §5.1), checked at parse time, used by the TLS subsystem. */
export interface BindTlsConfig {
  /** `crt` paths (files or directories), with `crt-base` applied. */
  crt: string[];
  crtList: string[];
  caFile?: string | undefined;
  caVerifyFile?: string | undefined;
  crlFile?: string | undefined;
  caSignFile?: string | undefined;
  caSignPass?: string | undefined;
  verify?: 'none' | 'optional' | 'required' | undefined;
  alpn?: string[] | undefined;
  npn?: string[] | undefined;
  ciphers?: string | undefined;
  ciphersuites?: string | undefined;
  curves?: string | undefined;
  ecdhe?: string | undefined;
  sslMinVer?: TlsVersion | undefined;
  sslMaxVer?: TlsVersion | undefined;
  /** `no-sslv3`, `no-tlsv10`... as written. */
  disabledVersions: TlsVersion[];
  /** `force-*` pins both ends. */
  forcedVersion?: TlsVersion | undefined;
  strictSni: boolean;
  generateCertificates: boolean;
  allow0rtt: boolean;
  noTlsTickets: boolean;
  noCaNames: boolean;
  preferClientCiphers: boolean;
  tlsTicketKeys?: string | undefined;
  caIgnoreErr?: string | undefined;
  crtIgnoreErr?: string | undefined;
}

export type TlsVersion = 'SSLv3' | 'TLSv1.0' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';

export interface BindConfig {
  readonly place: Place;
  /** The address argument as written (`:80,:8080`), for messages ("for bind ':443' at [f:l]"). */
  readonly text: string;
  /** One bind line may list several addresses (`bind :80,:8080`), each possibly a port range. */
  readonly addresses: SocketAddress[];
  name?: string | undefined;
  id?: number | undefined;
  maxconn?: number | undefined;
  backlog?: number | undefined;
  acceptProxy: boolean;
  v4v6: boolean;
  v6only: boolean;
  /** Unix socket ownership (`mode`, `uid`, `gid`, `user`, `group`). */
  unixMode?: number | undefined;
  uid?: number | undefined;
  gid?: number | undefined;
  user?: string | undefined;
  group?: string | undefined;
  /** `proto <mux>`: forces the multiplexer (h1, h2...). */
  proto?: string | undefined;
  /** Stats socket `level`, `expose-fd listeners`, `severity-output`. */
  level?: 'user' | 'operator' | 'admin' | undefined;
  exposeFdListeners?: boolean | undefined;
  severityOutput?: 'none' | 'number' | 'string' | undefined;
  ssl: boolean;
  tls: BindTlsConfig;
  /** Every option of the line, checked, including those enforced later (ssl, crt, verify, alpn...). */
  readonly options: Directive[];
}

export function createBindTls(): BindTlsConfig {
  return {
    crt: [], crtList: [], disabledVersions: [], strictSni: false, generateCertificates: false,
    allow0rtt: false, noTlsTickets: false, noCaNames: false, preferClientCiphers: false,
  };
}
