/** Pieces shared by every part of the configuration model. */
import type { Place } from '../diagnostics.js';

export type { Place };

/**
 * A keyword line kept as written, with its arguments already checked. Used for
 * directives whose effect lands in a later subsystem: they are validated now,
 * stored here, and reported by `-c` as "parsed but not enforced yet".
 */
export interface Directive {
  readonly keyword: string;
  readonly args: readonly string[];
  readonly place: Place;
}

/** A duration in milliseconds, as produced by `parseTime`. */
export type Millis = number;
