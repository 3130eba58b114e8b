/**
 * `zkcheck test-all --scenarios known-bugs`: every known-bug scenario (nemesis/scenarios.ts) on
 * every version asked, a number of tries each (seeds 1..N), one ordinary run per try, one after
 * another. The table says, per scenario and version, in how many tries the bug showed (the
 * durability claim broke: acknowledged writes lost), in how many the run was clean, and whether
 * that is what the scenario expects there: reproduced at least once on a version it affects,
 * never on a version with the fix. Ctrl-C stops the try in progress (runTest tears it down; an
 * interrupted try is not counted) and starts no other, keeping the table so far.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, defaultConfig, mergeConfig, type TestConfig } from '../config.js';
import { NemesisError, WorkloadError } from '../runner/spec.js';
import { KNOWN_ZOOKEEPER_VERSIONS, UnknownZooKeeperVersionError } from '../cluster/versions.js';
import { runTest } from '../runner/run.js';
import { buildTestSpec, CATALOG } from '../test-spec.js';
import {
  findScenario,
  SCENARIOS,
  scenarioConfig,
  type ExpectedOutcome,
  type Scenario,
} from '../../nemesis/scenarios.js';
import { runTimestamp, writeJsonAtomic } from '../../results/store.js';
import { EXIT, UsageError } from './exit.js';

/** What one try ended in: a crash is the harness's (no verdict), unknown a run that proved nothing. */
export type TryOutcome = 'lost-writes' | 'clean' | 'other-invalid' | 'unknown' | 'crashed';

export interface KnownBugsRequest {
  /** `known-bugs` (all) or scenario names. */
  scenarios: string[];
  /** Versions; none: each scenario's own expected versions. */
  versions?: string[];
  tries: number;
  /** Settings every try takes over the scenario's (from test-all's settings flags). */
  settings: Partial<TestConfig>;
  out?: string;
}

export interface KnownBugsRow {
  scenario: string;
  jira: string;
  version: string;
  expected: ExpectedOutcome | 'not declared';
  tries: Array<{ seed: number; outcome: TryOutcome; runDir?: string; error?: string }>;
}

/** Whether a row is what the scenario expects: undefined when the tries cannot say. */
export function asExpected(row: KnownBugsRow): boolean | undefined {
  const lost = row.tries.filter((t) => t.outcome === 'lost-writes').length;
  const clean = row.tries.filter((t) => t.outcome === 'clean').length;
  if (row.expected === 'lost-writes') return lost > 0 ? true : clean > 0 ? false : undefined;
  if (row.expected === 'clean')
    return lost > 0 || row.tries.some((t) => t.outcome === 'other-invalid')
      ? false
      : clean > 0
        ? true
        : undefined;
  return undefined;
}

