/**
 * `runTest(spec)`: the main job, for a spec built from the registries (harness/commands/run.ts)
 * or by a program (the package's API). The runner knows no workload or fault by name. The
 * lifecycle, in order:
 *
 *   1. create the run dir and write test.json (status "running"), with the workload's claim
 *      declaration, so `zkcheck analyze` can check the history without rebuilding anything;
 *   2. start the ensemble (every link behind a proxy) and set the workload up through one session;
 *   3. drive the schedule: the workload's ops on the client threads, rate- and time-limited, the
 *      nemesis's faults beside them, then the final phase (heal every fault, quiet recovery, the
 *      workload's final ops); every op is appended to history.jsonl as it is invoked and completes;
 *   4. wait for the ensemble to recover (a run that leaves it broken says so), copy the servers'
 *      logs into the run dir, tear the ensemble down;
 *   5. check the history claim by claim and write results.json; test.json gets its final status.
 *
 * Ctrl-C (or `signal`) stops new ops at once; ops in flight complete, the ensemble is torn down
 * and what was recorded is still checked. Whatever happens, history.jsonl stays readable.
 */
import { appendFileSync, existsSync, writeFileSync } from 'node:fs';
import { ZkSession } from '../client/session.js';
import { startEnsemble } from '../cluster/ensemble.js';
import { imageForZooKeeper } from '../cluster/select.js';
import type { Ensemble } from '../cluster/types.js';
import { finalPhase } from '../generator/final.js';
import { ownRng, phases } from '../generator/combinators.js';
import { systemClock } from '../generator/clock.js';
import { runGenerator, type Completion } from '../generator/run.js';
import { clients } from '../generator/threads.js';
import { rate, timeLimit } from '../generator/time.js';
import type { Gen, GenOp, Thread } from '../generator/types.js';
import { analyzeHistoryFile, type RunResults } from '../../results/analyze.js';
import { writeCounterexamples } from '../../results/counterexamples.js';
import { copyNodeLogs } from '../../results/node-logs.js';
import { writeRunReport } from '../../results/report.js';
import { runEndOp } from '../../results/run-end.js';
import { createRun, writeJsonAtomic, type RunPaths } from '../../results/store.js';
import type { TestConfig } from '../config.js';
import { ZKCHECK_VERSION } from '../version.js';
import type { Nemesis, TestSpec, Workload } from './spec.js';
import { ClientPool } from './clients.js';
import { HistoryRecorder } from './recorder.js';
import { Progress } from './progress.js';
import { handleInterrupts } from './interrupt.js';

export interface RunOutcome {
  paths: RunPaths;
  seed: number;
  results?: RunResults;
  aborted: boolean;
  /** CPU time (user + system) this process spent while the schedule ran, µs. */
  driveCpuMicros?: number;
  /** After the final phase: every node running, one leading, all serving (undefined: not checked). */
  recovered?: boolean;
  /** The harness itself failed (the ensemble would not start, ...): the message. */
  error?: string;
  /** report.html, when it could be written. */
  report?: string;
}

export interface RunHooks {
  /** Lines for the terminal (progress and the report); default: stdout. */
  out?: (text: string) => void;
  signal?: AbortSignal;
  /** Progress on one rewritten line (a TTY) or as plain lines every ten seconds. */
  tty?: boolean;
  /** An ensemble that is already running (benchmarks): used as is, neither started nor stopped. */
  ensemble?: Ensemble;
}

/** A final phase's client ops end after this long even if they never succeed. */
const FINAL_OPS_SECONDS = 60;

