#!/usr/bin/env bash
# Several `zkcheck hunt`s in a row, one per seed, then one table: seed, runs, how the hunt stopped,
# time to the first finding, the broken promises and the hit's run directory. This is how the hunt
# figures in BENCHMARKS.md are measured (issue 18's proof: 5 seeds per version).
#
#   scripts/hunts.sh VERSION BUDGET SEED...      e.g. scripts/hunts.sh 3.8.0 8m 1 2 3 4 5
#   npm run hunts -- 3.9.6 8m 1 2 3 4 5
#
# Environment: ZKCHECK_HUNT_STORE (default /tmp/zkcheck-hunts-VERSION) is where the runs go; each
# hunt's terminal output goes to <store>/hunt-seed<S>.log. Needs `npm run build` and the image of
# VERSION (`node bin/zkcheck.js image build --zookeeper VERSION`). Long: up to BUDGET per seed
# (plus the run in progress), so it is not part of `npm test`.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ $# -lt 3 ]]; then
  echo "usage: scripts/hunts.sh VERSION BUDGET SEED... (e.g. 3.8.0 8m 1 2 3 4 5)" >&2
  exit 254
fi
version="$1"
budget="$2"
shift 2
store="${ZKCHECK_HUNT_STORE:-/tmp/zkcheck-hunts-$version}"
mkdir -p "$store"

for seed in "$@"; do
  log="$store/hunt-seed$seed.log"
  echo "hunts: ZooKeeper $version, seed $seed, budget $budget (log: $log)"
  node "$ROOT/bin/zkcheck.js" hunt --zookeeper "$version" --budget "$budget" --seed "$seed" \
    --store "$store" >"$log" 2>&1
  status=$?
  echo "hunts: seed $seed exit $status"
  if [[ $status -ge 128 ]]; then
    echo "hunts: interrupted" >&2
    break
  fi
done

# One line per hunt, from each hunt.json (the newest per seed).
node - "$store" "$@" <<'EOF'
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');
const [store, ...seeds] = process.argv.slice(2);
const dirs = readdirSync(join(store, 'hunts')).sort();
const clock = (s) => (s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`);
console.log('\nseed  runs  stopped         elapsed  first finding  broken promises');
for (const seed of seeds) {
  const dir = dirs.filter((d) => d.endsWith(`-seed${seed}`)).pop();
  if (!dir) {
    console.log(`${seed.padEnd(6)}(no hunt)`);
    continue;
  }
  const h = JSON.parse(readFileSync(join(store, 'hunts', dir, 'hunt.json'), 'utf8'));
  const hit = h.hit;
  console.log(
    `${seed.padEnd(6)}${String(h.runs.length).padEnd(6)}${h.stopped.padEnd(16)}${clock(h.elapsedSeconds).padEnd(9)}` +
      `${(hit ? `${clock(hit.secondsToFinding)} (run ${hit.n})` : '-').padEnd(15)}${hit ? hit.brokenPromises.join(', ') : '-'}`,
  );
  if (hit) console.log(`      ${h.runs[hit.n - 1].schedule}\n      ${hit.dir}`);
}
EOF
