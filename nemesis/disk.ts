/**
 * disk: damage a stopped node's files, then start it again. ZooKeeper keeps its transaction logs
 * in `<dataLogDir>/version-2/log.<first zxid, hex>` (preallocated: records, then zeros) and its
 * snapshots in `<dataDir>/version-2/snapshot.<zxid, hex>`. Faults (`--disk-fault`):
 *
 *   truncate-log       cut the newest log with records in the middle of its n-th last record
 *                      (`--disk-records`, default 1): a torn tail, n records lost
 *   corrupt-log        invert `--disk-bytes` bytes (default 8) inside its last record's payload
 *   delete-snapshot    delete the newest snapshot
 *   corrupt-snapshot   invert `--disk-bytes` bytes in the middle of the newest snapshot
 *
 * The start op SIGKILLs the node, damages its files and records exactly what it did (file, sizes,
 * byte range, records dropped); the stop op starts the node again and records whether it came back
 * to serve or refused to start (with its log's error line). The originals are kept aside: when the
 * node refused, the final heal puts them back and starts it, so the run's final reads can run.
 * Whether what ZooKeeper served afterwards was right is the checker's business.
 *
 * The log format (FileTxnLog.java): a 16-byte header (magic "ZKLG", version, dbid), then records
 * of crc (8 bytes), length (4), payload (length bytes), end-of-record 'B'; a length of 0 is the end.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  closeSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import type { Ensemble } from '../harness/cluster/types.js';
import { fork } from '../harness/generator/rng.js';
import type { Completion } from '../harness/generator/scheduler.js';
import { sleep } from '../harness/generator/time.js';
import type { Context, Gen, GenOp } from '../harness/generator/types.js';
import type { NemesisEntry, NemesisOptions, NemesisPackage } from '../harness/runner/spec.js';
import {
  describeNodes,
  planTargets,
  resolveTargets,
  targetsSetting,
  type TargetKind,
  type TargetPlan,
} from './targets.js';

export const DISK_FAULTS = ['truncate-log', 'corrupt-log', 'delete-snapshot', 'corrupt-snapshot'] as const;
export type DiskFault = (typeof DISK_FAULTS)[number];

/** What one fault did to one node's files. */
export interface DiskDamage {
  node: number;
  fault: DiskFault;
  file?: string;
  sizeBefore?: number;
  sizeAfter?: number;
  /** Bytes changed (corrupt), or cut from (truncate), [start, end). */
  range?: [number, number];
  /** Records in the log before, and records dropped (truncate-log). */
  records?: number;
  recordsDropped?: number;
  /** Why nothing was done (no such file). */
  note?: string;
}

/** The files of a node's ZooKeeper, newest first. */
export function zkFiles(dir: string, prefix: 'log' | 'snapshot'): string[] {
  const versioned = join(dir, 'version-2');
  if (!existsSync(versioned)) return [];
  const zxid = (name: string) => BigInt(`0x${name.slice(prefix.length + 1).split('.')[0] || '0'}`);
  return readdirSync(versioned)
    .filter((name) => new RegExp(`^${prefix}\\.[0-9a-f]+(\\.\\w+)?$`).test(name))
    .sort((a, b) => (zxid(b) > zxid(a) ? 1 : zxid(b) < zxid(a) ? -1 : 0))
    .map((name) => join(versioned, name));
}

/** Byte offsets of each record of a transaction log: [start, end) of the whole record. */
export function txnLogRecords(file: string): Array<{ start: number; payload: number; end: number }> {
  const bytes = readFileSync(file);
  const records: Array<{ start: number; payload: number; end: number }> = [];
  if (bytes.length < 16 || bytes.toString('latin1', 0, 4) !== 'ZKLG') return records;
  let at = 16;
  while (at + 12 <= bytes.length) {
    const length = bytes.readInt32BE(at + 8);
    if (length <= 0 || at + 12 + length + 1 > bytes.length) break;
    if (bytes[at + 12 + length] !== 0x42) break;
    records.push({ start: at, payload: at + 12, end: at + 12 + length + 1 });
    at += 12 + length + 1;
  }
  return records;
}

function invert(file: string, start: number, end: number): void {
  const bytes = readFileSync(file).subarray(start, end);
  for (let i = 0; i < bytes.length; i++) bytes[i] ^= 0xff;
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, start);
  } finally {
    closeSync(fd);
  }
}

