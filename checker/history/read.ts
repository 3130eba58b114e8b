/**
 * Reading histories: the one entry point for every format zkcheck accepts.
 *
 *   const history = await readHistoryFile('run/history.jsonl');
 *   checkWellFormed(history);             // from ./wellformed.js
 *   const ops = toOperations(history);    // from ./operations.js
 *
 * Every problem with the input is a {@link HistoryError} whose message starts with `file:line:`.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { readEdnHistory } from './edn-history.js';
import { splitIndependentKeys } from './independent.js';
import { readJsonl, readJsonlFile, type ParsedHistory } from './jsonl.js';
import { JEPSEN_LOG_OP, readPorcupineEtcd, readPorcupineKv } from './porcupine.js';
import { printable } from './record.js';
import { recordHistorySource } from './source.js';
import { HistoryError, type History } from './types.js';

/** Formats, as named by `--format`. */
export const FORMATS = ['jsonl', 'edn', 'porcupine-etcd', 'porcupine-kv'] as const;
export type HistoryFormat = (typeof FORMATS)[number];

export interface ReadOptions {
  /** The format; detected from the file name and content when absent. */
  format?: HistoryFormat;
  /** Split `[key value]` tuple values into `key` and `value` (Jepsen's independent checker). */
  independent?: boolean;
  /** Called with recoverable problems, e.g. a truncated last line of a JSONL history. */
  onWarning?: (message: string) => void;
}

export interface ParseOptions extends ReadOptions {
  /** The file name used in error messages (and for format detection by extension). */
  file: string;
}

export function isHistoryFormat(name: string): name is HistoryFormat {
  return (FORMATS as readonly string[]).includes(name);
}

/** How many leading lines the content checks look at. */
const SNIFF_LINES = 20;

/**
 * Guesses the format of `text` from its content, using the extension of `fileName` to settle
 * the ambiguous cases: JSON object lines are `jsonl`; Jepsen log lines (`INFO jepsen.util - `)
 * are `porcupine-etcd`; lines that are each a whole EDN op map are `porcupine-kv`; anything else
 * is `edn`.
 */
export function detectFormat(text: string, fileName: string): HistoryFormat {
  const ext = extname(fileName).toLowerCase();
  const lines = leadingLines(text, SNIFF_LINES);
  if (lines.length === 0) {
    if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
    if (ext === '.log') return 'porcupine-etcd';
    return 'edn';
  }
  if (ext === '.jsonl' || ext === '.ndjson') return 'jsonl';
  if (ext !== '.edn' && /^\{\s*("|\}$)/.test(lines[0])) return 'jsonl';
  const looksLikeEdn = /^[[({#]/.test(lines[0]);
  if (ext === '.log' || !looksLikeEdn) {
    if (JEPSEN_LOG_OP.test(text)) return 'porcupine-etcd';
  }
  const kvLine = (line: string) => line.startsWith('{') && line.endsWith('}') && line.includes(':process');
  if (lines.every(kvLine)) return 'porcupine-kv';
  return 'edn';
}

/** Up to `max` lines that are neither blank nor `;` comments, trimmed. */
function leadingLines(text: string, max: number): string[] {
  const out: string[] = [];
  let start = 0;
  while (start < text.length && out.length < max) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end).trim();
    if (line !== '' && !line.startsWith(';')) out.push(line);
    start = end + 1;
  }
  return out;
}

function readFormat(text: string, format: HistoryFormat, opts: ParseOptions): ParsedHistory {
  switch (format) {
    case 'jsonl':
      return readJsonl(text, opts.file, opts.onWarning);
    case 'edn':
      return readEdnHistory(text, opts.file);
    case 'porcupine-etcd':
      return readPorcupineEtcd(text, opts.file);
    case 'porcupine-kv':
      return readPorcupineKv(text, opts.file);
  }
}

/** Parses a whole history held in memory. */
export function parseHistory(text: string, opts: ParseOptions): History {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark is not content
  let format = opts.format;
  if (format === undefined) {
    format = detectFormat(text, opts.file);
    // One op map per line is also a bare EDN sequence; unless forced, read it with the EDN reader,
    // which gives the same history and also copes with a later map that spans lines.
    if (format === 'porcupine-kv') format = 'edn';
  } else if (!isHistoryFormat(format)) {
    throw new HistoryError(
      `${opts.file}: unknown history format "${printable(format)}" (known: ${FORMATS.join(', ')})`,
    );
  }
  return finish(readFormat(text, format, opts), opts);
}

/** What every reader's result goes through: independent keys, the empty warning, the source map. */
function finish({ history, lines }: ParsedHistory, opts: ParseOptions): History {
  if (opts.independent) splitIndependentKeys(history, opts.file, lines);
  if (history.length === 0) opts.onWarning?.(`${opts.file}: the history has no operations`);
  recordHistorySource(history, { file: opts.file, lines });
  return history;
}

/** Files above this are read in chunks when they are JSONL (see readJsonlFile). */
const WHOLE_READ_BYTES = 4 << 20;
/** How much of a big file the format detection looks at. */
const SNIFF_BYTES = 64 << 10;

/** Reads and parses a history file; unreadable files are HistoryErrors too. */
export async function readHistoryFile(path: string, opts: ReadOptions = {}): Promise<History> {
  const parse = { ...opts, file: path };
  let text: string;
  try {
    const big = bigJsonlFile(path, opts.format);
    if (big !== undefined) {
      try {
        return finish(readJsonlFile(big, path, opts.onWarning), parse);
      } finally {
        closeSync(big);
      }
    }
    // Synchronous: one read call, where the promise API reads in chunks through the thread pool
    // (most of the time of `zkcheck check` on many small files went there).
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof HistoryError) throw e;
    throw new HistoryError(`${path}: cannot read the file: ${describeReadError(e)}`);
  }
  return parseHistory(text, parse);
}

/**
 * An open descriptor when `path` is a JSONL history too big to read whole (given as jsonl, or
 * detected so from its first 64 KB by the same rules as detectFormat); else undefined.
 */
function bigJsonlFile(path: string, format: HistoryFormat | undefined): number | undefined {
  if (format !== undefined && format !== 'jsonl') return undefined;
  const fd = openSync(path, 'r');
  let keep = false;
  try {
    keep = isBigJsonl(fd, path, format);
    return keep ? fd : undefined;
  } finally {
    if (!keep) closeSync(fd);
  }
}

function isBigJsonl(fd: number, path: string, format: HistoryFormat | undefined): boolean {
  const stat = fstatSync(fd);
  if (!stat.isFile() || stat.size <= WHOLE_READ_BYTES) return false;
  if (format === 'jsonl') return true;
  const head = Buffer.alloc(SNIFF_BYTES);
  const bytes = readSync(fd, head, 0, SNIFF_BYTES, 0);
  const text = head
    .subarray(0, bytes)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  // Up to the last newline: half a line could look like anything.
  const sniff = text.slice(0, text.lastIndexOf('\n') + 1);
  return leadingLines(sniff, 1).length > 0 && detectFormat(sniff, path) === 'jsonl';
}

function describeReadError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ERR_STRING_TOO_LONG':
      return 'too large to read into memory';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
