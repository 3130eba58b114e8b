/**
 * `zkcheck check FILE --write-edn OUT`: the history of the one file checked, written as Jepsen EDN
 * (checker/history/write.ts) so that Jepsen's checkers can read it. A lock or election run's
 * history is written as Knossos's mutex ops (checker/history/mutex.ts). Loaded only with the flag.
 *
 * OUT is refused (UsageError, 254) before any input is read when it is a directory, when its
 * directory is missing, or when it is the input itself (a history is never replaced by its own
 * conversion). It is written to a temporary file beside it, synced, then renamed over OUT: a
 * crash leaves OUT as it was or whole, never half written.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import { basename, dirname, sep } from 'node:path';
import { writeEdn } from '../../checker/history/write.js';
import { HistoryError, type History } from '../../checker/history/types.js';
import { UsageError } from './exit.js';

/** What a path of the target is now, or undefined when nothing is there. */
function statOf(path: string, target: string): Stats | undefined {
  try {
    return statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR')
      throw new UsageError(`--write-edn ${target}: a part of its path is not a directory`);
    throw new UsageError(`--write-edn ${target}: ${(error as Error).message}`);
  }
}

/** An input's identity, or undefined when it cannot be read (its reader will say why). */
function inputStat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Refuses an EDN target that cannot be written, or that is one of the inputs. */
export function checkEdnTarget(target: string, inputs: readonly string[]): void {
  if (inputs.length !== 1)
    throw new UsageError(`--write-edn writes the history of one file: give one file, not ${inputs.length}`);
  if (target === '') throw new UsageError('--write-edn needs the path of a file to write');
  // The path as given, never normalized: `link/../x` is where the system, not the text, says.
  const dir = dirname(target);
  const parent = statOf(dir, target);
  if (parent === undefined) throw new UsageError(`--write-edn ${target}: directory ${dir} does not exist`);
  if (!parent.isDirectory()) throw new UsageError(`--write-edn ${target}: ${dir} is not a directory`);
  const existing = statOf(target, target);
  if (existing === undefined) return;
  if (existing.isDirectory())
    throw new UsageError(`--write-edn ${target} is a directory; give the path of a file to write`);
  // The same file under another name (a link, ./x, a symlink) is the input too: compare inodes.
  for (const input of inputs) {
    const stats = inputStat(input);
    if (stats !== undefined && stats.dev === existing.dev && stats.ino === existing.ino)
      throw new UsageError(`--write-edn ${target} is the input file ${input}; write the EDN elsewhere`);
  }
}

/** The distinct keys of a history's ops (undefined counted as a key of its own). */
function keyCount(history: History): number {
  return new Set(history.map((op) => op.key)).size;
}

/**
 * Writes the history as EDN to `target`, atomically. A mutex history (a lock run converted) over
 * more than one lock is written with `[key nil]` values, as Jepsen's independent checker splits
 * them: Knossos's mutex model alone knows one lock. Any other history keeps the form it was read
 * in (`--independent`: tuples again).
 */
export function writeHistoryEdn(
  target: string,
  history: History,
  opts: { mutex: boolean; independent: boolean },
): void {
  const independent = opts.mutex ? keyCount(history) > 1 : opts.independent;
  let text: string;
  try {
    text = writeEdn(history, { independent });
  } catch (error) {
    // Readers give only values EDN can hold; a value that is not is the input's, not a crash.
    if (error instanceof HistoryError) throw new UsageError(`--write-edn ${target}: ${error.message}`);
    throw error;
  }
  // Beside the target, on its file system, for the rename; concatenated, as join() would
  // normalize a `..` after a symlink away.
  const tmp = `${dirname(target)}${sep}.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const fd = openSync(tmp, 'wx');
    try {
      writeSync(fd, text);
      // Synced before the rename: otherwise a power loss can leave the renamed file empty.
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (error) {
    rmSync(tmp, { force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code === undefined) throw error;
    throw new UsageError(`--write-edn ${target}: cannot write it (${(error as Error).message})`);
  }
}
