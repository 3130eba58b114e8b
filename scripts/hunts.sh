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
# (plus the run in progress), so it is not part of `npm test`. Ctrl-C: the hunt in progress stops
# after its current run, and no further seed starts.
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

stop=0
trap 'stop=1' INT TERM
summaries=()
for seed in "$@"; do
  log="$store/hunt-seed$seed.log"
  echo "hunts: ZooKeeper $version, seed $seed, budget $budget (log: $log)"
  # The hunt gets Ctrl-C too (same process group): it finishes its run, checks it and exits.
  node "$ROOT/bin/zkcheck.js" hunt --zookeeper "$version" --budget "$budget" --seed "$seed" \
    --store "$store" >"$log" 2>&1
  status=$?
  echo "hunts: seed $seed exit $status"
  # This hunt's own summary (not an earlier invocation's): the path it printed first.
  summary="$(sed -n 's/^  summary: //p' "$log" | head -1)"
  [[ -n "$summary" ]] && summaries+=("$seed=$summary")
  if [[ $stop -eq 1 || $status -eq 130 || $status -eq 143 ]]; then
    echo "hunts: interrupted" >&2
    break
  fi
done

# One line per hunt, from its hunt.json.
node - "${summaries[@]}" <<'JS'
const { existsSync, readFileSync } = require('node:fs');
const clock = (s) => (s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`);
console.log('\nseed  runs  stopped         elapsed  first finding  broken promises');
for (const arg of process.argv.slice(2)) {
  const [seed, file] = [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)];
  if (!existsSync(file)) {
    console.log(`${seed.padEnd(6)}(no summary: see the seed's log)`);
    continue;
  }
  const h = JSON.parse(readFileSync(file, 'utf8'));
  const hit = h.hit;
  console.log(
    `${seed.padEnd(6)}${String(h.runs.length).padEnd(6)}${h.stopped.padEnd(16)}${clock(h.elapsedSeconds).padEnd(9)}` +
      `${(hit ? `${clock(hit.secondsToFinding)} (run ${hit.n})` : '-').padEnd(15)}${hit ? hit.brokenPromises.join(', ') : '-'}`,
  );
  if (hit) console.log(`      ${h.runs[hit.n - 1].schedule}\n      ${hit.dir}`);
}
JS
