/**
 * `set-log-level <level>` (configuration.txt §4.2 "http-request
 * set-log-level"): the level of the transaction's log line. log.c
 * strm_log(): `s->logs.level` is the syslog level plus one, -1 for
 * `silent`; when set, the line goes out at that level (replacing info and
 * `option log-separate-errors`' err), and `silent` sends no line at all.
 * Checked with haproxy 2.6: `set-log-level err` on a `local0` target writes
 * `<131>` instead of `<134>`; `silent` logs nothing
 * (test/compat/http/gaps-log-level.test.ts).
 */
import { LOG_LEVELS } from '../config/model/global.js';

/** The level override of a transaction: a syslog level, `SILENT`, or undefined (no override). */
export const SILENT = -1;

/** Maps the name a `set-log-level` rule stored (`HttpStream.logLevel`) to a syslog level, {@link SILENT}, or undefined. */
export function logLevelOverride(name: string | undefined): number | undefined {
  if (name === undefined || name === '') return undefined;
  if (name === 'silent') return SILENT;
  const i = (LOG_LEVELS as readonly string[]).indexOf(name);
  return i < 0 ? undefined : i;
}
