/**
 * `zkcheck hunt`: short randomized runs one after another, each a workload with promised claims
 * and a fault schedule built around sync markers (nemesis/hunt.ts draws them from one seed),
 * until the budget is spent or a promised claim breaks. Each run goes the way `zkcheck run
 * --config FILE` goes: the drawn config is written as a config file, loaded, merged, built and run
 * in this process. The hunt keeps, in <store>/hunts/<time>-seed<S>/: each run's config file, its
 * terminal output, and hunt.json (every run dir, seed, verdict and coverage; for a hit, its run
 * dir and the command that replays it), rewritten after every run.
 */
import { Command } from 'commander';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfigFile, mergeConfig } from '../config.js';
import { KNOWN_ZOOKEEPER_VERSIONS } from '../cluster/versions.js';
import { runTest } from '../runner/run.js';
import { NemesisError, WorkloadError } from '../runner/spec.js';
import { buildTestSpec, CATALOG } from '../test-spec.js';
import { DEFAULT_STORE, StoreError, runPaths, runTimestamp, writeJsonAtomic } from '../../results/store.js';
import {
  aggregateCoverage,
  aggregateSeen,
  formatCoverage,
  huntRun,
  markersSeen,
  parseBudget,
  phaseHits,
  runCoverage,
  type RunCoverage,
} from '../../nemesis/hunt.js';
import { formatRunReport } from '../../results/claims-report.js';
import { EXIT, UsageError } from './exit.js';

interface HuntFlags {
  zookeeper?: string;
  budget?: string;
  seed?: string;
  runSeconds: string;
  store: string;
}

export function registerHuntCommand(program: Command): void {
  program
    .command('hunt')
    .description(
      'short randomized runs with faults at sync markers until a promise breaks or the budget ends',
    )
    .option('--zookeeper <version>', `ZooKeeper release to hunt in (${KNOWN_ZOOKEEPER_VERSIONS.join(', ')})`)
    .option('--budget <time>', 'how long to hunt: 90s, 30m, 1h (a run started in time is finished)')
    .option('--seed <n>', 'the hunt seed: the same seed draws the same runs (default: random)')
    .option('--run-seconds <s>', "each run's --time-limit", '20')
    .option('--store <dir>', 'where runs and the hunt summary are stored', DEFAULT_STORE)
    .addHelpText(
      'after',
      `
Each run: a workload with promised claims (register most often: it checks durability), 3 nodes,
a drawn rate, and a scripted schedule that kills a node so writes go on without it, restarts it
so it must sync, and kills it, the leader or another node when a sync marker (newleader, diff,
uptodate, snap, trunc, sending-*) appears in a log; or kills two nodes close together. One line
per run; at the end a coverage table: marker x fault -> tries, hits, offset (ms from the marker
line to the fault). Ctrl-C stops after the current run is torn down and checked.

Stored: <store>/hunts/<time>-seed<S>/hunt.json, run-<n>.json (each run's config file) and
run-<n>.out (its output); the runs themselves in <store>/hunt-<workload>/<time>/.

Exit status: 0 the budget ran out and every promise held, 1 a promised claim broke, 2 no run
could be judged, 254 bad flags.

Example:
  zkcheck hunt --zookeeper 3.8.0 --budget 30m --seed 7`,
    )
    .action(async (flags: HuntFlags) => {
      process.exitCode = await huntCommand(flags);
    });
}

interface Options {
  zookeeper: string;
  budgetSeconds: number;
  seed: number;
  runSeconds: number;
  store: string;
}

function parseFlags(flags: HuntFlags): Options {
  if (flags.zookeeper === undefined)
    throw new UsageError(`--zookeeper: required (${KNOWN_ZOOKEEPER_VERSIONS.join(', ')})`);
  if (!KNOWN_ZOOKEEPER_VERSIONS.includes(flags.zookeeper))
    throw new UsageError(
      `--zookeeper: unknown release ${JSON.stringify(flags.zookeeper)} (known: ${KNOWN_ZOOKEEPER_VERSIONS.join(', ')})`,
    );
  if (flags.budget === undefined) throw new UsageError('--budget: required, e.g. 30m, 90s or 1h');
  const budgetSeconds = parseBudget(flags.budget);
  if (budgetSeconds === undefined)
    throw new UsageError(
      `--budget: expected a time like 30m, 90s or 1h, got ${JSON.stringify(flags.budget)}`,
    );
  const seed = flags.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(flags.seed);
  if (flags.seed !== undefined && (!/^-?\d+$/.test(flags.seed.trim()) || !Number.isSafeInteger(seed)))
    throw new UsageError(`--seed: expected an integer, got ${JSON.stringify(flags.seed)}`);
  const runSeconds = Number(flags.runSeconds);
  if (!/^\d+(\.\d+)?$/.test(flags.runSeconds.trim()) || runSeconds < 10 || runSeconds > 600)
    throw new UsageError(
      `--run-seconds: expected seconds from 10 to 600, got ${JSON.stringify(flags.runSeconds)}`,
    );
  return { zookeeper: flags.zookeeper, budgetSeconds, seed, runSeconds, store: flags.store };
}

