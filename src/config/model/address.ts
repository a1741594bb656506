/**
 * Socket addresses as written in `bind`, `server`, `source`, `log`, `peer`,
 * `nameserver`, `mailer`... (configuration.txt §11 "Address formats").
 * Built by `parseAddress()` in src/net/address.ts.
 */

/**
 * `udp4`/`udp6` are IPv4/IPv6 addresses used over datagram sockets (`udp@`,
 * `udp4@`, or a `log`/`nameserver` target without a stream prefix); stream IP
 * addresses are `ipv4`/`ipv6`.
 */
export type AddressFamily = 'ipv4' | 'ipv6' | 'unix' | 'abns' | 'fd' | 'sockpair' | 'udp4' | 'udp6';

export interface SocketAddress {
  readonly family: AddressFamily;
  /**
   * ipv4/ipv6/udp4/udp6: the IP literal (`0.0.0.0` / `::` for "any", brackets
   * removed); for a host name not resolved yet (servers, configuration.txt §5.2
   * "init-addr") the name itself, with `fqdn` set. unix: the path; abns: the
   * name; fd/sockpair: the number as text.
   */
  readonly host: string;
  /** First port of the range; 0 when the address has no port (unix, abns, fd, or "server x 1.2.3.4"). */
  readonly port: number;
  /** Last port of a range `8000-8009`; equal to `port` otherwise. */
  readonly portEnd: number;
  /** `+N` / `-N` port offsets on servers (configuration.txt §5.2 "address"); `port` holds N. */
  readonly portOffset?: 'plus' | 'minus' | undefined;
  /** Inherited file descriptor for `fd@<n>` and `sockpair@<n>`. */
  readonly fd?: number | undefined;
  /** The text as written, for messages. */
  readonly text: string;
  /** 'dgram' for udp and uxdg sockets, 'stream' otherwise. */
  readonly socketType?: 'stream' | 'dgram' | undefined;
  /**
   * The host name as written when the address was not an IP literal. For a
   * bind it was resolved at parse time (host holds the IP); for a server the
   * name is resolved once parsing is over, following `init-addr`.
   */
  readonly fqdn?: string | undefined;
  /** True when a server address is a name still to resolve (host === fqdn). */
  readonly unresolved?: boolean | undefined;
}
