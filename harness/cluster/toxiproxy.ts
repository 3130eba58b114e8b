/**
 * The Toxiproxy-API server an ensemble's proxies live on: the user's (`--toxiproxy-url`), or our
 * own fault proxy server started as a child process (harness/proxy/server.ts; a separate process so
 * the harness's GC pauses never leak into peer traffic).
 */
import { Toxiproxy } from 'toxiproxy-node-client';
import { killHard } from './processes.js';
import { processLabel } from './hygiene.js';
import { EnsembleError } from './types.js';

export interface ToxiproxyHost {
  readonly url: string;
  /** pid of the server we started; undefined for a user-given Toxiproxy */
  readonly pid?: number;
  readonly description: string;
  stop(): Promise<void>;
  stopSync(): void;
}

export async function startToxiproxyHost(runId: string, url?: string): Promise<ToxiproxyHost> {
  if (url) {
    const version = await new Toxiproxy(url.replace(/\/+$/, '')).getVersion().catch((error: Error) => {
      throw new EnsembleError(`--toxiproxy-url ${url} does not answer: ${error.message}`);
    });
    return {
      url: url.replace(/\/+$/, ''),
      description: `Toxiproxy ${version.trim()} at ${url}`,
      stop: async () => undefined,
      stopSync: () => undefined,
    };
  }
  // Loaded only when needed: a user's Toxiproxy needs none of it.
  const { startFaultProxyServer } = await import('../proxy/server.js');
  const server = await startFaultProxyServer({ host: '127.0.0.1', port: 0, label: processLabel(runId) });
  return {
    url: server.url,
    pid: server.pid,
    description: `zkcheck fault proxy (pid ${server.pid}) at ${server.url}`,
    stop: () => server.stop(),
    stopSync: () => killHard(server.pid),
  };
}
