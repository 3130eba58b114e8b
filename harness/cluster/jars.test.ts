/**
 * Jar manifests and the local provider's installs, on jars written here: Debian's layout (manifest
 * class paths, remapped into a copy), binary releases (lib/), and the logging each one gets.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { debianClasspath, readManifest } from './jars.js';
import { findZooKeeperInstall, serverLoggingProperties } from './local.js';

/** A jar holding only META-INF/MANIFEST.MF, stored (0) or deflated (8). */
function writeJar(path: string, manifest: string, method: 0 | 8 = 8): void {
  const name = Buffer.from('META-INF/MANIFEST.MF');
  const raw = Buffer.from(manifest);
  const data = method === 8 ? deflateRawSync(raw) : raw;
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(method, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(raw.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(method, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(raw.length, 24);
  central.writeUInt16LE(name.length, 28);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  writeFileSync(path, Buffer.concat([local, name, data, central, name, end]));
}

const manifest = (classPath?: string) =>
  `Manifest-Version: 1.0\r\n${classPath ? `Class-Path: ${classPath}\r\n` : ''}\r\n`;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'zkcheck-jars-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('readManifest', () => {
  it('reads main attributes, joining 72-byte continuation lines, from stored and deflated jars', () => {
    const text =
      'Manifest-Version: 1.0\r\nClass-Path: /usr/share/java/commons-cli.jar /usr/share/java/commons-io.j\r\n ar /usr/share/java/slf4j-api.jar\r\nBuild-Jdk-Spec: 25\r\n\r\nName: a/b\r\nSealed: true\r\n';
    for (const method of [0, 8] as const) {
      writeJar(join(dir, `m${method}.jar`), text, method);
      expect(readManifest(join(dir, `m${method}.jar`))).toEqual({
        'Manifest-Version': '1.0',
        'Class-Path':
          '/usr/share/java/commons-cli.jar /usr/share/java/commons-io.jar /usr/share/java/slf4j-api.jar',
        'Build-Jdk-Spec': '25',
      });
    }
  });
});

describe('debianClasspath', () => {
  it("lists the copy's jars, each after the jars its manifest names, never this machine's /usr/share/java", () => {
    writeJar(
      join(dir, 'zookeeper-3.9.6.jar'),
      manifest('/usr/share/java/jute.jar /usr/share/java/databind.jar'),
    );
    symlinkSync('zookeeper-3.9.6.jar', join(dir, 'zookeeper.jar'));
    writeJar(join(dir, 'databind.jar'), manifest('/usr/share/java/core.jar /usr/share/java/absent.jar'));
    writeJar(join(dir, 'core.jar'), manifest());
    writeJar(join(dir, 'jute.jar'), manifest('zookeeper.jar')); // a cycle, relative
    writeJar(join(dir, 'binding.jar'), manifest('/usr/share/java/core.jar'));
    const classpath = debianClasspath(dir, ['binding.jar', 'zookeeper.jar']).map((jar) =>
      jar.slice(dir.length + 1),
    );
    expect(classpath).toEqual(['core.jar', 'binding.jar', 'jute.jar', 'databind.jar', 'zookeeper.jar']);
  });
});

describe('findZooKeeperInstall', () => {
  /** Debian's layout: zookeeper.jar -> zookeeper-<version>.jar, its dependencies, the bindings. */
  function debianJavaDir(
    javaDir: string,
    version: string,
    jars = ['slf4j-log4j12.jar', 'log4j-1.2.jar'],
  ): void {
    mkdirSync(javaDir, { recursive: true });
    writeJar(join(javaDir, `zookeeper-${version}.jar`), manifest('/usr/share/java/zookeeper-jute.jar'));
    symlinkSync(`zookeeper-${version}.jar`, join(javaDir, 'zookeeper.jar'));
    writeJar(join(javaDir, 'zookeeper-jute.jar'), manifest());
    for (const jar of jars) writeJar(join(javaDir, jar), manifest());
  }

  it("takes Debian's /usr/share/java layout, or a root filesystem holding one, with the log4j binding", () => {
    debianJavaDir(join(dir, 'usr/share/java'), '3.9.6');
    for (const zkHome of [dir, join(dir, 'usr/share/java')]) {
      const install = findZooKeeperInstall(zkHome);
      expect(install.version).toBe('3.9.6');
      expect(install.logging).toBe('log4j');
      expect(install.classpath.map((jar) => jar.slice(dir.length + 1))).toEqual([
        'usr/share/java/slf4j-log4j12.jar',
        'usr/share/java/log4j-1.2.jar',
        'usr/share/java/zookeeper-jute.jar',
        'usr/share/java/zookeeper.jar',
      ]);
      expect(install.description).toBe(`${join(dir, 'usr/share/java')} (Debian layout, zookeeper 3.9.6)`);
    }
  });

  it('falls back to slf4j-simple where log4j 1.2 is missing', () => {
    debianJavaDir(dir, '3.8.0', ['slf4j-simple.jar']);
    const install = findZooKeeperInstall(dir);
    expect(install.logging).toBe('simple');
    expect(install.classpath[0]).toBe(join(dir, 'slf4j-simple.jar'));
  });

  it('takes a binary release (lib/*.jar) and logs through its logback', () => {
    mkdirSync(join(dir, 'lib'));
    for (const jar of [
      'zookeeper-3.9.3.jar',
      'zookeeper-jute-3.9.3.jar',
      'logback-classic-1.2.13.jar',
      'slf4j-api-1.7.30.jar',
    ])
      writeJar(join(dir, 'lib', jar), manifest());
    const install = findZooKeeperInstall(dir);
    expect(install).toMatchObject({ version: '3.9.3', logging: 'logback', description: dir });
    expect(install.classpath).toHaveLength(4);
  });

  it('says what a directory lacks', () => {
    expect(() => findZooKeeperInstall(dir)).toThrow(
      `--zk-home ${dir}: neither a ZooKeeper binary release (lib/*.jar) nor Debian's layout`,
    );
    mkdirSync(join(dir, 'lib'));
    expect(() => findZooKeeperInstall(dir)).toThrow(`--zk-home ${dir}: no zookeeper-<version>.jar in lib/`);
  });
});

describe('serverLoggingProperties', () => {
  it("writes the node's log4j or logback config beside its zoo.cfg and points the JVM at it", () => {
    const configFile = join(dir, 'zoo.cfg');
    expect(serverLoggingProperties('log4j', configFile)).toEqual([
      `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`,
    ]);
    expect(readFileSync(join(dir, 'log4j.properties'), 'utf8')).toContain('%C{1}@%L');
    expect(serverLoggingProperties('logback', configFile)).toEqual([
      `-Dlogback.configurationFile=${join(dir, 'logback.xml')}`,
    ]);
    expect(readFileSync(join(dir, 'logback.xml'), 'utf8')).toContain('%C{0}@%L');
    expect(serverLoggingProperties('none', configFile)).toEqual([]);
  });
});
