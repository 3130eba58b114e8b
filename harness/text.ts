/** Text as zkcheck's one-line messages show it. */

/**
 * A value as a message shows it: one line, at most 60 characters. Config files carry anything
 * JSON can (numbers past the double range, objects nested thousands deep); a message must still
 * be one line, whatever came in.
 */
export function showValue(raw: unknown): string {
  if (typeof raw === 'number' || typeof raw === 'bigint') return oneLine(String(raw), 60);
  try {
    const json = JSON.stringify(raw, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    if (json !== undefined) return oneLine(json, 60);
  } catch {
    // Nested too deep for the stack: say what it is instead.
  }
  return Array.isArray(raw) ? `a list of ${raw.length}` : typeof raw === 'object' ? 'an object' : typeof raw;
}

/** Text squeezed onto one line (control characters escaped) and cut to `max` characters. */
export function oneLine(text: string, max = 120): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : ' ')).trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
