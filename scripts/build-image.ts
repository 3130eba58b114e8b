/**
 * Builds the local ZooKeeper image from source (tsx), for scripts/setup.sh: setup must not depend on
 * the whole project compiling. Same code as `zkcheck image build`.
 */
import { buildImage } from '../harness/cluster/image.js';

try {
  const image = await buildImage({ force: process.argv.includes('--force') });
  process.stdout.write(
    `image: built ${image.tag} (ZooKeeper ${image.zookeeperVersion}) in ${image.seconds.toFixed(1)} s` +
      `${image.fromCache ? ' from the cached rootfs' : ''}\n`,
  );
} catch (error) {
  process.stderr.write(`image: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
