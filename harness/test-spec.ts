/**
 * From a validated config to the test spec the runner drives: the workload built by its registry
 * entry, the fault families composed, the ensemble's options and the checks (the workload's claim
 * declaration and the self-check's floors). The one place the app wires plug-ins into a run.
 */
import { NEMESES } from '../nemesis/index.js';
import { nemesisPlan } from '../nemesis/compose.js';
import { parseSchedule } from '../nemesis/schedule.js';
import { WORKLOADS } from '../workloads/index.js';
import {
  parseNemesisNames,
  pluginSettings,
  scheduleFamilies,
  SETTINGS,
  type Catalog,
  type TestConfig,
} from './config.js';
import type { TestSpec } from './runner/spec.js';

/** The registries: every workload and fault family zkcheck ships. */
export const CATALOG: Catalog = Object.freeze({ workloads: WORKLOADS, nemeses: NEMESES });

/** Builds every part of the run (bad settings throw WorkloadError or ConfigError before anything starts). */
export function buildTestSpec(config: TestConfig, catalog: Catalog = CATALOG): TestSpec {
  const entry = catalog.workloads.find((e) => e.name === config.workload);
  if (!entry) throw new Error(`no workload "${config.workload}" (mergeConfig checks this first)`);
  const workload = entry.create({
    concurrency: config.concurrency,
    rate: config.rate,
    timeLimitSeconds: config.timeLimit,
    settings: config.settings,
    nodes: config.nodes,
  });
  return {
    config,
    seed: config.seed ?? Math.floor(Math.random() * 2 ** 31),
    workload,
    nemesis: planNemesis(config, catalog),
    ...(config.zookeeper === undefined ? {} : { zookeeperVersion: config.zookeeper }),
    settings: [...SETTINGS, ...[...pluginSettings(catalog).values()].map((p) => p.setting)],
    ensemble: {
      size: config.nodes,
      provider: config.provider,
      image: config.image,
      zkHome: config.zkHome,
      toxiproxyUrl: config.toxiproxyUrl,
      keepDirs: config.keepDirs,
    },
    checks: {
      claims: workload.claims,
      requiredFs: workload.requiredFs,
      minOpsPerSecond: throughputFloor(config),
      timeLimitMs: config.checkTimeLimit * 1000,
    },
  };
}

/**
 * The run's faults: the --nemesis families (serial or storm), or the config's scripted steps.
 * Checked against the ensemble's size here, before anything starts (NemesisError: exit 254).
 */
function planNemesis(config: TestConfig, catalog: Catalog) {
  const schedule =
    config.nemesisSchedule === undefined
      ? undefined
      : parseSchedule(config.nemesisSchedule, {
          nemeses: catalog.nemeses,
          nodes: config.nodes,
          timeLimit: config.timeLimit,
          duration: config.nemesisDuration,
        });
  const names = schedule === undefined ? config.nemesis : scheduleFamilies(config.nemesisSchedule).join(',');
  return nemesisPlan(parseNemesisNames(names, catalog), {
    intervalSeconds: config.nemesisInterval,
    durationSeconds: config.nemesisDuration,
    settings: config.settings,
    mode: config.nemesisMode,
    timeLimitSeconds: config.timeLimit,
    nodes: config.nodes,
    run: {
      provider: config.provider,
      ...(config.zookeeper === undefined ? {} : { zookeeper: config.zookeeper }),
    },
    ...(schedule === undefined ? {} : { schedule }),
  });
}

/** The self-check's throughput floor: a tenth of the rate asked for, 10 ops/s with no rate. */
export function throughputFloor(config: TestConfig): number {
  return config.minThroughput ?? (config.rate > 0 ? config.rate / 10 : 10);
}