export async function runTest(spec: TestSpec, hooks: RunHooks = {}): Promise<RunOutcome> {
  const out = hooks.out ?? ((text: string) => process.stdout.write(text));
  const { config, workload, seed } = spec;
  const nemesisNames = spec.nemesis.names;
  // 1. the run's record, before anything starts
  const paths = createRun({ store: config.store, testName: config.name });
  const log = (line: string): void => appendFileSync(paths.log, `${new Date().toISOString()} ${line}\n`);
  const testRecord: Record<string, unknown> = {
    name: config.name,
    status: 'running',
    zkcheckVersion: ZKCHECK_VERSION,
    seed,
    config: { ...config, seed },
    workload: { name: workload.name, ...workload.describe() },
    nemesis: nemesisNames,
    // What the history is checked for: analyze evaluates exactly this.
    checks: spec.checks,
    // Its history ends with an end-of-run marker once the schedule completes (results/run-end.ts):
    // without one, analyze calls the run cut short. Runs stored before the marker lack this.
    endMarker: true,
    startedAt: new Date().toISOString(),
  };
  writeJsonAtomic(paths.test, testRecord);
  out(
    `zkcheck run ${config.name}: ${workload.name} workload, nemesis ${nemesisNames.join(',') || 'none'}, ${config.nodes} nodes, seed ${seed}\n`,
  );
  out(`  stored in ${paths.dir}\n`);
  log(`seed ${seed}; config ${JSON.stringify(config)}`);

  let ensemble: Ensemble | undefined;
  const outcome: RunOutcome = { paths, seed, aborted: false };
  const interrupt = handleInterrupts({
    out,
    also: hooks.signal,
    beforeExit: () =>
      writeJsonAtomic(paths.test, {
        ...testRecord,
        status: 'interrupted',
        endedAt: new Date().toISOString(),
      }),
  });
  try {
    // 2. the ensemble and the workload's znodes
    ensemble =
      hooks.ensemble ??
      (await startEnsemble({
        ...spec.ensemble,
        ...(await imageOfVersion(spec, log, out)),
        // Signals are ours: ops in flight finish before the ensemble comes down; a Ctrl-C during
        // the start stops it at once.
        stopOnSignal: false,
        signal: interrupt.signal,
        log: (line) => {
          log(`ensemble: ${line}`);
          out(`  ${line}\n`);
        },
      }));
    Object.assign(testRecord, await ensembleRecord(ensemble));
    writeJsonAtomic(paths.test, testRecord);
    await setUpWorkload(ensemble, workload, config);

    // 3. the schedule, recorded op by op
    const nemesis = spec.nemesis.build(ensemble);
    const driven = await drive({
      config,
      workload,
      nemesis,
      ensemble,
      paths,
      seed,
      log,
      out,
      hooks,
      signal: interrupt.signal,
    });
    outcome.aborted = driven.aborted;
    outcome.driveCpuMicros = driven.cpuMicros;

    // 4. recovery (not after an interrupt: the user asked to stop), logs, teardown
    if (!driven.aborted) outcome.recovered = await checkRecovery(ensemble, log, out);
  } catch (error) {
    if (interrupt.signal.aborted) {
      // Interrupted while starting or setting up: the user's doing, not the harness's failure.
      outcome.aborted = true;
      log(`interrupted before the schedule ran: ${(error as Error).message}`);
    } else {
      outcome.error = (error as Error).message;
      log(`harness error: ${(error as Error).stack ?? String(error)}`);
    }
  } finally {
    if (ensemble) await copyNodeLogs(ensemble, paths);
    if (ensemble && !hooks.ensemble)
      await ensemble.stop().catch((error: Error) => log(`teardown: ${error.message}`));
  }

  // 5. the verdict. A run whose ensemble never started has no history yet: an empty one makes
  // it a run like any other, checked (unknown: nothing ran) and readable by analyze and serve.
  if (!existsSync(paths.history)) writeFileSync(paths.history, '');
  try {
    const { counterexamples, ...results } = await analyzeHistoryFile(paths.history, {
      ...spec.checks,
      run: { plannedSeconds: config.timeLimit },
    });
    outcome.results = results;
    writeCounterexamples(paths.dir, counterexamples);
    writeJsonAtomic(paths.results, {
      ...results,
      aborted: outcome.aborted,
      harnessError: outcome.error,
      ensembleRecovered: outcome.recovered,
    });
  } catch (error) {
    outcome.error ??= `checking ${paths.history}: ${(error as Error).message}`;
    log(`check failed: ${(error as Error).message}`);
  }
  interrupt.dispose();
  testRecord.status = outcome.error ? 'harness-error' : outcome.aborted ? 'aborted' : 'done';
  testRecord.endedAt = new Date().toISOString();
  writeJsonAtomic(paths.test, testRecord);
  outcome.report = await writeReport(paths.dir, spec, log);
  return outcome;
}

