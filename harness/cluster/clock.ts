/**
 * Node clocks through Debian's libfaketime: every server process runs with LD_PRELOAD=libfaketime
 * and FAKETIME_TIMESTAMP_FILE=<its conf dir>/faketime, a one-line file holding its clock's offset
 * from real time in seconds ("+0", "+3600", "-60"). `Ensemble.setClock` rewrites that file
 * (atomically, by rename); the library re-reads it when its cache is over a second old
 * (FAKETIME_CACHE_DURATION=1), so a change reaches the node within two seconds (measured: 0.5 to
 * 1.4 s). The host's clock is never touched: the nodes share it.
 *
 * What follows the file, measured on OpenJDK 17 with libfaketime 0.9.10 (bookworm):
 * - `System.currentTimeMillis`, `Instant.now` (log timestamps) and `System.nanoTime` (ZooKeeper's
 *   `Time.currentElapsedTime`: session expiry, tick and sync timeouts) all follow the offset: a
 *   step of +3600 s shows in the node's log lines and makes its elapsed-time timers see an hour
 *   pass at once; a step back makes `nanoTime` differences negative.
 * - `Thread.sleep`, `Object.wait`, `LockSupport.parkNanos` and timed queue polls keep their real
 *   durations across steps (the library converts their deadlines).
 * - But a JVM recomputes its deadlines from nanoTime: when the clock goes back, every timed loop
 *   that began before waits out the difference (an `Object.wait` of 600 s is fixed in real time
 *   when it starts, and setting the clock right again does not end it). A leader set back 600 s
 *   stops pinging its followers, they elect another leader within seconds, and it still says
 *   "leader" to `srvr` 30 s after its clock was set right. The clock nemesis restarts such nodes
 *   in its final heal.
 * - With FAKETIME_DONT_FAKE_MONOTONIC=1 (nanoTime left alone, which is what an NTP step does)
 *   every timed `Object.wait` and `parkNanos` returns at once, even at +0: an idle server then
 *   spins at about half a core (475 vs 3 CPU ticks per 10 s), so zkcheck fakes both clocks. The
 *   same holds with libfaketime 0.9.12 and Java 25 (forky's, in the 3.9.6 image).
 * - The single-threaded library (libfaketime.so.1) costs 0.2-0.4 us per time call with a 1 s
 *   cache (0.13 us without the library); libfaketimeMT.so.1 6.6 us, and FAKETIME_NO_CACHE=1
 *   20-55 us (a file read per call).
 * - On a real ensemble (3.8.0, local): a follower stepped +3600 s logs an hour ahead within two
 *   seconds, and closes its client connections once (its connection expiry runs on nanoTime);
 *   the clients reconnect. A leader stepped +3600 s keeps leading (10 s watched).
 */
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The library inside a Debian image, whatever its architecture (ld.so expands $LIB). */
export const IMAGE_FAKETIME_LIBRARY = '/usr/$LIB/faketime/libfaketime.so.1';

const LIBRARY = 'faketime/libfaketime.so.1';

/** This machine's libfaketime (Debian's package `libfaketime`), if installed. */
export function hostFaketimeLibrary(root = '/usr/lib'): string | undefined {
  const candidates = [join(root, LIBRARY)];
  try {
    for (const dir of readdirSync(root))
      if (dir.includes('-linux-')) candidates.push(join(root, dir, LIBRARY));
  } catch {
    // no /usr/lib
  }
  return candidates.find((path) => existsSync(path));
}

/** A node's clock file: beside its zoo.cfg, so a container sees it in /conf. */
export function clockFileOf(configFile: string): string {
  return join(dirname(configFile), 'faketime');
}

/** libfaketime's relative offset: "+3600", "-60", "+0". */
export function formatOffset(offsetSeconds: number): string {
  if (!Number.isFinite(offsetSeconds)) throw new RangeError(`clock offset ${offsetSeconds} is not a number`);
  const rounded = Math.round(offsetSeconds * 1000) / 1000;
  return rounded < 0 ? String(rounded) : `+${rounded}`;
}

/** Sets the offset a node's libfaketime reads: written beside, then renamed over the file. */
export function writeClockFile(file: string, offsetSeconds: number): void {
  const part = `${file}.part`;
  writeFileSync(part, `${formatOffset(offsetSeconds)}\n`, { mode: 0o644 });
  renameSync(part, file);
}

/**
 * The environment that makes a server's clock follow `clockFile` (as the server sees the path).
 * `inherited` is the environment it would otherwise get: an LD_PRELOAD there is kept, a FAKETIME
 * (which would override the file) is not.
 */
export function faketimeEnvironment(
  library: string,
  clockFile: string,
  inherited: NodeJS.ProcessEnv = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(inherited))
    if (value !== undefined && key !== 'FAKETIME') env[key] = value;
  env.LD_PRELOAD = [library, inherited.LD_PRELOAD].filter(Boolean).join(' ');
  env.FAKETIME_TIMESTAMP_FILE = clockFile;
  env.FAKETIME_CACHE_DURATION = '1';
  return env;
}
