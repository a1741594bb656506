/**
 * The built-in log formats behind `option tcplog`, `option httplog [clf]` and
 * `option httpslog` (configuration.txt §8.2.2–§8.2.4 "strict equivalent of").
 */
import type { LogFormatSetting } from '../model/proxy.js';

export const BUILTIN_LOG_FORMATS: Readonly<Record<LogFormatSetting['origin'], string>> = {
  tcplog: '%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq',
  httplog: '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r',
  'httplog clf':
    '%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl',
  httpslog:
    '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r ' +
    '%[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc',
  custom: '',
};

/** How haproxy names the directive that set a log format, in its "overrides previous" warnings. */
export function logFormatName(f: LogFormatSetting): string {
  return f.origin === 'custom' ? 'log-format' : `option ${f.origin}`;
}

/** True for the formats that need `mode http` (haproxy falls back to tcplog otherwise). */
export function isHttpLogFormat(f: LogFormatSetting): boolean {
  return f.origin === 'httplog' || f.origin === 'httplog clf' || f.origin === 'httpslog';
}
