/** Writing diagnostics the way haproxy does (stderr, pid-tagged, quiet mode). */
import { formatDiagnostic, type Diagnostic } from '../config/diagnostics.js';
import { SWITCHYARD_VERSION } from './version.js';

export interface OutputOptions {
  quiet: boolean;
}

export class Output {
  private noticesShown = false;

  constructor(private readonly opts: OutputOptions) {}

  /** haproxy prints its version and path once before the first message of a run. */
  private preamble(): void {
    if (this.noticesShown) return;
    this.noticesShown = true;
    const pid = process.pid;
    process.stderr.write(`[NOTICE]   (${pid}) : switchyard version is ${SWITCHYARD_VERSION}\n`);
    process.stderr.write(`[NOTICE]   (${pid}) : path to executable is ${process.argv[1] ?? 'switchyard'}\n`);
  }

  /** Prints diagnostics; in quiet mode only alerts are shown. */
  print(list: readonly Diagnostic[]): void {
    for (const d of list) {
      if (this.opts.quiet && d.severity !== 'alert') continue;
      this.preamble();
      process.stderr.write(formatDiagnostic(d) + '\n');
    }
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
    if (!this.opts.quiet) process.stdout.write(text);
  }
}
