/**
 * fast-check arbitraries of bad and odd zkcheck command lines, for test/cli-fuzz.test.ts. A case is
 * an argv, the files it needs (written into a fresh dir per case), what it must end in and the
 * words of which its error line must name at least one.
 *
 * Placeholders in args and file contents: `$CASE` is the case's own dir (also its cwd), `$FIXTURE`
 * a copy of a stored run's store that no case may change.
 *
 * Safety: no case may start an ensemble, build an image or sweep other runs. Every `run` starts with
 * `--provider local --zk-home $CASE/no-zk-home` (no JVM can start, and the test runs with an
 * unreachable DOCKER_HOST) and carries at least one input the run must refuse before it starts;
 * `serve`, `image build` and `clean` cases always carry an input refused before they act.
 *
 * The categories live beside this file: run.ts (run-flags, run-config), check.ts (check-history,
 * check-flags), store.ts, process-only.ts (serve, doctor, image, clean) and top-level.ts, on the
 * shared values of common.ts. This file mixes them for the in-process and the process runs.
 */
import fc from 'fast-check';
import { checkFlagsCase, checkHistoryCase } from './check.js';
import type { FuzzCase } from './common.js';
import { cleanCase, doctorCase, imageCase, serveCase } from './process-only.js';
import { runConfigCase, runFlagsCase } from './run.js';
import { storeCase } from './store.js';
import { topLevelCase } from './top-level.js';

export { FIXTURE_RUN, type Category, type Expectation, type FuzzCase, type FuzzFile } from './common.js';
export {
  checkFlagsCase,
  checkHistoryCase,
  cleanCase,
  doctorCase,
  imageCase,
  runConfigCase,
  runFlagsCase,
  serveCase,
  storeCase,
  topLevelCase,
};

/** Cases the in-process entry `main(argv)` may run: none of them can act on anything outside its dir. */
export const inProcessCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { arbitrary: runFlagsCase, weight: 3 },
  { arbitrary: runConfigCase, weight: 3 },
  { arbitrary: checkFlagsCase, weight: 2 },
  { arbitrary: checkHistoryCase, weight: 5 },
  { arbitrary: storeCase, weight: 3 },
  { arbitrary: topLevelCase, weight: 1 },
);

/** Cases for real processes: every category (serve, doctor, image and clean only here). */
export const processCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { arbitrary: runFlagsCase, weight: 3 },
  { arbitrary: runConfigCase, weight: 2 },
  { arbitrary: checkFlagsCase, weight: 2 },
  { arbitrary: checkHistoryCase, weight: 3 },
  { arbitrary: storeCase, weight: 2 },
  { arbitrary: serveCase, weight: 2 },
  { arbitrary: doctorCase, weight: 1 },
  { arbitrary: imageCase, weight: 2 },
  { arbitrary: cleanCase, weight: 1 },
  { arbitrary: topLevelCase, weight: 1 },
);
