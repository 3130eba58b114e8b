/**
 * Every published peer history (Porcupine's and Knossos's test data, see
 * ../shared/peer-histories/README.md) must read with its declared format and with detection to
 * the same history, be well-formed, match the op counts the INFO tables give, and survive the
 * writers. The data lives outside the repo: $ZKCHECK_PEER_HISTORIES, default
 * ../shared/peer-histories from the repo root. Missing data skips locally and fails under CI.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toOperations } from './operations.js';
import { detectFormat, isHistoryFormat, parseHistory } from './read.js';
import type { History } from './types.js';
import { checkWellFormed } from './wellformed.js';
import { writeEdn, writeJsonl } from './write.js';
import { PEER_HISTORIES_DIR, describePeerHistories, readPeerTsv } from '../testing/peer-histories.js';

const dataDir = PEER_HISTORIES_DIR;
const tsv = readPeerTsv;

const count = (h: History, type: string, clientOnly = true) =>
  h.filter((op) => op.type === type && (!clientOnly || op.process !== 'nemesis')).length;

describePeerHistories('peer histories', () => {
  const expected = tsv('EXPECTED.tsv');
  const histories = new Map<string, History>();
  const read = (file: string) => {
    let h = histories.get(file);
    if (!h) {
      const format = expected.find((row) => row.file === file)?.format;
      if (format === undefined || !isHistoryFormat(format))
        throw new Error(`${file}: bad format in EXPECTED.tsv`);
      h = parseHistory(readFileSync(join(dataDir, file), 'utf8'), { file, format });
      histories.set(file, h);
    }
    return h;
  };

  describe('peer histories', () => {
    it('lists the 230 histories of the README', () => {
      expect(expected).toHaveLength(230);
      expect(new Set(expected.map((row) => row.format))).toEqual(
        new Set(['porcupine-etcd', 'porcupine-kv', 'edn']),
      );
    });

    it.each(expected.map((row) => [row.file, row.format]))(
      '%s reads as %s, also when detected, and is well-formed',
      (file, format) => {
        const text = readFileSync(join(dataDir, file), 'utf8');
        expect(detectFormat(text, file)).toBe(format);
        const h = read(file);
        expect(h.length).toBeGreaterThan(0);
        expect(parseHistory(text, { file })).toEqual(h);
        checkWellFormed(h);
        const ops = toOperations(h);
        expect(ops.length).toBeLessThanOrEqual(count(h, 'invoke'));
        expect(parseHistory(writeEdn(h), { file: 'again.edn' })).toEqual(h);
        expect(parseHistory(writeJsonl(h), { file: 'again.jsonl' })).toEqual(h);
      },
    );

    it('porcupine histories have the op counts of porcupine-INFO.tsv', () => {
      const rows = tsv('porcupine-INFO.tsv').filter((row) =>
        existsSync(join(dataDir, 'porcupine', row.file)),
      );
      expect(rows).toHaveLength(102 + 6); // etcd_095 is absent on purpose
      for (const row of rows) {
        const h = read(`porcupine/${row.file}`);
        const got = {
          invokes: count(h, 'invoke'),
          ok: count(h, 'ok'),
          fail: count(h, 'fail'),
          info: count(h, 'info'),
          processes: new Set(h.map((op) => op.process)).size,
        };
        expect(got, row.file).toEqual({
          invokes: Number(row.invokes),
          ok: Number(row.ok),
          fail: Number(row.fail),
          info: Number(row['info(crashed)']),
          processes: Number(row.process_ids),
        });
      }
    });

    it('knossos histories have the op counts of knossos-INFO.tsv', () => {
      // One row per (file, model run): the rethink files appear twice.
      const rows = [...new Map(tsv('knossos-INFO.tsv').map((row) => [row.file, row])).values()];
      expect(rows).toHaveLength(122);
      for (const row of rows) {
        const h = read(`knossos/${row.file}`);
        const unmatched = toOperations(h).filter((op) => op.completeIndex === undefined).length;
        const got = {
          lines: h.length,
          invoke: count(h, 'invoke', false),
          ok: count(h, 'ok', false),
          fail: count(h, 'fail', false),
          info: count(h, 'info', false),
          unmatched,
          // The table counts :nemesis as a process id.
          processes: new Set(h.map((op) => op.process)).size,
        };
        expect(got, row.file).toEqual({
          lines: Number(row.lines),
          invoke: Number(row.invoke),
          ok: Number(row.ok),
          fail: Number(row.fail),
          info: Number(row.info),
          unmatched: Number(row.unmatched_invokes),
          processes: Number(row.process_ids),
        });
      }
    });

    it('reads the ops Knossos cites where bad histories fail', () => {
      // Positions, since these files carry no :index: the reader must keep ops in file order.
      const casFailure = read('knossos/cas-register/bad/cas-failure.edn');
      expect(casFailure[491]).toMatchObject({ process: 70, type: 'ok', f: 'read', value: 0 });
      expect(casFailure[478]).toMatchObject({ process: 74, type: 'ok', f: 'read', value: 0 });
      const bad = read('knossos/cas-register/bad/bad-analysis.edn');
      expect(bad[14]).toMatchObject({ process: 21, type: 'ok', f: 'read', value: 2 });
      expect(bad[11]).toMatchObject({ process: 19, type: 'ok', f: 'read', value: 0 });
    });
  });
});
