/**
 * clock: move the target nodes' clocks while they run, never the host's. Each server runs with
 * Debian's libfaketime preloaded, reading its offset from a file that `Ensemble.setClock` rewrites
 * (harness/cluster/clock.ts: what follows the offset and what does not). Modes (`--clock-mode`):
 *
 *   skew     the clock is `--clock-offset-s` off real time while the fault holds, then right again
 *   step     the clock jumps by `--clock-offset-s` and stays there: jumps add up across episodes,
 *            and only the final heal sets it right (Jepsen's "bump")
 *   strobe   the clock flips between `--clock-offset-s` off and right every `--clock-strobe-ms`
 *            while the fault holds, then is right again
 *
 * A negative offset moves the clock back. Offsets land within two seconds (the library re-reads
 * its file when its copy is over a second old). The JVM's monotonic clock (nanoTime, ZooKeeper's
 * elapsed time) moves with the wall clock: when a clock goes back (a negative offset, a skew's
 * stop, a strobe), every timed loop that began before waits out the difference. A leader set back
 * 600 s stops pinging its followers, which elect another leader while it still says it leads.
 * So the final heal sets every clock right and then restarts the running nodes whose clock went
 * back (its op records both lists). The start op records the targets, their roles, the mode and
 * each target's offset.
 */
import type { Ensemble } from '../harness/cluster/types.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { NemesisError, type NemesisEntry, type NemesisPackage } from '../harness/runner/spec.js';
import { familyPackage, fault } from './family.js';
import { targetsSetting, type TargetKind } from './targets.js';

export const CLOCK_MODES = ['skew', 'step', 'strobe'] as const;
export type ClockMode = (typeof CLOCK_MODES)[number];

/** The strobe's shortest period: a node sees a new offset up to two seconds after it is written. */
export const MIN_STROBE_MS = 2000;

export const clock: NemesisEntry = {
  name: 'clock',
  help: "skew, step or strobe nodes' clocks (libfaketime; the host's clock is untouched)",
  settings: [
    targetsSetting('clock', 'one'),
    {
      key: 'clockMode',
      flag: '--clock-mode <mode>',
      kind: 'string',
      help: 'skew: off by the offset while the fault holds; step: jumps that stay until the final heal; strobe: flips between off and right',
      default: 'skew',
      choices: CLOCK_MODES,
    },
    {
      key: 'clockOffsetS',
      flag: '--clock-offset-s <seconds>',
      kind: 'number',
      help: 'how far the clock moves (negative: back)',
      default: 60,
      min: -31_536_000,
      max: 31_536_000,
    },
    {
      key: 'clockStrobeMs',
      flag: '--clock-strobe-ms <ms>',
      kind: 'int',
      help: 'strobe: time between two flips',
      default: 4000,
      min: MIN_STROBE_MS,
    },
  ],
  create: (options) => {
    const mode = (options.settings.clockMode ?? 'skew') as ClockMode;
    const offset = Number(options.settings.clockOffsetS ?? 60);
    const strobeMs = Number(options.settings.clockStrobeMs ?? 4000);
    if (!CLOCK_MODES.includes(mode))
      throw new NemesisError(`--clock-mode ${mode}: not one of ${CLOCK_MODES.join(', ')}`);
    if (!Number.isFinite(offset) || offset === 0)
      throw new NemesisError(`--clock-offset-s ${options.settings.clockOffsetS}: must be a non-zero number`);
    if (!Number.isInteger(strobeMs) || strobeMs < MIN_STROBE_MS)
      throw new NemesisError(`--clock-strobe-ms ${strobeMs}: must be an integer >= ${MIN_STROBE_MS}`);
    return clockPackage(options.ensemble, mode, offset, strobeMs, options);
  },
};

