/**
 * zoo.cfg and the logging config for one node.
 *
 * Every peer link goes through a proxy, so each node gets its own view of the ensemble: in node
 * i's zoo.cfg, `server.k` (k != i) is the listen address of the proxy for the directed link i->k
 * (127.0.i.k, with a port of its own per link kind).
 *
 * ZooKeeper's election (QuorumCnxManager) keeps one connection per pair, opened by the higher id:
 * when a lower id dials, the higher one hangs up and dials back to the address the lower one
 * *advertised* in its first message, which ZooKeeper 3.8 sends as the resolved IP of its own
 * `server.i` line. Any real address there would let that dial-back bypass every proxy. So node
 * i's own line advertises `[::1]`, which its IPv4-only JVM (java.net.preferIPv4Stack) cannot
 * dial, and `quorumListenOnAllIPs=true` makes it listen on its real ports anyway (the wildcard
 * address, port only). A dial-back then fails at once, and the higher id connects through its own
 * config: through the proxy.
 *
 * One zoo.cfg serves ZooKeeper 3.8.0, 3.9.3 and 3.9.6 alike: every key below means the same in all
 * three, and the ones whose defaults would hurt are set explicitly (the AdminServer is on by default
 * and would bind 8080; the four-letter-word whitelist holds only `srvr` by default). A key that one
 * version lacks would be harmless anyway: unknown keys become `zookeeper.*` system properties.
 */

export interface ZkTiming {
  tickTimeMs: number;
  initLimit: number;
  syncLimit: number;
  /** Election connection timeout (QuorumCnxManager), ms. */
  cnxTimeoutMs: number;
}

/**
 * Fast but not twitchy on 2 shared cores: a follower drops a silent leader after
 * syncLimit*tickTime = 2 s, a new leader waits for followers up to initLimit*tickTime = 5 s.
 */
export const DEFAULT_TIMING: Readonly<ZkTiming> = Object.freeze({
  tickTimeMs: 200,
  initLimit: 25,
  syncLimit: 10,
  cnxTimeoutMs: 1000,
});

/** Where one node reaches a server: its own real ports, or a link proxy's for a peer. */
export interface ServerAddress {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
}

/** What a node advertises for itself: an address no peer can dial (see the header). */
export const UNDIALABLE_SELF_HOST = '[::1]';

/** The loopback address the proxies for the directed link from->to listen on. */
export function linkAddress(from: number, to: number): string {
  if (from < 1 || to < 1 || from > 254 || to > 254 || from === to) throw new Error(`no link ${from}->${to}`);
  return `127.0.${from}.${to}`;
}

export interface ZooCfgInput {
  id: number;
  clientPort: number;
  dataDir: string;
  dataLogDir: string;
  /** How this node reaches every server, itself included. */
  servers: readonly ServerAddress[];
  timing: ZkTiming;
}

export function renderZooCfg(input: ZooCfgInput): string {
  const { timing } = input;
  const lines = [
    `# written by zkcheck for server ${input.id}`,
    `tickTime=${timing.tickTimeMs}`,
    `initLimit=${timing.initLimit}`,
    `syncLimit=${timing.syncLimit}`,
    // Unknown keys become zookeeper.* system properties: this sets zookeeper.cnxTimeout.
    `cnxTimeout=${timing.cnxTimeoutMs}`,
    // Clients (workloads) pick their own session timeouts; don't clamp them to 20 ticks.
    `minSessionTimeout=${2 * timing.tickTimeMs}`,
    `maxSessionTimeout=60000`,
    `dataDir=${input.dataDir}`,
    `dataLogDir=${input.dataLogDir}`,
    `clientPort=${input.clientPort}`,
    `clientPortAddress=127.0.0.1`,
    `maxClientCnxns=0`,
    // 64 MB preallocated per log file x 7 nodes adds up; 4 MB is plenty for tests.
    `preAllocSize=4096`,
    `4lw.commands.whitelist=*`,
    // The AdminServer would bind 8080 on the host network: every node would collide.
    `admin.enableServer=false`,
    `reconfigEnabled=false`,
    `standaloneEnabled=${input.servers.length === 1}`,
    // Listen on the real ports although the own server line is undialable (see the header).
    `quorumListenOnAllIPs=true`,
    ...input.servers.map((s) => `server.${s.id}=${s.host}:${s.quorumPort}:${s.electionPort}:participant`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Server log lines: `%C{1}@%L` names the class and line that logged (`QuorumPeer@922] - Peer state
 * changed: following - synchronization`), so log-marker triggers match one exact statement, and the
 * timestamp carries its zone so container (UTC) and local logs line up.
 */
export const LOG_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSZ} [myid:%X{myid}] - %-5p [%t:%C{1}@%L] - %m%n";

/** log4j 1.2 (or reload4j) config: everything from INFO up to stdout, in LOG_PATTERN. */
export function renderLog4jProperties(): string {
  return [
    '# written by zkcheck: ZooKeeper logs to stdout (container logs, the node log file)',
    'log4j.rootLogger=INFO, CONSOLE',
    'log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender',
    'log4j.appender.CONSOLE.Target=System.out',
    'log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout',
    `log4j.appender.CONSOLE.layout.ConversionPattern=${LOG_PATTERN}`,
    '',
  ].join('\n');
}

/** The same for logback (upstream binary releases): its `%C{0}` is log4j's `%C{1}`. */
export function renderLogbackXml(): string {
  const pattern = LOG_PATTERN.replace('%C{1}', '%C{0}');
  return [
    '<!-- written by zkcheck: ZooKeeper logs to stdout (the node log file) -->',
    '<configuration>',
    '  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">',
    `    <encoder><pattern>${pattern}</pattern></encoder>`,
    '  </appender>',
    '  <root level="INFO"><appender-ref ref="CONSOLE"/></root>',
    '</configuration>',
    '',
  ].join('\n');
}
