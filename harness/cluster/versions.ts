/**
 * The ZooKeeper versions zkcheck knows how to build from Debian's archive, and the suite that ships
 * each (checked 2026-12: bookworm 3.8.0, trixie 3.9.3, forky and sid 3.9.6). A suite's point
 * release can move its version: the image build checks what it installed against what was asked.
 */

export interface DebianZooKeeper {
  /** Upstream version, the tag's prefix: zkcheck/zookeeper:<version>-debian. */
  readonly version: string;
  readonly suite: string;
}

export const DEBIAN_ZOOKEEPER: readonly DebianZooKeeper[] = Object.freeze([
  { version: '3.8.0', suite: 'bookworm' },
  { version: '3.9.3', suite: 'trixie' },
  { version: '3.9.6', suite: 'forky' },
]);

/** What runs when nobody names a version: bookworm's, the image `npm run setup` builds first. */
export const DEFAULT_ZOOKEEPER_VERSION = '3.8.0';

export const KNOWN_ZOOKEEPER_VERSIONS: readonly string[] = DEBIAN_ZOOKEEPER.map((d) => d.version);

/** A version no known Debian suite ships; its message is the one line users read. */
export class UnknownZooKeeperVersionError extends Error {
  override name = 'UnknownZooKeeperVersionError';
  constructor(readonly version: string) {
    super(
      `unknown ZooKeeper version ${JSON.stringify(version)}: zkcheck builds ${KNOWN_ZOOKEEPER_VERSIONS.join(', ')}`,
    );
  }
}

/** The Debian suite that ships `version`, or UnknownZooKeeperVersionError. */
export function debianSuiteFor(version: string): string {
  const known = DEBIAN_ZOOKEEPER.find((d) => d.version === version);
  if (!known) throw new UnknownZooKeeperVersionError(version);
  return known.suite;
}

/** Debian package version to upstream: 3.8.0-11+deb12u2 -> 3.8.0, 1:3.9.6-2 -> 3.9.6. */
export function upstreamVersion(debianVersion: string): string {
  return debianVersion.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
}
