/**
 * The named auxiliary sections: peers, resolvers, mailers, userlist, cache,
 * program, ring, http-errors (configuration.txt §3.4–§3.9, §5.3.2, §6.2.1).
 */
import type { Directive, Millis, Place } from './common.js';
import type { SocketAddress } from './address.js';
import type { LogFormatName, LogTargetConfig } from './global.js';

interface NamedSection {
  readonly name: string;
  readonly place: Place;
  /** Every keyword line of the section, checked and kept in order. */
  readonly directives: Directive[];
}

/** A `peer <name> <addr>` or `server <name> [<addr>]` line of a peers section (§3.5). */
export interface PeerConfig {
  readonly name: string;
  /** Absent for a `server` line naming the local peer (its address comes from `bind`). */
  readonly address?: SocketAddress | undefined;
  readonly place: Place;
  /** True when the name is the local peer name (`localpeer`, `-L`, or the host name). */
  readonly local: boolean;
  /** 'peer' lines also bind the local peer's address; 'server' lines never do. */
  readonly keyword: 'peer' | 'server';
  /** Server options written after the address (ssl, ...), checked. */
  readonly options: readonly string[];
}

export interface PeersSection extends NamedSection {
  peers: PeerConfig[];
  disabled: boolean;
  /** The `bind` line of the local peer (new style, with `server` lines). */
  bind?: { readonly address: SocketAddress; readonly options: readonly string[]; readonly place: Place } | undefined;
  /** `table <name> type ...` lines: stick tables named `<section>/<name>`. */
  tables: Directive[];
  logs: LogTargetConfig[];
  /** The local peer name when the section was parsed (`localpeer`, `-L` or the host name). */
  readonly localPeer: string;
}

export interface NameserverConfig { readonly name: string; readonly address: SocketAddress; readonly place: Place }

/** The events a resolvers section may set a `hold` period for (§5.3.2 "hold"). */
export type ResolverHoldEvent = 'nx' | 'other' | 'refused' | 'timeout' | 'valid' | 'obsolete';

export interface ResolversSection extends NamedSection {
  nameservers: NameserverConfig[];
  /** `parse-resolv-conf`: the nameservers of /etc/resolv.conf were added (they are in `nameservers`). */
  parseResolvConf: boolean;
  acceptedPayloadSize?: number | undefined;
  resolveRetries?: number | undefined;
  hold: Partial<Record<ResolverHoldEvent, Millis>>;
  timeoutResolve?: Millis | undefined;
  timeoutRetry?: Millis | undefined;
}

export interface MailerConfig { readonly name: string; readonly address: SocketAddress; readonly place: Place }
export interface MailersSection extends NamedSection { mailers: MailerConfig[]; timeoutMail?: Millis | undefined }

export interface UserConfig {
  readonly name: string;
  /** The crypt(3) hash (`password`) or the clear text (`insecure-password`). */
  readonly password?: string | undefined;
  readonly insecure: boolean;
  /** Group names as written (`groups a,b`), checked against the section's groups after parsing. */
  readonly groups: string[];
  readonly place: Place;
}
export interface GroupConfig { readonly name: string; readonly users: string[]; readonly place: Place }
export interface UserlistSection extends NamedSection { users: UserConfig[]; groups: GroupConfig[] }

export interface CacheSection extends NamedSection {
  /** `total-max-size`, in megabytes. */
  totalMaxSize?: number | undefined;
  /** `max-age`, in seconds (default 60). */
  maxAge?: number | undefined;
  /** `max-object-size`, in bytes (default: total size / 256). */
  maxObjectSize?: number | undefined;
  processVary?: boolean | undefined;
  maxSecondaryEntries?: number | undefined;
}

export interface ProgramSection extends NamedSection {
  command?: string[] | undefined;
  user?: string | undefined;
  group?: string | undefined;
  /** `option start-on-reload` (default) / `no option start-on-reload`. */
  startOnReload: boolean;
}

export interface RingSection extends NamedSection {
  /** Buffer size in bytes (default 16384, the buffer size). */
  size?: number | undefined;
  format?: LogFormatName | undefined;
  maxlen?: number | undefined;
  description?: string | undefined;
  timeoutConnect?: Millis | undefined;
  timeoutServer?: Millis | undefined;
  /** `server` lines forwarding the ring's events. */
  servers: Directive[];
}

export interface HttpErrorsSection extends NamedSection { errorfiles: Map<number, { file: string; place: Place }> }

/** `log-forward <name>` (configuration.txt §3.10). */
export interface LogForwardSection extends NamedSection {
  binds: { address: SocketAddress; place: Place }[];
  dgramBinds: { address: SocketAddress; place: Place }[];
  logs: import('./global.js').LogTargetConfig[];
  maxconn?: number | undefined;
  backlog?: number | undefined;
  timeoutClient?: Millis | undefined;
}
