/**
 * The pure parts of image building and version selection: the version table, the Java a suite's
 * zookeeper depends on, debootstrap's script, the recipe's files, the zoo.cfg every version takes,
 * and the one-line refusals of flags that cannot work. The builds themselves run in
 * zookeeper-versions.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { headlessStandInControl, javaDependency, LOG4J_PROPERTIES, ZKSERVER } from './image-recipe.js';
import { debootstrapArgs, imageTag, versionImageTag } from './image.js';
import { chooseImage } from './select.js';
import {
  DEBIAN_ZOOKEEPER,
  debianSuiteFor,
  DEFAULT_ZOOKEEPER_VERSION,
  UnknownZooKeeperVersionError,
  upstreamVersion,
} from './versions.js';
import { LOG_PATTERN, renderLogbackXml, renderZooCfg, DEFAULT_TIMING } from './zkconfig.js';

describe('versions', () => {
  it('maps each known version to the Debian suite that ships it', () => {
    expect(DEBIAN_ZOOKEEPER.map((d) => [d.version, debianSuiteFor(d.version)])).toEqual([
      ['3.8.0', 'bookworm'],
      ['3.9.3', 'trixie'],
      ['3.9.6', 'forky'],
    ]);
    expect(DEFAULT_ZOOKEEPER_VERSION).toBe('3.8.0');
  });

  it('refuses an unknown version in one line naming the known ones', () => {
    expect(() => debianSuiteFor('3.7.1')).toThrow(UnknownZooKeeperVersionError);
    expect(() => debianSuiteFor('3.7.1')).toThrow(
      'unknown ZooKeeper version "3.7.1": zkcheck builds 3.8.0, 3.9.3, 3.9.6',
    );
  });

  it("turns Debian's package versions into upstream ones and image tags", () => {
    expect(upstreamVersion('3.8.0-11+deb12u2')).toBe('3.8.0');
    expect(upstreamVersion('3.9.3-1+deb13u1')).toBe('3.9.3');
    expect(upstreamVersion('1:3.9.6-2')).toBe('3.9.6');
    expect(imageTag('3.9.6-2')).toBe('zkcheck/zookeeper:3.9.6-debian');
    expect(versionImageTag('3.9.3')).toBe('zkcheck/zookeeper:3.9.3-debian');
  });
});

describe('javaDependency', () => {
  it('finds the JRE that `apt-cache depends zookeeper` names (bookworm, trixie and forky all say default-jre)', () => {
    const forky =
      'zookeeper\n  Depends: adduser\n  Depends: default-jre\n  Depends: libzookeeper-java\n  Recommends: libjline3-java\n';
    expect(javaDependency(forky)).toBe('default-jre');
  });

  it('takes alternatives and virtual packages, and says when there is none', () => {
    expect(
      javaDependency(
        'zookeeper\n  Depends: adduser\n |Depends: openjdk-17-jre-headless\n  Depends: <java11-runtime-headless>\n',
      ),
    ).toBe('openjdk-17-jre-headless');
    expect(javaDependency('zookeeper\n  Depends: <java11-runtime>\n')).toBe('java11-runtime');
    expect(javaDependency('zookeeper\n  Depends: adduser\n  Depends: libzookeeper-java\n')).toBeUndefined();
  });

  it('stands in for the full JRE with a package that provides it and pulls its headless half', () => {
    expect(headlessStandInControl('default-jre', 'default-jre-headless')).toMatch(
      /^Package: zkcheck-headless-jre\n(.+\n)*Provides: default-jre\nDepends: default-jre-headless\n/,
    );
  });
});

describe('debootstrapArgs', () => {
  it("uses the suite's own script, or sid's for a suite newer than this debootstrap (forky)", () => {
    const scripts = mkdtempSync(join(tmpdir(), 'zkcheck-debootstrap-'));
    try {
      for (const suite of ['bookworm', 'trixie', 'sid']) writeFileSync(join(scripts, suite), '');
      expect(debootstrapArgs('trixie', '/r', 'http://m', scripts)).toEqual([
        '--variant=minbase',
        'trixie',
        '/r',
        'http://m',
      ]);
      expect(debootstrapArgs('forky', '/r', 'http://m', scripts)).toEqual([
        '--variant=minbase',
        'forky',
        '/r',
        'http://m',
        join(scripts, 'sid'),
      ]);
    } finally {
      rmSync(scripts, { recursive: true, force: true });
    }
  });
});

describe('the files an image is built with', () => {
  it('zkServer.sh runs QuorumPeerMain with the log4j binding and the baked-in log4j config', () => {
    expect(ZKSERVER).toContain('/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar');
    expect(ZKSERVER).toContain('-Dlog4j.configuration=file:/etc/zkcheck/log4j.properties');
    expect(ZKSERVER).not.toMatch(/openjdk|java-\d+/);
  });

  it('logs go to stdout with the class and line of each statement', () => {
    expect(LOG4J_PROPERTIES).toContain('log4j.appender.CONSOLE.Target=System.out');
    expect(LOG4J_PROPERTIES).toContain(`ConversionPattern=${LOG_PATTERN}`);
    expect(LOG_PATTERN).toContain('[%t:%C{1}@%L] - %m%n');
    // logback abbreviates %C{1} to one letter per package; %C{0} is the simple class name.
    expect(renderLogbackXml()).toContain('[%t:%C{0}@%L] - %m%n');
  });
});

describe('zoo.cfg for every version', () => {
  it('keeps the AdminServer off, whitelists every four-letter word and disables reconfig', () => {
    const cfg = renderZooCfg({
      id: 1,
      clientPort: 2181,
      dataDir: '/data',
      dataLogDir: '/datalog',
      servers: [{ id: 1, host: '[::1]', quorumPort: 2888, electionPort: 3888 }],
      timing: DEFAULT_TIMING,
    });
    expect(cfg).toMatch(/^admin\.enableServer=false$/m);
    expect(cfg).toMatch(/^4lw\.commands\.whitelist=\*$/m);
    expect(cfg).toMatch(/^reconfigEnabled=false$/m);
  });
});

describe('chooseImage', () => {
  it('refuses an image and a version together', async () => {
    await expect(chooseImage({ image: 'zookeeper:3.8', zookeeperVersion: '3.9.6' })).rejects.toThrow(
      'give an image (zookeeper:3.8) or a ZooKeeper version (3.9.6), not both',
    );
  });
});
