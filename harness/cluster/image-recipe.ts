/**
 * What goes into a zkcheck ZooKeeper image, for every Debian suite alike: the packages, the files
 * written into the root filesystem, and `RECIPE`, a hash of all of it. An image carries the recipe
 * it was built from as a label, so a stale image (built before the recipe changed) is rebuilt
 * rather than run.
 */
import { createHash } from 'node:crypto';
import { renderLog4jProperties } from './zkconfig.js';

/**
 * Installed beside the suite's Java. zookeeper pulls SLF4J's API and log4j 1.2 itself; they are
 * named here because zkServer.sh needs their jars: slf4j-log4j12.jar (in forky, a link to the
 * reload4j binding, which log4j-1.2.jar serves as well) and log4j-1.2.jar, in every suite.
 * libfaketime is preloaded into the server so that the clock nemesis can move its clock (clock.ts).
 */
export const PACKAGES: readonly string[] = [
  'zookeeper',
  'libslf4j-java',
  'liblog4j1.2-java',
  'procps',
  'netcat-openbsd',
  'faketime',
  'libfaketime',
];

export const LOG4J_CONFIG_PATH = '/etc/zkcheck/log4j.properties';

/** The official image's entrypoint contract: write myid and a default zoo.cfg only when absent. */
export const ENTRYPOINT = `#!/bin/bash
set -e
mkdir -p "$ZOO_DATA_DIR" "$ZOO_DATA_LOG_DIR" "$ZOO_LOG_DIR" "$ZOO_CONF_DIR"
if [[ ! -f "$ZOO_CONF_DIR/zoo.cfg" ]]; then
  {
    echo "dataDir=$ZOO_DATA_DIR"
    echo "dataLogDir=$ZOO_DATA_LOG_DIR"
    echo "tickTime=\${ZOO_TICK_TIME:-2000}"
    echo "initLimit=\${ZOO_INIT_LIMIT:-5}"
    echo "syncLimit=\${ZOO_SYNC_LIMIT:-2}"
    echo "clientPort=\${ZOO_PORT:-2181}"
    echo "admin.enableServer=\${ZOO_ADMINSERVER_ENABLED:-false}"
    echo "4lw.commands.whitelist=\${ZOO_4LW_COMMANDS_WHITELIST:-srvr,mntr,ruok,stat,conf,cons}"
    for server in $ZOO_SERVERS; do echo "$server"; done
  } >"$ZOO_CONF_DIR/zoo.cfg"
fi
if [[ ! -f "$ZOO_DATA_DIR/myid" ]]; then
  echo "\${ZOO_MY_ID:-1}" >"$ZOO_DATA_DIR/myid"
fi
exec "$@"
`;

/**
 * Debian's zkServer.sh reads /etc/zookeeper; this one follows the official image (ZOOCFGDIR=/conf).
 * The log4j config lives outside /conf, which runs bind-mount over.
 */
export const ZKSERVER = `#!/bin/bash
# zkServer.sh for the zkcheck image: start-foreground (the official image's CMD), print-cmd, version.
CFG="\${ZOOCFGDIR:-/conf}/zoo.cfg"
CP="\${ZOOCFGDIR:-/conf}:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar:/usr/share/java/zookeeper.jar"
LOGGING="-Dlog4j.configuration=file:${LOG4J_CONFIG_PATH}"
case "$1" in
  start-foreground) exec java $LOGGING $SERVER_JVMFLAGS $JVMFLAGS -cp "$CP" org.apache.zookeeper.server.quorum.QuorumPeerMain "$CFG" ;;
  print-cmd) echo "java $LOGGING $SERVER_JVMFLAGS $JVMFLAGS -cp $CP org.apache.zookeeper.server.quorum.QuorumPeerMain $CFG" ;;
  version) exec java -cp "$CP" org.apache.zookeeper.version.VersionInfoMain ;;
  *) echo "usage: zkServer.sh {start-foreground|print-cmd|version}" >&2; exit 2 ;;
esac
`;

export const LOG4J_PROPERTIES = renderLog4jProperties();

/**
 * zookeeper depends on the suite's full JRE (default-jre: AWT, GTK, Mesa, LLVM; some 250 MB the
 * server never loads). This package stands in for it and pulls its headless half, which is all the
 * server runs on.
 */
export function headlessStandInControl(jre: string, headless: string): string {
  return [
    'Package: zkcheck-headless-jre',
    'Version: 1.0',
    'Architecture: all',
    'Maintainer: zkcheck <zkcheck@localhost>',
    `Provides: ${jre}`,
    `Depends: ${headless}`,
    `Description: ${jre} for zookeeper, met by ${headless} (no GUI libraries)`,
    '',
  ].join('\n');
}

/**
 * The Java runtime `apt-cache depends zookeeper` names: the first Depends (or alternative) that is a
 * JRE, JDK or java*-runtime. Undefined when there is none.
 */
export function javaDependency(aptCacheDepends: string): string | undefined {
  for (const line of aptCacheDepends.split('\n')) {
    const name = /^\s*\|?Depends:\s*<?([^\s>]+)>?/.exec(line)?.[1];
    if (name && /(^|-)(jre|jdk)(-headless)?$|^java\d*-runtime(-headless)?$/.test(name)) return name;
  }
  return undefined;
}

/** Bump when the build steps change in a way the strings above do not show. */
const STEPS_REVISION = 2;

export const RECIPE = createHash('sha256')
  .update(
    [
      STEPS_REVISION,
      PACKAGES.join(','),
      ENTRYPOINT,
      ZKSERVER,
      LOG4J_PROPERTIES,
      headlessStandInControl('JRE', 'HEADLESS'),
    ].join('\n'),
  )
  .digest('hex')
  .slice(0, 12);
