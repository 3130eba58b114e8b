/** Exit statuses shared by every zkcheck command. */
export const EXIT = Object.freeze({
  valid: 0,
  invalid: 1,
  unknown: 2,
  badInput: 254,
  harnessError: 255,
});

/** Bad flags, files or configs: printed as one line, exit 254. */
export class UsageError extends Error {
  override name = 'UsageError';
}
