/** `analyze` and `report` cases: stores with one thing broken, bad references and bad flags. */
import fc from 'fast-check';
import { historyText, VALID_HISTORY } from './check.js';
import {
  FIXTURE_RUN,
  just,
  notANumber,
  oddText,
  pick,
  unknownFlag,
  type FuzzCase,
  type FuzzFile,
} from './common.js';

// --- stored runs: analyze and report --------------------------------------------------------------

const RUN = 'store/t/20260101T000000.000Z';

const TEST_JSON = JSON.stringify({
  name: 't',
  status: 'done',
  config: { timeLimit: 1, checkTimeLimit: 5 },
  workload: { name: 'register', model: { name: 'zk-versioned-register' } },
});

/** A store with one run in it, and one thing broken (or odd). */
const brokenStore: fc.Arbitrary<{ files: FuzzFile[]; what: string }> = fc.oneof(
  just({ files: [{ path: `${RUN}/results.json`, dir: true }], what: 'results.json' }),
  just({ files: [{ path: `${RUN}/history.jsonl`, dir: true }], what: 'history.jsonl' }),
  just({ files: [{ path: `${RUN}/test.json`, dir: true }], what: 'test.json' }),
  fc
    .constant({ files: [], what: 'test.json' })
    .map((s) => ({ ...s, files: [{ path: `${RUN}/test.json`, symlink: 'test.json' }] })),
  just({ files: [{ path: `${RUN}/counterexamples`, content: 'a file' }], what: 'counterexamples' }),
  just({ files: [{ path: `${RUN}/report.html`, dir: true }], what: 'report.html' }),
  just({ files: [{ path: `${RUN}/charts`, content: 'a file' }], what: 'charts' }),
  fc
    .oneof(
      pick(
        '',
        '[]',
        'null',
        '42',
        '{"checks": {"claims": "x"}}',
        '{"checks": {"claims": [{}]}}',
        '{"checks": {"claims": [{"name": "x", "checker": "nope"}]}}',
        '{"workload": {"model": {"name": "nope"}}}',
        '{"workload": {"model": 5}}',
        '{',
        '{"config": {"timeLimit": "x", "checkTimeLimit": -1}}',
      ),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? ''),
      fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')),
    )
    .map((text) => ({ files: [{ path: `${RUN}/test.json`, content: text }], what: 'test.json' })),
  historyText.map((h) => ({
    files: [{ path: `${RUN}/history.jsonl`, content: h.content }],
    what: 'history.jsonl',
  })),
  pick('nowhere', '.', 'latest', '../../..', 't').map((target) => ({
    files: [{ path: 'store/latest', symlink: target }],
    what: 'latest',
  })),
  just({ files: [{ path: 'store/t/latest', dir: true }], what: 'latest' }),
);

export const storeCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  // analyze or report of a run with something broken in it.
  fc
    .tuple(
      brokenStore,
      pick('analyze', 'report'),
      pick(undefined, 'latest', 't', `$CASE/${RUN}`, RUN.replace('store/', '')),
      fc.boolean(),
    )
    .map(([store, command, ref, json]) => {
      const base: FuzzFile[] = [
        { path: `${RUN}/test.json`, content: TEST_JSON },
        { path: `${RUN}/history.jsonl`, content: VALID_HISTORY },
        { path: 'store/t/latest', symlink: '20260101T000000.000Z' },
        { path: 'store/latest', symlink: 't/20260101T000000.000Z' },
      ];
      const overridden = new Set(store.files.map((f) => f.path));
      return {
        category: 'store' as const,
        args: [
          command,
          ...(ref === undefined ? [] : [ref]),
          '--store',
          '$CASE/store',
          ...(json && command === 'analyze' ? ['--json'] : []),
        ],
        files: [...base.filter((f) => !overridden.has(f.path)), ...store.files],
        expect: 'bad-or-verdict' as const,
        mentions: [store.what, 'store', 't'],
      };
    }),
  // Bad stores and references.
  fc
    .tuple(
      pick('analyze', 'report'),
      fc.oneof(
        pick('$CASE/a-file', '$CASE/missing', '$CASE/a-file/x', '/dev/null', '$CASE', '/'),
        oddText.map((s) => `$CASE/${s}`),
      ),
      fc.option(
        fc.oneof(oddText, pick('x'.repeat(300), 'a/'.repeat(3000), '.', '..', '/', 'latest/..', '\\')),
        { nil: undefined },
      ),
    )
    .map(([command, store, ref]) => ({
      category: 'store' as const,
      args: [command, ...(ref === undefined ? [] : [ref]), '--store', store],
      files: [{ path: 'a-file', content: 'x' }],
      expect: 'bad' as const,
      mentions: [],
    })),
  // Bad flags, with the fixture store: it must not change.
  fc
    .tuple(
      pick('analyze', 'report'),
      fc.oneof(
        fc.oneof(notANumber, pick('0', '-1', '-0.001')).map((v) => ({
          args: ['--check-time-limit', v],
          mentions: ['--check-time-limit'],
          analyzeOnly: true,
        })),
        unknownFlag.map((flag) => ({ args: [flag], mentions: [flag], analyzeOnly: false })),
        just({ args: ['latest', 'extra'], mentions: ['argument'], analyzeOnly: false }),
      ),
      pick(undefined, 'latest', 'r-partition-leader', `$FIXTURE/${FIXTURE_RUN}`),
    )
    .map(([command, bad, ref]) => ({
      category: 'store' as const,
      args: [
        bad.analyzeOnly ? 'analyze' : command,
        ...(ref === undefined ? [] : [ref]),
        '--store',
        '$FIXTURE',
        ...bad.args,
      ],
      files: [],
      expect: 'bad' as const,
      mentions: bad.mentions,
    })),
);
