/**
 * Porcupine (Go) beside zkcheck in `npm run bench:checker`. Porcupine is never part of this
 * repository: it is fetched into a scratch folder outside it (default /tmp/porcupine, or
 * ZKCHECK_PORCUPINE), and this module writes a small Go program of zkcheck's own next to it
 * (`<scratch>-zkbench/`) and builds it there with `go build`. That program reads the benchmark's
 * formats (Porcupine etcd logs, Porcupine kv EDN lines, Jepsen EDN, zkcheck JSONL) with zkcheck's
 * semantics (fail ops dropped; info ops and invokes that never complete stay open to the end; a
 * read with an unknown outcome dropped, as it constrains nothing; ops partitioned by key), encodes
 * them for one of its models (cas-register, zk-versioned-register, kv, mutex, multi-register) and
 * calls `porcupine.CheckOperationsTimeout`, printing one JSON line per file: `{file, valid, ops, ms}`
 * where `ms` is the check alone. Only facts about Porcupine's public API are used here.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The Go program: zkcheck's code in bench/porcupine/main.go, built against Porcupine in the
 * scratch folder. Found beside this module (run from source) or from dist/bench/ (built).
 */
const GO_MAIN = readFileSync(
  [
    join(import.meta.dirname, 'porcupine', 'main.go'),
    join(import.meta.dirname, '..', '..', 'bench', 'porcupine', 'main.go'),
  ].find(existsSync) ?? join(import.meta.dirname, 'porcupine', 'main.go'),
  'utf8',
);

/** Where Porcupine's sources are expected, and how to get them. */
export const PORCUPINE_DIR = process.env.ZKCHECK_PORCUPINE ?? '/tmp/porcupine';
export const PORCUPINE_HOWTO =
  `Porcupine not found at ${PORCUPINE_DIR} (set ZKCHECK_PORCUPINE): ` +
  `git clone https://github.com/anishathalye/porcupine ${PORCUPINE_DIR}; ` +
  'Go is needed too (Debian: apt-get install -y golang-go)';

/** Porcupine's reader for each benchmark format. */
export type PorcupineFormat = 'etcd' | 'kv' | 'edn' | 'jsonl';

/** The built program, or why there is none. */
export function porcupineBench(): { binary: string } | { missing: string } {
  const goMod = `${PORCUPINE_DIR}/go.mod`;
  if (!existsSync(goMod) || !readFileSync(goMod, 'utf8').includes('anishathalye/porcupine'))
    return { missing: PORCUPINE_HOWTO };
  const dir = `${PORCUPINE_DIR.replace(/\/+$/, '')}-zkbench`;
  const binary = `${dir}/zkbench`;
  const stamp = createHash('sha256').update(GO_MAIN).update(PORCUPINE_DIR).digest('hex');
  if (existsSync(binary) && existsSync(`${dir}/stamp`) && readFileSync(`${dir}/stamp`, 'utf8') === stamp)
    return { binary };
  mkdirSync(dir, { recursive: true });
  writeFileSync(`${dir}/main.go`, GO_MAIN);
  writeFileSync(
    `${dir}/go.mod`,
    'module zkbench\n\ngo 1.16\n\nrequire github.com/anishathalye/porcupine v0.0.0\n\n' +
      `replace github.com/anishathalye/porcupine => ${PORCUPINE_DIR}\n`,
  );
  const build = spawnSync('go', ['build', '-o', binary, '.'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off' },
  });
  if (build.error) return { missing: `go build failed (${build.error.message}); ${PORCUPINE_HOWTO}` };
  if (build.status !== 0)
    return { missing: `go build failed in ${dir}: ${build.stderr.trim().split('\n')[0]}` };
  writeFileSync(`${dir}/stamp`, stamp);
  return { binary };
}
