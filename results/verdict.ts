/** The words for verdicts, in one place: every report, page and exit status says them the same. */
import type { Validity } from '../checker/linearizable/types.js';

/** `valid`, `INVALID`, or `unknown (cause)`. */
export function verdictLabel(valid: Validity, cause?: string): string {
  if (valid === true) return 'valid';
  if (valid === false) return 'INVALID';
  return cause ? `unknown (${cause})` : 'unknown';
}

/** The exit status every command gives a verdict: 0 valid, 1 invalid, 2 unknown. */
export function exitStatusFor(valid: Validity): 0 | 1 | 2 {
  return valid === true ? 0 : valid === false ? 1 : 2;
}
