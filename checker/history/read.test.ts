import { closeSync, openSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJsonlFile } from './jsonl.js';
import { detectFormat, parseHistory, readHistoryFile, type HistoryFormat } from './read.js';
import { historySource } from './source.js';
import { HistoryError, type History } from './types.js';

function parseError(text: string, file: string, format?: HistoryFormat, independent = false): string {
  try {
    parseHistory(text, { file, format, independent });
  } catch (e) {
    expect(e).toBeInstanceOf(HistoryError);
    return (e as Error).message;
  }
  throw new Error('expected the input to be rejected');
}

describe('jsonl reader', () => {
  const text = [
    '{"index":0,"time":10,"process":0,"type":"invoke","f":"write","key":"k","value":3}',
    '',
    '{"index":1,"time":25,"process":0,"type":"ok","f":"write","key":"k","value":3,"node":"n1"}',
    '{"index":2,"time":30,"process":"nemesis","type":"info","f":"partition","value":{"cut":["n1"]}}',
    '{"index":3,"process":1,"type":"invoke","f":"read","value":null}',
  ].join('\n');

  it('reads ops, ignores blank lines and keeps extra fields', () => {
    const h = parseHistory(text, { file: 'h.jsonl' });
    expect(h).toEqual([
      { index: 0, time: 10, process: 0, type: 'invoke', f: 'write', key: 'k', value: 3 },
      { index: 1, time: 25, process: 0, type: 'ok', f: 'write', key: 'k', value: 3, node: 'n1' },
      { index: 2, time: 30, process: 'nemesis', type: 'info', f: 'partition', value: { cut: ['n1'] } },
      { index: 3, time: -1, process: 1, type: 'invoke', f: 'read', value: null },
    ]);
    expect(historySource(h)).toEqual({ file: 'h.jsonl', lines: [1, 3, 4, 5] });
  });

  it('drops a truncated last line with a warning', () => {
    const warnings: string[] = [];
    const h = parseHistory(`${text}\n{"index":4,"time":40,"pro`, {
      file: 'h.jsonl',
      onWarning: (m) => warnings.push(m),
    });
    expect(h).toHaveLength(4);
    expect(warnings).toEqual([
      'h.jsonl:6: ignoring a truncated last line (the writer stopped mid-line): {"index":4,"time":40,"pro',
    ]);
  });

  it('rejects a bad line that is not the cut-off end of the file', () => {
    expect(parseError(`${text}\n{"index":4,"time":40,"pro\n`, 'h.jsonl')).toMatch(
      /^h\.jsonl:6: invalid JSON: /,
    );
    expect(parseError(`{"index":0,"pro\n${text}`, 'h.jsonl')).toMatch(/^h\.jsonl:1: invalid JSON: /);
    expect(parseError('[1,2]\n', 'h.jsonl', 'jsonl')).toBe(
      'h.jsonl:1: expected a JSON object (one op per line)',
    );
  });

  it.each([
    ['{"process":0,"type":"begin","f":"read"}', '"type" must be one of invoke, ok, fail, info (got "begin")'],
    [
      '{"process":-1,"type":"invoke","f":"read"}',
      '"process" must be a non-negative integer or nemesis (got -1)',
    ],
    [
      '{"process":1.5,"type":"invoke","f":"read"}',
      '"process" must be a non-negative integer or nemesis (got 1.5)',
    ],
    ['{"process":0,"type":"invoke"}', '"f" must be a non-empty string (got nothing)'],
    ['{"process":0,"type":"invoke","f":"r","time":"x"}', '"time" must be a number of nanoseconds (got "x")'],
    ['{"process":0,"type":"invoke","f":"r","key":[1]}', '"key" must be a string or a number (got [1])'],
    ['{"process":0,"type":"invoke","f":"r","index":-2}', '"index" must be a non-negative integer (got -2)'],
  ])('validates fields: %s', (line, message) => {
    expect(parseError(`\n${line}\n`, 'h.jsonl')).toBe(`h.jsonl:2: ${message}`);
  });

  it('rejects absurdly nested values', () => {
    const deep = `{"process":0,"type":"invoke","f":"r","value":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    expect(parseError(deep, 'h.jsonl')).toBe('h.jsonl:1: values nested more than 256 levels deep');
  });

  it('treats null time, index and key as not recorded', () => {
    const h = parseHistory('{"index":null,"time":null,"process":0,"type":"invoke","f":"r","key":null}', {
      file: 'h.jsonl',
    });
    expect(h).toEqual([{ index: 0, time: -1, process: 0, type: 'invoke', f: 'r', value: null }]);
    expect('key' in h[0]).toBe(false);
  });

  it('keeps an index that differs from the position as sourceIndex', () => {
    const h = parseHistory('{"index":7,"process":0,"type":"invoke","f":"r"}', { file: 'h.jsonl' });
    expect(h[0]).toMatchObject({ index: 0, sourceIndex: 7 });
  });
});

describe('edn reader', () => {
  const ops = [
    '{:process 0, :type :invoke, :f :read, :value nil}',
    '{:process :nemesis, :type :info, :f :start, :value "cut"}',
    '{:process 0, :type :ok, :f :read, :value 3, :time 99, :error nil}',
  ];
  const expected: History = [
    { index: 0, time: -1, process: 0, type: 'invoke', f: 'read', value: null },
    { index: 1, time: -1, process: 'nemesis', type: 'info', f: 'start', value: 'cut' },
    { index: 2, time: 99, process: 0, type: 'ok', f: 'read', value: 3, error: null },
  ];

  it.each([
    ['a vector', `; comment\n[${ops.join('\n ')}]\n`],
    ['a list', `(${ops.join('\n ')})`],
    ['a bare sequence', `${ops.join('\n')}\n`],
    ['tagged op records', `[${ops.map((o) => `#jepsen.history.Op${o}`).join('\n')}]`],
  ])('reads %s of op maps', (_name, text) => {
    const h = parseHistory(text, { file: 'h.edn', format: 'edn' });
    expect(h).toEqual(expected);
  });

  it('records the line each op starts on', () => {
    const h = parseHistory(
      `; c\n[{:process 0,\n  :type :invoke, :f :read}\n {:process 0, :type :ok, :f :read}]`,
      {
        file: 'h.edn',
      },
    );
    expect(historySource(h)?.lines).toEqual([2, 4]);
  });

  it('names the line of a bad op', () => {
    expect(
      parseError('[{:process 0, :type :invoke, :f :read}\n {:process 0 :type :done, :f :read}]', 'h.edn'),
    ).toBe('h.edn:2: :type must be one of invoke, ok, fail, info (got "done")');
    expect(parseError('[{:process 0, :type :invoke, :f :read}\n 42]', 'h.edn')).toBe(
      'h.edn:2: expected an op map like {:process 0, :type :invoke, ...}, got 42',
    );
    expect(parseError('[]\n[]', 'h.edn')).toBe(
      'h.edn:2: unexpected data after the end of the history (the history opened on line 1 is already closed)',
    );
  });
});

describe('--independent', () => {
  const text = `[
{:process 0, :type :invoke, :f :write, :value [:x 1]}
{:process 1, :type :invoke, :f :read, :value nil}
{:process 0, :type :ok, :f :write, :value [:x 1]}
{:process 1, :type :ok, :f :read, :value ["y" 2]}
{:process 2, :type :invoke, :f :cas, :value [7 [1 2]]}
{:process 2, :type :info, :f :cas, :value :timed-out}
{:process :nemesis, :type :info, :f :start, :value [:a :b]}]`;

  it('splits [key value] tuples, and shares keys between invokes and completions', () => {
    const h = parseHistory(text, { file: 'i.edn', independent: true });
    expect(h.map((o) => [o.process, o.type, o.key, o.value])).toEqual([
      [0, 'invoke', 'x', 1],
      [1, 'invoke', 'y', null],
      [0, 'ok', 'x', 1],
      [1, 'ok', 'y', 2],
      [2, 'invoke', 7, [1, 2]],
      [2, 'info', 7, 'timed-out'],
      ['nemesis', 'info', undefined, ['a', 'b']],
    ]);
  });

  it('leaves tuples alone without --independent', () => {
    const h = parseHistory(text, { file: 'i.edn' });
    expect(h[0]).toMatchObject({ value: ['x', 1] });
    expect(h[0].key).toBeUndefined();
  });

  it('rejects a client op whose key cannot be known', () => {
    expect(
      parseError(
        '[{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :info, :f :read}]',
        'i.edn',
        'edn',
        true,
      ),
    ).toBe(
      "i.edn:1: with --independent, a client op's value must be a [key value] tuple (got null, and no completion names the key)",
    );
  });
});

describe('porcupine-etcd reader', () => {
  const log = [
    'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
    'some other log line',
    'INFO  jepsen.util - 1   :invoke :cas    [1 2]',
    'INFO  jepsen.util - 0\t:ok\t:read\t3',
    'INFO  jepsen.util - 1\t:info\t:cas\t:timed-out',
    '',
  ].join('\n');

  it('reads op lines separated by tabs or spaces and skips other lines', () => {
    const h = parseHistory(log, { file: 'etcd.log' });
    expect(h).toEqual([
      { index: 0, time: -1, process: 0, type: 'invoke', f: 'read', value: null },
      { index: 1, time: -1, process: 1, type: 'invoke', f: 'cas', value: [1, 2] },
      { index: 2, time: -1, process: 0, type: 'ok', f: 'read', value: 3 },
      { index: 3, time: -1, process: 1, type: 'info', f: 'cas', value: 'timed-out' },
    ]);
    expect(historySource(h)?.lines).toEqual([1, 3, 4, 5]);
  });

  it('names the line of a malformed op line', () => {
    expect(parseError('INFO  jepsen.util - 0\t:invoke\t:read', 'e.log')).toBe(
      'e.log:1: expected "PROCESS TYPE F VALUE" after "jepsen.util - ", got "0\\t:invoke\\t:read"',
    );
    expect(parseError('x\nINFO  jepsen.util - 0\t:invoke\t:cas\t[1 2', 'e.log')).toBe(
      'e.log:2: unexpected end of input: the vector opened on line 2 is never closed',
    );
    expect(parseError('INFO  jepsen.util - p\t:invoke\t:read\tnil', 'e.log')).toBe(
      'e.log:1: :process must be a non-negative integer or nemesis (got "p")',
    );
  });
});

describe('porcupine-kv reader', () => {
  it('reads one op map per line', () => {
    const text =
      '{:process 0, :type :invoke, :f :get, :key "1", :value nil}\n\n{:process 0, :type :ok, :f :get, :key "1", :value "x"}\n';
    const h = parseHistory(text, { file: 'c01-ok.txt' });
    expect(h).toEqual([
      { index: 0, time: -1, process: 0, type: 'invoke', f: 'get', key: '1', value: null },
      { index: 1, time: -1, process: 0, type: 'ok', f: 'get', key: '1', value: 'x' },
    ]);
    expect(historySource(h)?.lines).toEqual([1, 3]);
  });

  it('rejects two maps on a line', () => {
    expect(parseError('{:process 0, :type :invoke, :f :get} {:process 1}', 'kv.txt', 'porcupine-kv')).toBe(
      'kv.txt:1: expected one op map per line',
    );
  });
});

describe('format detection', () => {
  it.each<[string, string, HistoryFormat]>([
    ['history.jsonl', '{"index":0}', 'jsonl'],
    ['history.txt', '\n  {"index":0}\n', 'jsonl'],
    ['history.jsonl', '', 'jsonl'],
    ['etcd_000.log', 'INFO  jepsen.util - 0\t:invoke\t:read\tnil', 'porcupine-etcd'],
    ['x.txt', 'starting\nINFO  jepsen.util - 0\t:invoke\t:read\tnil', 'porcupine-etcd'],
    ['c01.txt', '{:process 0, :type :invoke}\n{:process 0, :type :ok}', 'porcupine-kv'],
    ['h.edn', '[{:process 0, :type :invoke}]', 'edn'],
    ['h.edn', '; comment\n{:process 0,\n :type :invoke}', 'edn'],
    ['h.txt', '({:process 0, :type :invoke})', 'edn'],
    ['empty', '', 'edn'],
  ])('%s %j is %s', (file, text, format) => {
    expect(detectFormat(text, file)).toBe(format);
  });

  it('reads a detected one-map-per-line file even if a later map spans lines', () => {
    const oneLine = Array.from({ length: 30 }, (_, p) => `{:process ${p}, :type :invoke, :f :get, :key "1"}`);
    const text = `${oneLine.join('\n')}\n{:process 0, :type :ok,\n :f :get, :key "1", :value "x"}\n`;
    expect(detectFormat(text, 'h.txt')).toBe('porcupine-kv');
    expect(parseHistory(text, { file: 'h.txt' })).toHaveLength(31);
    expect(parseError(text, 'h.txt', 'porcupine-kv')).toMatch(/^h\.txt:31: unexpected end of input/);
  });

  it('rejects an unknown --format value', () => {
    expect(parseError('', 'h', 'xml' as HistoryFormat)).toBe(
      'h: unknown history format "xml" (known: jsonl, edn, porcupine-etcd, porcupine-kv)',
    );
  });

  it('warns about an empty history', () => {
    const warnings: string[] = [];
    expect(parseHistory('; nothing\n', { file: 'e.edn', onWarning: (m) => warnings.push(m) })).toEqual([]);
    expect(warnings).toEqual(['e.edn: the history has no operations']);
  });
});

describe('readHistoryFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zkcheck-history-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file, stripping a byte-order mark', async () => {
    const path = join(dir, 'h.edn');
    await writeFile(path, '\ufeff[{:process 0, :type :invoke, :f :read, :value nil}]');
    const h = await readHistoryFile(path);
    expect(h).toEqual([{ index: 0, time: -1, process: 0, type: 'invoke', f: 'read', value: null }]);
    expect(historySource(h)?.file).toBe(path);
  });

  it('reads a big JSONL file in chunks to the same history as reading it whole', async () => {
    // Over 4 MB, so read in 64 KB chunks: lines and multi-byte characters cross chunk edges,
    // CRLF endings, a BOM, values past 2^53, and a truncated last line.
    const lines = Array.from({ length: 60_000 }, (_, i) => {
      const value =
        i % 7 === 0 ? `"Zürich ✓ ${'é'.repeat(i % 13)}"` : i % 11 === 0 ? '9007199254740993' : String(i);
      return `{"index":${i},"time":${i * 10},"process":${i % 5},"type":"${i % 2 ? 'ok' : 'invoke'}","f":"write","key":"k${i % 3}","value":${value}}`;
    });
    const text = `\ufeff${lines.join('\r\n')}\n\n{"index":60000,"time":1,"pro`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(4 << 20);
    const path = join(dir, 'big.history');
    await writeFile(path, text);
    const warnings: { chunked: string[]; whole: string[] } = { chunked: [], whole: [] };
    const chunked = await readHistoryFile(path, { onWarning: (w) => warnings.chunked.push(w) });
    const whole = parseHistory(text, { file: path, onWarning: (w) => warnings.whole.push(w) });
    expect(chunked).toHaveLength(60_000);
    expect(chunked).toEqual(whole);
    // The chunked reader itself, not only whatever readHistoryFile chose.
    const fd = openSync(path, 'r');
    try {
      expect(readJsonlFile(fd, path).history).toEqual(whole);
    } finally {
      closeSync(fd);
    }
    expect(chunked[77].value).toBe('Zürich ✓ éééééééééééé'.slice(0, 'Zürich ✓ '.length + (77 % 13)));
    expect(chunked[11].value).toBe(9007199254740993n);
    expect(historySource(chunked)).toEqual(historySource(whole));
    expect(warnings.chunked).toEqual(warnings.whole);
    expect(warnings.chunked[0]).toMatch(/:60002: ignoring a truncated last line/);
    // A bad line deep in the file is named by its line number either way.
    await writeFile(
      path,
      `${lines.slice(0, 50_000).join('\n')}\n{"index":1,,}\n${lines.slice(50_000).join('\n')}\n`,
    );
    await expect(readHistoryFile(path)).rejects.toThrow(/:50001: invalid JSON/);
  });

  it('turns unreadable files into HistoryErrors', async () => {
    await expect(readHistoryFile(join(dir, 'missing.jsonl'))).rejects.toThrow(
      new HistoryError(`${join(dir, 'missing.jsonl')}: cannot read the file: no such file`),
    );
    await expect(readHistoryFile(dir)).rejects.toBeInstanceOf(HistoryError);
    await expect(readHistoryFile(dir)).rejects.toThrow(/it is a directory/);
  });
});

describe('integers beyond 2^53', () => {
  const TWO_53 = 2n ** 53n;
  const opLine = (value: string, extra = '') =>
    `{"process":0,"type":"ok","f":"read"${extra},"value":${value}}`;

  it('are exact bigints in every format; safe ones stay numbers', () => {
    const expected = [TWO_53, TWO_53 + 1n, -(2n ** 63n), 2n ** 64n, 2n ** 70n + 1n, 9007199254740991];
    const edn = `[${expected.join(' ')}]`;
    const texts: [string, HistoryFormat][] = [
      [opLine(`[${expected.join(',')}]`), 'jsonl'],
      [`[{:process 0, :type :ok, :f :read, :value ${edn}}]`, 'edn'],
      [`INFO  jepsen.util - 0\t:ok\t:read\t${edn}\n`, 'porcupine-etcd'],
      [`{:process 0, :type :ok, :f :read, :value ${edn}}\n`, 'porcupine-kv'],
    ];
    for (const [text, format] of texts) {
      expect(parseHistory(text, { file: 'h', format })[0].value).toEqual(expected);
    }
    expect(
      parseHistory(`INFO  jepsen.util - 0\t:ok\t:read\t9007199254740993\n`, { file: 'e.log' })[0].value,
    ).toBe(TWO_53 + 1n);
  });

  it('are exact on the lines that need it, whatever the lines around them hold', () => {
    const text = [
      opLine('1', ',"note":"12345678901234567890"'),
      opLine('9007199254740993'),
      opLine('0.30000000000000004'),
      opLine('2'),
      opLine('-9007199254740993', ',"time":5'),
    ].join('\n');
    expect(parseHistory(text, { file: 'h.jsonl' }).map((op) => op.value)).toEqual([
      1,
      TWO_53 + 1n,
      0.30000000000000004,
      2,
      -(TWO_53 + 1n),
    ]);
  });

  it('keep the JSON reader strict on the exact path', () => {
    expect(parseError(`${opLine('9007199254740993,')}\n`, 'h.jsonl')).toBe(
      `h.jsonl:1: invalid JSON: ${jsonParseMessage(opLine('9007199254740993,'))}`,
    );
    const deep = opLine(`${'['.repeat(300)}9007199254740993${']'.repeat(300)}`);
    expect(parseError(deep, 'h.jsonl')).toBe('h.jsonl:1: values nested more than 256 levels deep');
    const warnings: string[] = [];
    const h = parseHistory(`${opLine('1')}\n{"process":0,"value":90071992547409931`, {
      file: 'h.jsonl',
      onWarning: (m) => warnings.push(m),
    });
    expect(h).toHaveLength(1);
    expect(warnings).toEqual([
      'h.jsonl:2: ignoring a truncated last line (the writer stopped mid-line): {"process":0,"value":90071992547409931',
    ]);
  });

  it('in a time are rounded, and in a key or a process rejected', () => {
    const time = 1_700_000_000_000_000_001n;
    expect(parseHistory(opLine('1', `,"time":${time}`), { file: 'h.jsonl' })[0].time).toBe(Number(time));
    expect(parseError(opLine('1', ',"key":9007199254740993'), 'h.jsonl')).toBe(
      'h.jsonl:1: "key" must be a string or an integer within ±(2^53 − 1) (got 9007199254740993)',
    );
    expect(parseError('[{:process 0, :type :ok, :f :read, :key 9007199254740993}]', 'h.edn')).toBe(
      'h.edn:1: :key must be a string or an integer within ±(2^53 − 1) (got 9007199254740993)',
    );
    expect(parseError('{"process":9007199254740993,"type":"ok","f":"read"}', 'h.jsonl')).toBe(
      'h.jsonl:1: "process" must be a non-negative integer or nemesis (got 9007199254740993)',
    );
  });
});

function jsonParseMessage(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected invalid JSON');
}