/** report.html and the charts; a report that fails is logged, and never changes the verdict. */
async function writeReport(
  dir: string,
  spec: TestSpec,
  log: (line: string) => void,
): Promise<string | undefined> {
  try {
    const report = await writeRunReport(dir, { settings: spec.settings });
    for (const problem of report.problems) log(`report: ${problem}`);
    return report.report;
  } catch (error) {
    log(`report failed: ${(error as Error).message}`);
    return undefined;
  }
}

/** `--zookeeper VERSION`: the official image when present or pullable, else the local one (built on demand). */
async function imageOfVersion(
  spec: TestSpec,
  log: (line: string) => void,
  out: (text: string) => void,
): Promise<{ image?: string; provider?: 'docker' }> {
  if (spec.zookeeperVersion === undefined) return {};
  const { image, why } = await imageForZooKeeper(spec.zookeeperVersion, {
    log: (line) => {
      log(`image: ${line}`);
      out(`  ${line}\n`);
    },
  });
  log(`ZooKeeper ${spec.zookeeperVersion}: ${why}`);
  return { image, provider: 'docker' };
}

/**
 * Whether the final phase left the ensemble whole: every node running (none left killed or
 * paused by a failed heal), one leader, all serving. A run that leaves it broken says so.
 */
async function checkRecovery(
  ensemble: Ensemble,
  log: (line: string) => void,
  out: (text: string) => void,
): Promise<boolean> {
  const down = ensemble.nodes.filter((node) => ensemble.state(node.id) !== 'running').map((node) => node.id);
  try {
    if (down.length > 0) throw new Error(`node(s) ${down.join(', ')} not running`);
    await ensemble.waitForQuorum({ timeoutMs: 60_000, nodes: ensemble.nodes.map((node) => node.id) });
    log('ensemble recovered: every node running, one leader, all serving');
    return true;
  } catch (error) {
    log(`ensemble did not recover: ${(error as Error).message}`);
    out(`  warning: the ensemble did not recover after the final phase: ${(error as Error).message}\n`);
    return false;
  }
}

async function ensembleRecord(ensemble: Ensemble): Promise<Record<string, unknown>> {
  const status = await ensemble.status();
  const version = status.find((s) => s.mntr?.zk_version)?.mntr?.zk_version;
  return {
    provider: ensemble.provider,
    providerReason: ensemble.reason,
    zookeeper: { source: ensemble.source, version: version?.split(',')[0] ?? 'unknown' },
    nodes: ensemble.nodes.length,
  };
}

/** The workload's setup through node 1, retried while the fresh ensemble settles. */
async function setUpWorkload(ensemble: Ensemble, workload: Workload, config: TestConfig): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const session = await ZkSession.connect(ensemble.connectString(1), {
      operationTimeoutMs: config.opTimeout * 2,
    }).catch((error: unknown) => {
      lastError = error;
      return undefined;
    });
    if (session) {
      try {
        await workload.setup(session);
        return;
      } catch (error) {
        lastError = error;
      } finally {
        await session.close();
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`workload setup failed: ${(lastError as Error)?.message ?? String(lastError)}`);
}

interface DriveArgs {
  config: TestConfig;
  workload: Workload;
  nemesis: Nemesis;
  ensemble: Ensemble;
  paths: RunPaths;
  seed: number;
  log: (line: string) => void;
  out: (text: string) => void;
  hooks: RunHooks;
  /** Aborts the schedule (Ctrl-C): no new ops, those in flight finish. */
  signal: AbortSignal;
}

/** The label of the nemesis's random stream (any constant: it only has to stay the same). */
const NEMESIS_STREAM = 0x6e656d;

/** The whole schedule: the main phase, then healing, recovery and the workload's final ops. */
export function schedule(config: TestConfig, workload: Workload, nemesis: Nemesis): Gen {
  const main = timeLimit(
    config.timeLimit,
    clients(
      config.rate > 0 ? rate(config.rate, workload.generator()) : workload.generator(),
      // Its own random stream: the same seed draws the same faults, however the clients ran.
      ownRng(NEMESIS_STREAM, nemesis.generator),
    ),
  );
  const finalOps = workload.finalGenerator?.() ?? null;
  return phases(
    main,
    finalPhase(
      nemesis.finalGenerator,
      config.recovery,
      finalOps == null ? null : timeLimit(FINAL_OPS_SECONDS, finalOps),
    ),
  );
}