/** Damages the (stopped) node's files; `keep` receives each original before it is changed. */
export function damage(
  ensemble: Ensemble,
  id: number,
  fault: DiskFault,
  opts: { bytes?: number; records?: number } = {},
  keep: (file: string) => void = () => undefined,
): DiskDamage {
  const node = ensemble.node(id);
  const state = ensemble.state(id);
  if (state === 'running' || state === 'paused') throw new Error(`node ${id} is ${state}: stop it first`);
  const bytes = Math.max(1, opts.bytes ?? 8);
  if (fault === 'truncate-log' || fault === 'corrupt-log') {
    const logs = zkFiles(node.dataLogDir, 'log').map((file) => ({ file, records: txnLogRecords(file) }));
    const newest = logs.find((l) => l.records.length > 0);
    if (!newest) return { node: id, fault, note: `no transaction log with records in ${node.dataLogDir}` };
    const { file, records } = newest;
    const sizeBefore = statSync(file).size;
    keep(file);
    if (fault === 'truncate-log') {
      const dropped = Math.min(records.length, Math.max(1, opts.records ?? 1));
      const torn = records[records.length - dropped];
      const cut = torn.start + Math.floor((torn.end - torn.start) / 2);
      truncateSync(file, cut);
      return {
        node: id,
        fault,
        file,
        sizeBefore,
        sizeAfter: cut,
        range: [cut, sizeBefore],
        records: records.length,
        recordsDropped: dropped,
      };
    }
    const last = records[records.length - 1];
    const start = last.payload + Math.max(0, Math.floor((last.end - 1 - last.payload - bytes) / 2));
    const end = Math.min(last.end - 1, start + bytes);
    invert(file, start, end);
    return {
      node: id,
      fault,
      file,
      sizeBefore,
      sizeAfter: sizeBefore,
      range: [start, end],
      records: records.length,
    };
  }
  const snapshot = zkFiles(node.dataDir, 'snapshot')[0];
  if (!snapshot) return { node: id, fault, note: `no snapshot in ${node.dataDir}` };
  const sizeBefore = statSync(snapshot).size;
  keep(snapshot);
  if (fault === 'delete-snapshot') {
    rmSync(snapshot);
    return { node: id, fault, file: snapshot, sizeBefore, sizeAfter: 0 };
  }
  const start = Math.max(0, Math.floor((sizeBefore - bytes) / 2));
  const end = Math.min(sizeBefore, start + bytes);
  invert(snapshot, start, end);
  return { node: id, fault, file: snapshot, sizeBefore, sizeAfter: sizeBefore, range: [start, end] };
}

/** Lines a server that refuses to start logs (QuorumPeerMain, FileTxnSnapLog, FileSnap). */
export const REFUSAL =
  /Unable to load database on disk|Unexpected exception, exiting abnormally|Something is broken|Not able to find valid snapshots|CRC check failed|Exiting JVM|Unable to run quorum server/;

/** How a restarted node fared: serving, or refused with its log's line. */
export interface Comeback {
  node: number;
  serving: boolean;
  refusal?: string;
}

