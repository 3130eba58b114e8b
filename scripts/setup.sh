#!/usr/bin/env bash
# zkcheck setup: make this machine able to run real ZooKeeper ensembles.
#
#   1. install what is missing from Debian (docker.io, debootstrap, openjdk-17-jre-headless, zookeeper,
#      faketime and libfaketime for the clock nemesis on the local provider, chromium and
#      libxml2-utils for the browser and JUnit tests);
#   2. start dockerd in the background when no Docker engine answers (keeping the default `bridge`
#      network, which Testcontainers inspects at start);
#   3. build the local ZooKeeper images `npm test` needs (3.8.0 and 3.9.6, `zkcheck image build
#      --zookeeper`) when missing or built from an older recipe.
#
# Idempotent and quick when already done; no TTY or stdin needed (CI). Exits non-zero with a one-line
# reason when a step cannot be done.
#
# Environment:
#   ZKCHECK_SKIP_DOCKER=1   skip steps 2 and 3 (machines that will only use the `local` provider)
#   ZKCHECK_SKIP_IMAGE=1    skip step 3
#   ZKCHECK_IMAGE_VERSIONS  the ZooKeeper versions step 3 builds (default 3.8.0,3.9.6; all three:
#                           3.8.0,3.9.3,3.9.6, for `npm run test:versions`)
#   ZKCHECK_CACHE_DIR       where the dockerd log and the image's rootfs cache live (~/.cache/zkcheck)
#   DOCKER_HOST             a remote engine: then dockerd is never started here
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${ZKCHECK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/zkcheck}"
DOCKERD_LOG="$CACHE_DIR/dockerd.log"
IMAGE_VERSIONS="${ZKCHECK_IMAGE_VERSIONS:-3.8.0,3.9.6}"

say() { printf 'setup: %s\n' "$*"; }
die() {
  printf 'setup: error: %s\n' "$*" >&2
  exit 1
}

is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# --- 1. Debian packages -------------------------------------------------------------------------
missing=()
# docker.io brings dockerd + containerd + runc; a machine that already has an engine binary (or uses a
# remote DOCKER_HOST) does not need it.
if [[ -z "${ZKCHECK_SKIP_DOCKER:-}" ]] && ! command -v dockerd >/dev/null 2>&1 && [[ -z "${DOCKER_HOST:-}" ]]; then
  missing+=(docker.io)
fi
command -v debootstrap >/dev/null 2>&1 || is_installed debootstrap || missing+=(debootstrap)
is_installed openjdk-17-jre-headless || command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
is_installed zookeeper || missing+=(zookeeper)
# The clock nemesis preloads libfaketime into the local provider's JVMs (harness/cluster/clock.ts).
is_installed libfaketime || missing+=(libfaketime)
is_installed faketime || missing+=(faketime)
# The browser tests (test/browser.test.ts) drive Debian's chromium through playwright-core; the JUnit
# test validates with xmllint --schema.
command -v chromium >/dev/null 2>&1 || is_installed chromium || missing+=(chromium)
command -v xmllint >/dev/null 2>&1 || is_installed libxml2-utils || missing+=(libxml2-utils)

if ((${#missing[@]} > 0)); then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get here; install them by hand"
  [[ "$(id -u)" == 0 ]] || die "missing ${missing[*]}; run as root: sudo apt-get install -y ${missing[*]}"
  say "installing ${missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  apt-get "${apt_opts[@]}" update -qq >/dev/null || die "apt-get update failed"
  apt-get "${apt_opts[@]}" install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null ||
    die "apt-get install ${missing[*]} failed"
  # Debian's zookeeper package starts no service by itself, but make sure none holds port 2181.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet zookeeper 2>/dev/null; then
    systemctl stop zookeeper || true
  fi
else
  say "packages present (java, zookeeper, libfaketime, debootstrap, docker, chromium, xmllint)"
fi

if [[ -n "${ZKCHECK_SKIP_DOCKER:-}" ]]; then
  say "ZKCHECK_SKIP_DOCKER set: not starting Docker nor building the image"
  exit 0
fi

# --- 2. Docker engine ---------------------------------------------------------------------------
command -v docker >/dev/null 2>&1 || die "no docker CLI found (install docker.io)"
if docker info >/dev/null 2>&1; then
  say "Docker engine answers"
else
  [[ -z "${DOCKER_HOST:-}" ]] || die "DOCKER_HOST=$DOCKER_HOST does not answer (docker info failed)"
  [[ "$(id -u)" == 0 ]] || die "no Docker engine answers; start it as root (sudo dockerd &) or set DOCKER_HOST"
  command -v dockerd >/dev/null 2>&1 || die "no dockerd binary (apt-get install docker.io)"
  mkdir -p "$CACHE_DIR"
  say "starting dockerd in the background (log: $DOCKERD_LOG)"
  # setsid + nohup: the daemon must outlive this script and not hold its stdout (CI pipes).
  setsid nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
  for ((i = 0; i < 120; i++)); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || die "dockerd did not answer within 60 s; last log lines: $(tail -n 3 "$DOCKERD_LOG" | tr '\n' ' ')"
  say "Docker engine started"
fi
if ! docker network inspect bridge >/dev/null 2>&1; then
  die "Docker has no default 'bridge' network (dockerd --bridge=none?); Testcontainers needs it"
fi

# --- 3. local ZooKeeper images ------------------------------------------------------------------
if [[ -n "${ZKCHECK_SKIP_IMAGE:-}" ]]; then
  say "ZKCHECK_SKIP_IMAGE set: not building the images"
  exit 0
fi
# The versions `npm test` runs (harness/cluster/zookeeper-versions.test.ts): 3.8.0, the default, and
# 3.9.6. An image that exists and was built from the current recipe is kept (a second or two); one
# built from an older recipe is rebuilt (seconds from the cached rootfs, a minute or two without).
say "local ZooKeeper images ${IMAGE_VERSIONS}: building what is missing or stale"
cd "$ROOT"
if [[ -x node_modules/.bin/tsx ]]; then
  # From source, so setup does not depend on the rest of the project compiling.
  node_modules/.bin/tsx scripts/build-image.ts --zookeeper "$IMAGE_VERSIONS" || die "image build failed (see above)"
elif [[ -f dist/harness/cli.js ]]; then
  for version in ${IMAGE_VERSIONS//,/ }; do
    node bin/zkcheck.js image build --zookeeper "$version" || die "image build failed (see above)"
  done
else
  die "cannot build the images: run npm install first"
fi
say "done"
