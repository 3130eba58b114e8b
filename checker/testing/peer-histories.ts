/**
 * Where tests find the peer histories (Porcupine's and Knossos's published test data, see
 * ../shared/peer-histories/README.md) and what EXPECTED.tsv says of each. The data is not part of
 * the package: `ZKCHECK_PEER_HISTORIES` (relative to the repository root), default
 * `../shared/peer-histories` beside the repository. Locally a missing copy skips those tests; under
 * CI=true it fails them.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { HistoryFormat } from '../history/read.js';

/** The repository root: the nearest folder above this file holding zkcheck's package.json. */
function repositoryRoot(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'zkcheck')
      return dir;
  }
  throw new Error(`no zkcheck package.json above ${fileURLToPath(import.meta.url)}`);
}

export const PEER_HISTORIES_DIR = resolve(
  repositoryRoot(),
  process.env.ZKCHECK_PEER_HISTORIES ?? '../shared/peer-histories',
);

export const peerHistoriesPresent = (): boolean => existsSync(join(PEER_HISTORIES_DIR, 'EXPECTED.tsv'));

/** A TSV file of the peer histories as rows keyed by its header. */
export function readPeerTsv(name: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(join(PEER_HISTORIES_DIR, name), 'utf8').trimEnd().split('\n');
  const columns = header.split('\t');
  return rows.map((row) => Object.fromEntries(row.split('\t').map((cell, i) => [columns[i], cell])));
}

export interface PeerExpectation {
  file: string;
  format: HistoryFormat;
  model: string;
  init: string;
  expected: 'valid' | 'invalid';
}

export function peerExpectations(): PeerExpectation[] {
  return readPeerTsv('EXPECTED.tsv').map((row) => ({
    file: row.file,
    format: row.format as HistoryFormat,
    model: row.model,
    init: row.init,
    expected: row.expected as 'valid' | 'invalid',
  }));
}

/**
 * A suite over the peer histories: `body` when they are there; else one test that fails under
 * CI=true (CI must check them) and is skipped elsewhere, both naming where they were looked for.
 */
export function describePeerHistories(title: string, body: () => void): void {
  describe(title, () => {
    if (peerHistoriesPresent()) return body();
    if (process.env.CI === 'true') {
      it(`needs the peer histories in ${PEER_HISTORIES_DIR} (set ZKCHECK_PEER_HISTORIES)`, () => {
        expect.fail(`peer histories not found at ${PEER_HISTORIES_DIR}`);
      });
    } else {
      it.skip(`no peer histories at ${PEER_HISTORIES_DIR} (set ZKCHECK_PEER_HISTORIES)`, () => {});
    }
  });
}