/** Starts the node and waits until it serves or its log says it refused (or `timeoutMs`). */
export async function startAndWatch(ensemble: Ensemble, id: number, timeoutMs = 30_000): Promise<Comeback> {
  let refusal: string | undefined;
  const off = ensemble.onLogLine(id, REFUSAL, (line) => (refusal ??= line.text));
  try {
    await ensemble.start(id);
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const status = (await ensemble.status()).find((s) => s.id === id);
      if (status?.mode) return { node: id, serving: true };
      // Give the server a moment to log the cause after the first error line.
      if (refusal !== undefined) {
        await new Promise((r) => setTimeout(r, 500));
        return { node: id, serving: false, refusal };
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    return { node: id, serving: false, refusal: refusal ?? `not serving within ${timeoutMs} ms` };
  } finally {
    off();
  }
}

export const disk: NemesisEntry = {
  name: 'disk',
  help: 'stop nodes, damage their newest transaction log or snapshot, start them again',
  settings: [
    targetsSetting('disk', 'one'),
    {
      key: 'diskFault',
      flag: '--disk-fault <fault>',
      kind: 'string',
      help: `what to damage: ${DISK_FAULTS.join(', ')}`,
      default: 'truncate-log',
      choices: DISK_FAULTS,
    },
    {
      key: 'diskBytes',
      flag: '--disk-bytes <n>',
      kind: 'int',
      help: 'bytes inverted by corrupt-log and corrupt-snapshot',
      default: 8,
      min: 1,
      max: 4096,
    },
    {
      key: 'diskRecords',
      flag: '--disk-records <n>',
      kind: 'int',
      help: 'log records truncate-log drops (the last one is torn in half)',
      default: 1,
      min: 1,
      max: 100000,
    },
  ],
  create: (options) => diskPackage(options),
};

export function diskPackage(options: NemesisOptions): NemesisPackage {
  const { ensemble } = options;
  const fault = String(options.settings.diskFault ?? 'truncate-log') as DiskFault;
  const targets = String(options.settings.diskTargets ?? 'one') as TargetKind;
  const bytes = Number(options.settings.diskBytes ?? 8);
  const records = Number(options.settings.diskRecords ?? 1);
  /** Nodes the latest start stopped: the stop starts exactly those. */
  let hit: number[] | undefined;
  /** Originals of damaged files, by file, for nodes that refused to start. */
  const originals = new Map<string, { node: number; copy: string }>();
  const refused = new Set<number>();

  const keepFor = (node: number) => (file: string) => {
    const aside = join(ensemble.node(node).dataDir, '..', 'zkcheck-disk-originals');
    mkdirSync(aside, { recursive: true });
    const copy = join(aside, `${basename(file)}.${Date.now()}`);
    copyFileSync(file, copy);
    if (!originals.has(file)) originals.set(file, { node, copy });
  };

  /** A node that came back owns its files again: its originals are history. */
  const forget = (node: number) => {
    for (const [file, kept] of originals)
      if (kept.node === node) {
        rmSync(kept.copy, { force: true });
        originals.delete(file);
      }
  };

  const perform = async (op: GenOp): Promise<Completion> => {
    switch (op.f) {
      case 'disk': {
        const resolved = await resolveTargets(ensemble, op.value as TargetPlan);
        hit = resolved.targets;
        const done: DiskDamage[] = [];
        for (const node of resolved.targets) {
          await ensemble.kill(node);
          done.push(damage(ensemble, node, fault, { bytes, records }, keepFor(node)));
        }
        return { type: 'ok', value: { ...resolved, fault, damage: done } };
      }
      case 'start': {
        const nodes = hit ?? [];
        const comebacks: Comeback[] = [];
        for (const node of nodes) {
          const comeback = await startAndWatch(ensemble, node);
          if (comeback.serving) forget(node);
          else refused.add(node);
          comebacks.push(comeback);
        }
        hit = undefined;
        return { type: 'ok', value: { targets: nodes, comebacks } };
      }
      case 'restore-all': {
        // A node that refused to start gets its original files back; every stopped node starts.
        const restored: string[] = [];
        for (const node of refused) {
          await ensemble.kill(node);
          for (const [file, { node: owner, copy }] of originals)
            if (owner === node) {
              renameSync(copy, file);
              restored.push(file);
            }
        }
        for (const n of ensemble.nodes) if (ensemble.state(n.id) === 'killed') await ensemble.start(n.id);
        refused.clear();
        originals.clear();
        hit = undefined;
        return { type: 'ok', value: { restored } };
      }
      default:
        return { type: 'fail', error: { name: 'UNSUPPORTED', message: `nemesis disk has no op "${op.f}"` } };
    }
  };

  return {
    name: 'disk',
    fs: ['disk', 'start', 'restore-all'],
    episode: (ctx: Context): Gen => [
      sleep(options.intervalSeconds),
      { f: 'disk', value: planTargets(targets, ensemble.nodes.length, fork(ctx.rng, 1)) },
      sleep(options.durationSeconds),
      { f: 'start', value: null },
    ],
    finalGenerator: { f: 'restore-all', value: null },
    invoke: (op) =>
      perform(op).catch((error: unknown) => ({
        type: 'info' as const,
        error: { name: (error as Error).name ?? 'Error', message: (error as Error).message ?? String(error) },
      })),
    active: () => (hit === undefined ? [] : [`${describeNodes(hit)} stopped, ${fault}`]),
  };
}
