/**
 * Builds local ZooKeeper images from source (tsx), for scripts/setup.sh: setup must not depend on
 * the whole project compiling. Same code as `zkcheck image build`.
 *
 *   tsx scripts/build-image.ts [--zookeeper 3.8.0,3.9.6] [--force]
 *
 * Without --force an image that exists and is current (same recipe) is kept, so a second run takes
 * a second; --force rebuilds the root filesystem too.
 */
import { parseArgs } from 'node:util';
import { ensureVersionImage } from '../harness/cluster/image-store.js';
import { DEFAULT_ZOOKEEPER_VERSION } from '../harness/cluster/versions.js';

const { values } = parseArgs({
  options: {
    zookeeper: { type: 'string', default: DEFAULT_ZOOKEEPER_VERSION },
    force: { type: 'boolean', default: false },
  },
});

try {
  for (const version of values.zookeeper.split(',').filter(Boolean)) {
    const { tag, built } = await ensureVersionImage(version, {
      force: values.force,
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(
      built
        ? `image: built ${tag} (ZooKeeper ${built.zookeeperVersion}, Java ${built.javaVersion}) in ` +
            `${built.seconds.toFixed(1)} s${built.fromCache ? ' from the cached rootfs' : ''}\n`
        : `image: ${tag} is present and current\n`,
    );
  }
} catch (error) {
  process.stderr.write(`image: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