/** The table: one row per scenario x version. */
export function knownBugsTable(rows: readonly KnownBugsRow[]): string {
  const header = ['scenario', 'version', 'expected', 'lost writes', 'clean', 'other', 'as expected'];
  const body = rows.map((row) => {
    const n = row.tries.length;
    const count = (outcome: TryOutcome) => row.tries.filter((t) => t.outcome === outcome).length;
    const verdict = asExpected(row);
    return [
      row.scenario,
      row.version,
      row.expected,
      `${count('lost-writes')} of ${n}`,
      `${count('clean')} of ${n}`,
      `${count('other-invalid') + count('unknown') + count('crashed')} of ${n}`,
      verdict === undefined ? 'cannot tell' : verdict ? 'yes' : 'NO',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...body.map(line)].join('\n') + '\n';
}

/** 0 every row as expected, 1 a row is not, 2 a row cannot tell. */
export function knownBugsExitStatus(rows: readonly KnownBugsRow[]): number {
  if (rows.length === 0) return EXIT.unknown;
  const verdicts = rows.map(asExpected);
  if (verdicts.includes(false)) return EXIT.invalid;
  if (verdicts.includes(undefined)) return EXIT.unknown;
  return EXIT.valid;
}

function chosenScenarios(names: string[]): Scenario[] {
  if (names.length === 0)
    throw new UsageError('--scenarios: expected known-bugs or scenario names, got none');
  if (names.length === 1 && names[0] === 'known-bugs') return [...SCENARIOS];
  try {
    return names.map((name) => findScenario(name));
  } catch (error) {
    if (error instanceof ConfigError)
      throw new UsageError(error.message.replace('--scenario:', '--scenarios:') + ', or known-bugs for all');
    throw error;
  }
}

export async function knownBugsCommand(request: KnownBugsRequest): Promise<number> {
  const scenarios = chosenScenarios(request.scenarios);
  for (const version of request.versions ?? [])
    if (!KNOWN_ZOOKEEPER_VERSIONS.includes(version))
      throw new UsageError(`--zookeeper: ${new UnknownZooKeeperVersionError(version).message}`);
  if (request.versions !== undefined && request.versions.length === 0)
    throw new UsageError('--zookeeper: expected versions, comma-separated, got none');
  const store = request.settings.store ?? defaultConfig().store;
  const rows: KnownBugsRow[] = scenarios.flatMap((scenario) =>
    (request.versions ?? Object.keys(scenario.expected)).map((version) => ({
      scenario: scenario.name,
      jira: scenario.jira,
      version,
      expected: scenario.expected[version] ?? ('not declared' as const),
      tries: [],
    })),
  );
  // Every try's config is built before anything starts: a setting the scenario's run refuses
  // (--image beside --zookeeper, a family's flag it does not use) is the user's, exit 254.
  for (const row of rows) tryConfig(row, 1, request.settings);
  const outDir = resolve(request.out ?? join(store, `known-bugs-${runTimestamp(new Date())}`));
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out: cannot create ${outDir} (${(error as Error).message})`);
  }
  const out = (text: string) => process.stdout.write(text);
  out(
    `zkcheck test-all --scenarios: ${rows.length} scenario x version rows, ${request.tries} tries each, one run at a time\n  table in ${outDir}\n`,
  );
  const save = () => {
    writeJsonAtomic(join(outDir, 'known-bugs.json'), { kind: 'zkcheck-known-bugs', rows });
    writeFileSync(join(outDir, 'table.txt'), knownBugsTable(rows));
  };

  let stopped = false;
  const onSignal = () => {
    if (!stopped) out('\ntest-all: interrupted: no further tries; the table so far is kept\n');
    stopped = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    save();
    for (const row of rows)
      for (let seed = 1; seed <= request.tries && !stopped; seed++) {
        const result = await oneTry(row, seed, request.settings);
        if (result === 'interrupted') {
          stopped = true;
          break;
        }
        row.tries.push(result);
        save();
        const why = result.error === undefined ? '' : ` (${result.error})`;
        out(
          `  ${row.scenario} on ${row.version}, try ${seed}/${request.tries}: ${result.outcome}${why}  ${result.runDir ?? ''}\n`,
        );
      }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
  out(`\n${knownBugsTable(rows)}  table: ${join(outDir, 'table.txt')}\n`);
  return knownBugsExitStatus(rows);
}

/** The run config of one try: the scenario, the settings flags over it, the version and seed. */
function tryConfig(row: KnownBugsRow, seed: number, settings: Partial<TestConfig>) {
  const file = scenarioConfig(row.scenario, settings);
  try {
    const config = mergeConfig(file, { zookeeper: row.version, seed }, CATALOG);
    return buildTestSpec(config, CATALOG);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof NemesisError || error instanceof WorkloadError)
      throw new UsageError(`${row.scenario} on ${row.version}: ${error.message}`);
    throw error;
  }
}

async function oneTry(
  row: KnownBugsRow,
  seed: number,
  settings: Partial<TestConfig>,
): Promise<KnownBugsRow['tries'][number] | 'interrupted'> {
  const outcome = await runTest(tryConfig(row, seed, settings), { tty: false, out: () => undefined });
  if (outcome.aborted) return 'interrupted';
  const results = outcome.results;
  const runDir = outcome.paths.dir;
  if (outcome.error !== undefined || !results)
    return { seed, outcome: 'crashed', runDir, error: outcome.error ?? 'the run has no results' };
  if (results.claims.some((c) => c.method === 'durability' && c.valid === false))
    return { seed, outcome: 'lost-writes', runDir };
  if (results.valid === true) return { seed, outcome: 'clean', runDir };
  if (results.valid === false) return { seed, outcome: 'other-invalid', runDir };
  return { seed, outcome: 'unknown', runDir };
}