async function drive(args: DriveArgs): Promise<{ aborted: boolean; cpuMicros: number }> {
  const { config, workload, nemesis, ensemble, paths } = args;
  const clock = systemClock();
  const recorder = new HistoryRecorder(paths.history, () => clock.now());
  const pool = new ClientPool(ensemble, {
    sessionTimeoutMs: config.sessionTimeout,
    operationTimeoutMs: config.opTimeout,
    connectTimeoutMs: config.opTimeout,
  });
  const progress = new Progress({
    out: args.out,
    tty: args.hooks.tty ?? false,
    timeLimitSeconds: config.timeLimit,
    active: () => nemesis.active(),
  });

  const performClientOp = async (op: GenOp, thread: Thread): Promise<Completion> => {
    const node = pool.nodeOf(thread);
    recorder.record({
      process: op.process,
      type: 'invoke',
      f: op.f,
      key: op.key,
      value: op.value ?? null,
      node,
      ...(workload.invokeFields ? workload.invokeFields(op) : undefined),
    });
    let completion: Completion;
    const pending = pool.session(op.process, thread);
    const session = pending instanceof ZkSession ? pending : await pending.catch((error: Error) => error);
    if (session instanceof Error) {
      // No session: the op was never sent, so it definitely did not happen.
      completion = { type: 'fail', error: { name: 'NOT_CONNECTED', message: session.message } };
    } else {
      // A workload should never reject; if it does, nobody knows whether the op was applied.
      completion = await workload.invoke(session, op).catch((error: Error) => ({
        type: 'info' as const,
        error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) },
      }));
    }
    if (completion.type === 'info') pool.retire(op.process);
    recorder.record({
      process: op.process,
      type: completion.type,
      f: op.f,
      key: op.key,
      value: completionValue(op, completion),
      error: completion.error,
      node,
    });
    progress.count(completion.type);
    return completion;
  };

  const performNemesisOp = async (op: GenOp): Promise<Completion> => {
    recorder.record({ process: 'nemesis', type: 'invoke', f: op.f, value: op.value ?? null });
    const completion = await nemesis.invoke(op);
    recorder.record({
      process: 'nemesis',
      type: completion.type,
      f: op.f,
      value: completion.value ?? op.value ?? null,
      error: completion.error,
    });
    // The completion's value names what was hit ("isolate follower -> ok 2": node 2).
    const hit =
      completion.value !== undefined && completion.value !== op.value
        ? ` ${JSON.stringify(completion.value)}`
        : '';
    const failure = completion.error ? ` ${JSON.stringify(completion.error)}` : '';
    const line = `${new Date().toISOString()} ${op.f} ${JSON.stringify(op.value ?? null)} -> ${completion.type}${hit}${failure}`;
    appendFileSync(paths.nemesisLog, `${line}\n`);
    args.log(`nemesis: ${line}`);
    return completion;
  };

  progress.start();
  const cpu = process.cpuUsage();
  try {
    const started = clock.now();
    const result = await runGenerator({
      gen: schedule(config, workload, nemesis),
      threads: config.concurrency,
      // No faults, no nemesis thread (an idle one would keep the scheduler asking for ops).
      nemesis: nemesis.generator != null,
      clock,
      seed: args.seed,
      signal: args.signal,
      invoke: (op, thread) => (thread === 'nemesis' ? performNemesisOp(op) : performClientOp(op, thread)),
      log: (message) => {
        args.log(message);
        progress.note(message);
      },
    });
    const used = process.cpuUsage(cpu);
    // The history says it is whole: analyze treats a history without this line as cut short.
    if (!result.aborted) recorder.record(runEndOp((clock.now() - started) / 1e9));
    return { aborted: result.aborted, cpuMicros: used.user + used.system };
  } finally {
    progress.stop();
    await pool.closeAll();
    recorder.close();
  }
}

/** What a completion records as its value: the reply for ok, the invoked value otherwise. */
function completionValue(op: GenOp, completion: Completion): unknown {
  return completion.type === 'ok' && 'value' in completion ? completion.value : (op.value ?? null);
}