function clockPackage(
  ensemble: Ensemble,
  mode: ClockMode,
  offset: number,
  strobeMs: number,
  options: Parameters<NemesisEntry['create']>[0],
): NemesisPackage {
  const clocks = new Clocks(ensemble);
  const strobe = new Strobe(clocks, offset, strobeMs);
  /** What the latest heal did, for its op's record. */
  let healed: { reset: number[]; restarted: number[] } | undefined;
  const signed = `${offset > 0 ? '+' : ''}${offset} s`;
  const pkg = familyPackage(
    {
      name: 'clock',
      targets: options.settings.clockTargets as TargetKind,
      start: {
        f: 'clock-start',
        run: async (e, nodes) => {
          if (mode === 'strobe') return strobe.start(nodes);
          for (const node of nodes)
            await clocks.set(node, (mode === 'step' ? e.clockOffset(node) : 0) + offset);
        },
        describe: fault(
          mode === 'skew'
            ? `clock ${signed}`
            : mode === 'step'
              ? `clock stepped ${signed}`
              : `clock strobing ${signed}`,
        ),
      },
      stop: {
        f: 'clock-stop',
        run: async (e, nodes) => {
          // The strobe's stop sets its clocks right; a step stays until the final heal.
          if (mode === 'strobe') await strobe.stop();
          else if (mode === 'skew') for (const node of nodes) await clocks.set(node, 0);
        },
      },
      heal: {
        f: 'clock-reset-all',
        run: async () => {
          await strobe.stop();
          healed = await clocks.reset();
        },
      },
    },
    options,
  );
  return {
    ...pkg,
    // The start's record: targets and roles (family.ts), then the mode and each target's offset.
    invoke: async (op) => {
      healed = undefined;
      const completion: Completion = await pkg.invoke(op);
      if (op.f === 'clock-reset-all' && completion.type === 'ok') return { ...completion, value: healed };
      if (op.f !== 'clock-start' || completion.type !== 'ok') return completion;
      const hit = completion.value as { targets: number[] };
      const offsets = Object.fromEntries(hit.targets.map((node) => [node, ensemble.clockOffset(node)]));
      return {
        ...completion,
        value: { ...hit, mode, offsetS: offset, ...(mode === 'strobe' ? { strobeMs } : {}), offsets },
      };
    },
  };
}

/** Flips the target clocks between the offset and real time until stopped. */
class Strobe {
  private timer?: NodeJS.Timeout;
  private nodes: readonly number[] = [];
  private off = false;
  /** The flip in progress: stop waits for it, so that nothing writes after the reset. */
  private flipping: Promise<void> = Promise.resolve();

  constructor(
    private readonly clocks: Clocks,
    private readonly offset: number,
    private readonly periodMs: number,
  ) {}

  async start(nodes: readonly number[]): Promise<void> {
    await this.stop();
    this.nodes = nodes;
    await this.flip();
    this.timer = setInterval(() => {
      this.flipping = this.flipping.then(() => this.flip()).catch(() => undefined);
    }, this.periodMs);
    this.timer.unref();
  }

  private async flip(): Promise<void> {
    this.off = !this.off;
    for (const node of this.nodes) await this.clocks.set(node, this.off ? this.offset : 0);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flipping;
    for (const node of this.nodes) await this.clocks.set(node, 0);
    this.nodes = [];
    this.off = false;
  }
}

/**
 * Sets clocks, remembering which nodes' clocks went back: their JVMs (whose monotonic clock went
 * back too) wait out the difference in every timed loop that began before, so the heal restarts
 * them after setting every clock right.
 */
class Clocks {
  private readonly rewound = new Set<number>();

  constructor(private readonly ensemble: Ensemble) {}

  async set(node: number, offset: number): Promise<void> {
    if (offset < this.ensemble.clockOffset(node)) this.rewound.add(node);
    await this.ensemble.setClock(node, offset);
  }

  /** Sets every clock right and restarts the running nodes whose clocks went back. */
  async reset(): Promise<{ reset: number[]; restarted: number[] }> {
    const reset: number[] = [];
    for (const { id } of this.ensemble.nodes) {
      if (this.ensemble.clockOffset(id) === 0) continue;
      await this.set(id, 0);
      reset.push(id);
    }
    const restarted: number[] = [];
    for (const id of [...this.rewound].sort((a, b) => a - b)) {
      const state = this.ensemble.state(id);
      if (state === 'running' || state === 'paused') {
        await this.ensemble.restart(id);
        restarted.push(id);
      }
      this.rewound.delete(id);
    }
    return { reset, restarted };
  }
}
