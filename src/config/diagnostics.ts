/**
 * Configuration diagnostics: collected, never thrown, printed in HAProxy's form.
 *
 *   [ALERT]    (1234) : config : parsing [haproxy.cfg:12] : unknown keyword 'bogus' in 'frontend' section
 *   [WARNING]  (1234) : config : [haproxy.cfg:13] : 'server be/s1' : ...
 *
 * HAProxy uses two place styles: "parsing [file:line] : " for keyword-level
 * messages and "[file:line] : " for bind/server option messages; both are kept.
 */

export type Severity = 'alert' | 'warning' | 'notice' | 'diag';

/** Where a configuration element was written. */
export interface Place {
  readonly file: string;
  readonly line: number;
}

/**
 * HAProxy 2.6 is not uniform in how it prints a place, and we print exactly what it does:
 * - 'parsing':       `parsing [f:l] : `  (most keyword parsers)
 * - 'parsing-tight': `parsing [f:l]: `   (out-of-section and userlist messages)
 * - 'Parsing-tight': `Parsing [f:l]: `   (duplicate proxy names)
 * - 'bracket':       `[f:l] : `          (bind and server option parsers)
 * - 'none':          the place is known (we keep it for tools) but not printed
 */
export type PlaceStyle = 'parsing' | 'parsing-tight' | 'Parsing-tight' | 'bracket' | 'none';

export interface Diagnostic {
  readonly severity: Severity;
  /** Stable code, listed in docs/errors.md (e.g. `CFG_UNKNOWN_KEYWORD`). */
  readonly code: string;
  readonly message: string;
  readonly place?: Place | undefined;
  /** How the place is printed; defaults to 'parsing' when a place is given. */
  readonly style?: PlaceStyle | undefined;
  /** HAProxy prefixes most configuration messages with "config : "; notices at startup have no context. */
  readonly context?: 'config' | 'none' | undefined;
  /**
   * Whether this message fails the configuration. By default alerts do and
   * other severities do not; haproxy prints some alerts without failing
   * (`default-server id`: `fatal: false`) and a few warnings that do fail
   * (ring `size` shrinking, cache aborts: `fatal: true`).
   */
  readonly fatal?: boolean | undefined;
  /** After this alert haproxy exits at once, without "Fatal errors found in configuration." */
  readonly exitsImmediately?: boolean | undefined;
}

const LABELS: Record<Severity, string> = {
  alert: '[ALERT]    ',
  warning: '[WARNING]  ',
  notice: '[NOTICE]   ',
  diag: '[DIAG]     ',
};

/** Formats one diagnostic exactly as HAProxy 2.6 prints it on stderr. */
export function formatDiagnostic(d: Diagnostic, pid: number = process.pid): string {
  let out = `${LABELS[d.severity]}(${pid}) : `;
  if ((d.context ?? 'config') === 'config') out += 'config : ';
  if (d.place !== undefined) {
    const style = d.style ?? 'parsing';
    const where = `[${d.place.file}:${d.place.line}]`;
    if (style === 'parsing') out += `parsing ${where} : `;
    else if (style === 'parsing-tight') out += `parsing ${where}: `;
    else if (style === 'Parsing-tight') out += `Parsing ${where}: `;
    else if (style === 'bracket') out += `${where} : `;
  }
  return out + d.message;
}

/** True when the diagnostic fails the configuration (see {@link Diagnostic.fatal}). */
export function isFatal(d: Diagnostic): boolean {
  return d.fatal ?? d.severity === 'alert';
}

/**
 * Collects diagnostics for one configuration load. Parsers report into it and
 * keep going, so a single run shows every error of a file (HAProxy does the same
 * within its parsing stage).
 */
export class Diagnostics {
  readonly list: Diagnostic[] = [];

  alert(code: string, message: string, place?: Place, style?: PlaceStyle): void {
    this.list.push({ severity: 'alert', code, message, place, style });
  }

  /** An [ALERT] that haproxy prints without failing the configuration. */
  nonFatalAlert(code: string, message: string, place?: Place, style?: PlaceStyle): void {
    this.list.push({ severity: 'alert', code, message, place, style, fatal: false });
  }

  warning(code: string, message: string, place?: Place, style?: PlaceStyle): void {
    this.list.push({ severity: 'warning', code, message, place, style });
  }

  notice(code: string, message: string, place?: Place, style?: PlaceStyle): void {
    this.list.push({ severity: 'notice', code, message, place, style });
  }

  diag(code: string, message: string, place?: Place, style?: PlaceStyle): void {
    this.list.push({ severity: 'diag', code, message, place, style });
  }

  push(d: Diagnostic): void {
    this.list.push(d);
  }

  /** Fatal messages only: these make the configuration invalid. */
  get alertCount(): number {
    let n = 0;
    for (const d of this.list) if (isFatal(d)) n++;
    return n;
  }

  get warningCount(): number {
    let n = 0;
    for (const d of this.list) if (d.severity === 'warning') n++;
    return n;
  }

  hasAlerts(): boolean {
    return this.list.some(isFatal);
  }
}