/** One run's line in hunt.json. */
interface HuntRecord {
  n: number;
  seed: number;
  workload: string;
  template: string;
  schedule: string;
  configFile: string;
  dir?: string;
  verdict: 'valid' | 'INVALID' | 'unknown' | 'harness-error';
  brokenPromises: string[];
  coverage: RunCoverage[];
  /** Sync marker lines in the node logs, aimed at or not: marker -> lines. */
  markersInLogs: Record<string, number>;
  startedAfterSeconds: number;
  seconds: number;
  replay: string;
}

async function huntCommand(flags: HuntFlags): Promise<number> {
  const options = parseFlags(flags);
  const huntDir = resolve(options.store, 'hunts', `${runTimestamp(new Date())}-seed${options.seed}`);
  try {
    mkdirSync(huntDir, { recursive: true });
  } catch (error) {
    throw new UsageError(`--store: cannot create ${huntDir} (${(error as Error).message})`);
  }
  const out = (text: string) => process.stdout.write(text);
  out(
    `zkcheck hunt: ZooKeeper ${options.zookeeper}, budget ${clock(options.budgetSeconds)}, seed ${options.seed}, ${options.runSeconds} s runs\n  summary: ${join(huntDir, 'hunt.json')}\n`,
  );

  // Ctrl-C: the run in progress gets it too (runTest stops it, tears down and checks it); the
  // hunt starts no other. A second Ctrl-C between runs quits at once.
  let stopping = false;
  let running = false;
  const onSignal = (): void => {
    if (stopping && !running) process.exit(130);
    if (!stopping) out('\n  hunt: stopping after the current run\n');
    stopping = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const records: HuntRecord[] = [];
  let firstHit: HuntRecord | undefined;
  /** The hit's broken promises with their whole explanations, printed at the end. */
  let evidence = '';
  const summary = () => ({
    zookeeper: options.zookeeper,
    seed: options.seed,
    budgetSeconds: options.budgetSeconds,
    runSeconds: options.runSeconds,
    startedAt: new Date(started).toISOString(),
    elapsedSeconds: Math.round(elapsed()),
    stopped: firstHit ? 'broken promise' : stopping ? 'interrupted' : 'budget',
    runs: records,
    coverage: aggregateCoverage(records.map((r) => r.coverage)),
    /** In how many runs each marker appeared in a node log. */
    markersInLogs: aggregateSeen(records.map((r) => r.markersInLogs)),
    ...(firstHit
      ? {
          hit: {
            n: firstHit.n,
            dir: firstHit.dir,
            brokenPromises: firstHit.brokenPromises,
            secondsToFinding: firstHit.startedAfterSeconds + firstHit.seconds,
            replay: firstHit.replay,
          },
        }
      : {}),
  });
  try {
    for (let n = 1; !stopping && firstHit === undefined && elapsed() < options.budgetSeconds; n++) {
      running = true;
      const { evidence: told, ...record } = await oneRun(options, huntDir, n, elapsed());
      running = false;
      records.push(record);
      if (record.brokenPromises.length > 0) {
        firstHit = record;
        evidence = told;
      }
      writeJsonAtomic(join(huntDir, 'hunt.json'), summary());
      out(
        `  ${n}: ${record.workload}, ${record.schedule}: ${record.verdict}${record.brokenPromises.length > 0 ? ` (${record.brokenPromises.join(', ')})` : ''}  ${clock(elapsed())}/${clock(options.budgetSeconds)}\n`,
      );
    }
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    writeJsonAtomic(join(huntDir, 'hunt.json'), summary());
  }

  const final = summary();
  out(`\ncoverage (${records.length} runs, ${clock(elapsed())}):\n${formatCoverage(final.coverage)}`);
  const seen = Object.entries(final.markersInLogs).map(([marker, runs]) => `${marker} ${runs}`);
  out(`  markers in node logs (runs with one): ${seen.join(', ') || 'none'}\n`);
  out(`  summary: ${join(huntDir, 'hunt.json')}\n`);
  if (firstHit) {
    out(
      `\nbroken promise in run ${firstHit.n} after ${clock(firstHit.startedAfterSeconds + firstHit.seconds)}: ${firstHit.brokenPromises.join(', ')}\n  run: ${firstHit.dir}\n  replay: ${firstHit.replay}\n\n${evidence}`,
    );
    return EXIT.invalid;
  }
  const judged = records.filter((r) => r.verdict === 'valid' || r.verdict === 'INVALID').length;
  if (judged === 0) {
    out('  no run could be judged\n');
    return EXIT.unknown;
  }
  return EXIT.valid;
}

async function oneRun(
  options: Options,
  huntDir: string,
  n: number,
  at: number,
): Promise<HuntRecord & { evidence: string }> {
  const plan = huntRun({ seed: options.seed, runSeconds: options.runSeconds }, n);
  const configFile = join(huntDir, `run-${n}.json`);
  writeFileSync(configFile, `${JSON.stringify(plan.config, null, 2)}\n`);
  const replay = `zkcheck run --config ${configFile} --seed ${plan.seed} --zookeeper ${options.zookeeper} --store ${resolve(options.store)}`;
  const base = {
    n,
    seed: plan.seed,
    workload: plan.workload,
    template: plan.template,
    schedule: plan.describe,
    configFile,
    startedAfterSeconds: Math.round(at),
    replay,
  };
  const t0 = Date.now();
  const seconds = () => Math.round((Date.now() - t0) / 1000);
  let spec;
  try {
    // As `zkcheck run --config FILE --seed N --zookeeper V --store DIR` builds it.
    const file = await loadConfigFile(configFile, CATALOG);
    const config = mergeConfig(
      file,
      { seed: plan.seed, zookeeper: options.zookeeper, store: options.store },
      CATALOG,
    );
    spec = buildTestSpec(config, CATALOG);
  } catch (error) {
    if (
      error instanceof ConfigError ||
      error instanceof NemesisError ||
      error instanceof WorkloadError ||
      error instanceof StoreError
    )
      // A drawn config the registry refuses is zkcheck's bug, not the user's: say which.
      throw new Error(`hunt run ${n}: drawn config refused (${configFile}): ${error.message}`);
    throw error;
  }
  const lines: string[] = [];
  const outcome = await runTest(spec, { out: (text) => void lines.push(text), tty: false });
  if (outcome.results) lines.push(formatRunReport(outcome.results, outcome.paths.dir));
  if (outcome.error) lines.push(`harness error: ${outcome.error}\n`);
  writeFileSync(join(huntDir, `run-${n}.out`), lines.join(''));
  const dir = outcome.paths.dir;
  let coverage: RunCoverage[] = runCoverage(plan.tries, []);
  try {
    const entries = readFileSync(runPaths(dir).history, 'utf8')
      .split('\n')
      .filter((line) => line.includes('"nemesis"'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as unknown];
        } catch {
          return [];
        }
      });
    coverage = runCoverage(plan.tries, phaseHits(entries));
  } catch {
    // No history (the ensemble never started): every try counts as not hit.
  }
  const logs = new Map<number, string>();
  for (let id = 1; id <= spec.config.nodes; id++)
    try {
      logs.set(id, readFileSync(runPaths(dir).nodeLog(id), 'utf8'));
    } catch {
      // A node whose log was not copied shows no marker.
    }
  const results = outcome.results;
  const brokenClaims = (results?.claims ?? []).filter((c) => c.promised && c.valid === false);
  const broken = brokenClaims.map((c) => c.claim);
  // A hit's whole evidence, for the terminal: each broken promise's full explanation (the lost
  // writes, the truncations, the timeline of faults and node log lines).
  const evidence = brokenClaims
    .map((c) => `  ${c.title}:\n${(c.explanation ?? []).map((line) => `    ${line}\n`).join('')}`)
    .join('');
  const verdict = !results
    ? 'harness-error'
    : results.valid === true
      ? 'valid'
      : results.valid === false
        ? 'INVALID'
        : 'unknown';
  return {
    ...base,
    dir,
    verdict,
    brokenPromises: broken,
    coverage,
    markersInLogs: markersSeen(logs),
    seconds: seconds(),
    evidence,
  };
}

/** 75 -> 1m15s. */
function clock(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
