/**
 * Writing messages the way haproxy does (errors.c: ha_alert, ha_warning,
 * ha_notice): on stderr, tagged with the pid, silenced by quiet mode, and
 * preceded once per start by the version and executable path.
 */
import { formatDiagnostic, type Diagnostic, type Severity } from '../config/diagnostics.js';
import { SWITCHYARD_VERSION } from './version.js';

export interface OutputOptions {
  /** `-q` (and not `-V`): haproxy prints no message at all, alerts included. */
  quiet: boolean;
  /**
   * Drop every message until {@link Output.unmute}: a process we spawned
   * ourselves (daemon copy, worker) parses the configuration again, and its
   * parent has already printed those diagnostics.
   */
  muted?: boolean | undefined;
}

/** One message handed to a parent process instead of being printed here. */
export interface ForwardedMessage {
  readonly severity: Severity;
  readonly message: string;
  readonly context: 'config' | 'none';
}

export class Output {
  private preambleShown = false;
  private starting = true;
  private muted: boolean;
  private quiet: boolean;
  private sink: ((m: ForwardedMessage) => void) | undefined;

  constructor(opts: OutputOptions) {
    this.quiet = opts.quiet;
    this.muted = opts.muted ?? false;
  }

  /**
   * errors.c: the first alert or warning printed while starting is preceded by
   * "haproxy version is ..." and "path to executable is ..."; notices never
   * trigger it, and nothing does once the process runs.
   */
  private preamble(severity: Severity): void {
    if (this.preambleShown || !this.starting || (severity !== 'alert' && severity !== 'warning')) return;
    this.preambleShown = true;
    const pid = process.pid;
    process.stderr.write(`[NOTICE]   (${pid}) : switchyard version is ${SWITCHYARD_VERSION}\n`);
    process.stderr.write(`[NOTICE]   (${pid}) : path to executable is ${process.argv[1] ?? 'switchyard'}\n`);
  }

  /** Prints diagnostics (nothing in quiet mode). */
  print(list: readonly Diagnostic[]): void {
    if (this.muted) return;
    for (const d of list) {
      if (this.sink !== undefined) {
        // The text after "[LEVEL] (pid) : [config : ]", place included; the parent adds its own prefix.
        const full = formatDiagnostic({ ...d, context: 'none' }, 0);
        this.sink({ severity: d.severity, message: full.slice(full.indexOf(' : ') + 3), context: d.context ?? 'config' });
        continue;
      }
      if (this.quiet) continue;
      this.preamble(d.severity);
      process.stderr.write(formatDiagnostic(d) + '\n');
    }
  }

  /** Prints a message a child process forwarded, as if it were ours. */
  printForwarded(m: ForwardedMessage): void {
    this.print([{ severity: m.severity, code: 'CLI', message: m.message, context: m.context }]);
  }

  alert(message: string, context: 'config' | 'none' = 'config'): void {
    this.print([{ severity: 'alert', code: 'CLI', message, context }]);
  }

  notice(message: string): void {
    this.print([{ severity: 'notice', code: 'CLI', message, context: 'none' }]);
  }

  warning(message: string): void {
    this.print([{ severity: 'warning', code: 'CLI', message, context: 'none' }]);
  }

  stdout(text: string): void {
    if (!this.quiet && !this.muted) process.stdout.write(text);
  }

  /** The process has started serving: no more version preamble (haproxy clears MODE_STARTING). */
  started(): void {
    this.starting = false;
  }

  /** A master re-reading its configuration starts again (haproxy re-executes itself). */
  restart(): void {
    this.starting = true;
    this.preambleShown = false;
  }

  /** Stop dropping messages (see {@link OutputOptions.muted}). */
  unmute(): void {
    this.muted = false;
  }

  /** haproxy's daemon closes its stdio once started: print nothing from now on. */
  silence(): void {
    this.quiet = true;
  }

  /** Send messages to `sink` (a parent process) instead of printing them; `undefined` prints again. */
  forwardTo(sink: ((m: ForwardedMessage) => void) | undefined): void {
    this.sink = sink;
  }
}
