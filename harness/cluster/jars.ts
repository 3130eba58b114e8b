/**
 * Class paths from Debian-style jar directories. Debian's jars name their dependencies in their
 * manifests' `Class-Path`, as absolute /usr/share/java paths. A copy of those jars elsewhere (another
 * version's, unpacked from a rootfs) would then load this machine's /usr/share/java jars: the JVM
 * searches a jar's `Class-Path` entries right after the jar itself. So the class path lists every jar
 * of the closure from the copy, each after the jars it names: a manifest's host paths come after the
 * copy's own jar of the same name, and never serve a class.
 */
import { closeSync, existsSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const DEBIAN_JAVA_DIR = '/usr/share/java';

const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const CENTRAL_FILE_HEADER = 0x02014b50;

/** The main attributes of a jar's META-INF/MANIFEST.MF ({} when it has none). */
export function readManifest(jar: string): Record<string, string> {
  const text = readZipEntry(jar, 'META-INF/MANIFEST.MF');
  if (text === undefined) return {};
  const attributes: Record<string, string> = {};
  let last: string | undefined;
  // Lines are at most 72 bytes: a line that starts with a space continues the previous one.
  for (const line of text.split(/\r?\n/)) {
    if (line === '') break; // the main section ends at the first blank line
    if (line.startsWith(' ') && last) attributes[last] += line.slice(1);
    else {
      const colon = line.indexOf(': ');
      if (colon < 0) continue;
      last = line.slice(0, colon);
      attributes[last] = line.slice(colon + 2);
    }
  }
  return attributes;
}

/** One entry of a zip file as text, from its central directory (stored or deflated). */
function readZipEntry(zip: string, name: string): string | undefined {
  const fd = openSync(zip, 'r');
  try {
    const size = statSync(zip).size;
    // The end record is the last 22 bytes plus a comment of up to 64 KiB.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = read(fd, size - tailLength, tailLength);
    let end = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === END_OF_CENTRAL_DIRECTORY) {
        end = i;
        break;
      }
    }
    if (end < 0) return undefined;
    const entries = tail.readUInt16LE(end + 10);
    const directory = read(fd, tail.readUInt32LE(end + 16), tail.readUInt32LE(end + 12));
    for (let at = 0, n = 0; n < entries && directory.readUInt32LE(at) === CENTRAL_FILE_HEADER; n++) {
      const nameLength = directory.readUInt16LE(at + 28);
      const skip = 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
      if (directory.toString('utf8', at + 46, at + 46 + nameLength) === name) {
        const method = directory.readUInt16LE(at + 10);
        const compressed = directory.readUInt32LE(at + 20);
        const local = read(fd, directory.readUInt32LE(at + 42), 30);
        const dataStart =
          directory.readUInt32LE(at + 42) + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
        const data = read(fd, dataStart, compressed);
        if (method === 0) return data.toString('utf8');
        if (method === 8) return inflateRawSync(data).toString('utf8');
        return undefined;
      }
      at += skip;
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function read(fd: number, position: number, length: number): Buffer {
  const buffer = Buffer.alloc(length);
  const got = readSync(fd, buffer, 0, length, position);
  return buffer.subarray(0, got);
}

/**
 * Where a jar's `Class-Path` entry is in the copy at `dir`: /usr/share/java/x.jar -> dir/x.jar,
 * relative entries beside the jar. Undefined when the copy lacks it (the JVM skips missing entries too).
 */
function resolveEntry(entry: string, dir: string, jar: string): string | undefined {
  const path = entry.startsWith(`${DEBIAN_JAVA_DIR}/`)
    ? join(dir, entry.slice(DEBIAN_JAVA_DIR.length + 1))
    : entry.startsWith('/')
      ? entry
      : join(dirname(jar), entry);
  return existsSync(path) ? path : undefined;
}

/**
 * The jars `roots` (names in `dir`) need, through their manifests' `Class-Path`, each listed after the
 * jars it names (so a root comes after its dependencies). Jars are compared by their real paths,
 * since Debian's versioned names are symlinks.
 */
export function debianClasspath(dir: string, roots: readonly string[]): string[] {
  const ordered: string[] = [];
  const seen = new Set<string>();
  const visit = (jar: string) => {
    const real = realpathSync(jar);
    if (seen.has(real)) return;
    seen.add(real);
    const classPath = readManifest(jar)['Class-Path'] ?? '';
    for (const entry of classPath.split(/\s+/).filter(Boolean)) {
      const dependency = resolveEntry(entry, dir, jar);
      if (dependency) visit(dependency);
    }
    ordered.push(jar);
  };
  for (const root of roots) visit(join(dir, basename(root)));
  return ordered;
}
