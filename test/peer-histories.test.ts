/**
 * The checker against the references of the field: every published Porcupine and Knossos history
 * in ../shared/peer-histories must get the verdict their own test suites assert, and never
 * "unknown". The data is not part of the package: ZKCHECK_PEER_HISTORIES points at it.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readHistoryFile } from '../checker/history/read.js';
import { checkWellFormed } from '../checker/history/wellformed.js';
import { toOperations } from '../checker/history/operations.js';
import { parseEdnValue } from '../checker/history/edn.js';
import { checkLinearizable } from '../checker/linearizable/check.js';
import {
  PEER_HISTORIES_DIR,
  peerExpectations,
  peerHistoriesPresent,
} from '../checker/testing/peer-histories.js';

const root = PEER_HISTORIES_DIR;
const present = peerHistoriesPresent();

if (!present && process.env.CI === 'true') {
  throw new Error(`peer histories not found at ${root} (set ZKCHECK_PEER_HISTORIES); CI must check them`);
}

const expectations = peerExpectations;

describe.skipIf(!present)('peer histories (Porcupine and Knossos)', () => {
  const rows = present ? expectations() : [];

  it('lists the 230 published histories', () => {
    expect(rows.length).toBe(230);
  });

  it.each(rows)('$file is $expected', async ({ file, format, model, init, expected }) => {
    const path = join(root, file);
    const history = await readHistoryFile(path, { format });
    checkWellFormed(history, path);
    const options = init === '-' ? {} : { init: parseEdnValue(init) };
    const result = await checkLinearizable(toOperations(history), { name: model, options });
    expect(result.valid).toBe(expected === 'valid');
  });
});
