/**
 * One run of `npm run bench:exit` (bench/exit.ts): checks the 120 Knossos cas-register histories
 * (argument 2: the peer-histories folder) with one model and ends at once, with the zkcheck
 * launcher's exit guard when argument 1 is `guarded`. The checker is loaded by dynamic imports,
 * as the launcher loads the CLI: with static imports the same script did not hang once in 40 runs
 * here, and with dynamic ones it hangs in about 1 run of 10 without the guard (why the timing
 * differs so is not known; the hang needs a compile in flight at the very end).
 */
import { setFlagsFromString } from 'node:v8';
setFlagsFromString('--always-sparkplug'); // as the launcher does
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// Loaded after the flag, as the launcher loads the CLI.
const { readHistoryFile } = await import('../checker/history/read.js');
const { checkWellFormed } = await import('../checker/history/wellformed.js');
const { toOperations } = await import('../checker/history/operations.js');
const { checkLinearizable, resolveModel, validateOperations } =
  await import('../checker/linearizable/check.js');

const root = process.argv[3];
const files = readFileSync(join(root, 'EXPECTED.tsv'), 'utf8')
  .split('\n')
  .filter((line) => line.startsWith('knossos/cas-register/'))
  .map((line) => join(root, line.split('\t')[0]));
const spec = { name: 'cas-register', options: { init: 0 } };
const model = resolveModel(spec);
const inputs = [];
for (const file of files) {
  const history = await readHistoryFile(file, { format: 'edn' });
  checkWellFormed(history, file);
  const ops = toOperations(history);
  validateOperations(ops, model);
  inputs.push(ops);
}
let ms = 0;
let invalid = 0;
for (const ops of inputs) {
  const started = performance.now();
  const result = await checkLinearizable(ops, model, { validated: true });
  ms += performance.now() - started;
  if (result.valid === false) invalid++;
}
console.log(`checked in ${ms.toFixed(1)} ms, ${invalid} invalid`);
if (process.argv[2] === 'guarded') (await import('../harness/exit-guard.js')).collectBeforeExit();
