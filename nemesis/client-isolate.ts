/**
 * client-isolate: cut the target nodes' client links both ways (the proxy in front of each node's
 * client port) while their peer links stay up: the node keeps serving the ensemble, but its
 * clients are shut out and the server hears nothing from them. Held past the session timeout
 * (--nemesis-duration longer than --session-timeout), their sessions expire on the servers, their
 * ephemeral nodes go, and when the link comes back each client's reconnect is told its session
 * expired. This is how a lock holder loses its lock while it still believes it holds it.
 *
 * Unlike client-cut (replies lost, requests still delivered: sessions stay alive), nothing gets
 * through. `reset` (default) closes the connections and refuses new ones, so clients see the
 * disconnect at once; `blackhole` drops every byte and keeps connections open, so they notice
 * only when the link returns.
 */
import type { NemesisEntry } from '../harness/runner/spec.js';
import type { CutMode, Ensemble } from '../harness/cluster/types.js';
import { familyPackage, fault } from './family.js';
import { targetsSetting, type TargetKind } from './targets.js';

const MODES: readonly CutMode[] = ['reset', 'blackhole'];

const clientProxies = (ensemble: Ensemble, nodes: readonly number[]): string[] =>
  nodes.map((id) => ensemble.links.client(id));

export const clientIsolate: NemesisEntry = {
  name: 'client-isolate',
  help: "cut nodes' client links both ways, peers untouched: held past --session-timeout, their clients' sessions expire",
  settings: [
    // The key the CLI fills is the flag's camelCase; targetsSetting would give 'client-isolateTargets'.
    { ...targetsSetting('client-isolate', 'one'), key: 'clientIsolateTargets' },
    {
      key: 'clientIsolateMode',
      flag: '--client-isolate-mode <mode>',
      kind: 'string',
      help: 'reset: connections closed, new ones refused (clients notice at once); blackhole: bytes dropped',
      default: 'reset',
      choices: MODES,
    },
  ],
  create: (options) => {
    const mode = options.settings.clientIsolateMode as CutMode;
    return familyPackage(
      {
        name: 'client-isolate',
        targets: options.settings.clientIsolateTargets as TargetKind,
        start: {
          f: 'isolate-clients',
          run: (e, nodes) => e.links.cut(clientProxies(e, nodes), mode, 'both'),
          describe: fault('cut off from its clients'),
        },
        stop: { f: 'restore-clients', run: (e, nodes) => e.links.heal(clientProxies(e, nodes)) },
        heal: {
          f: 'restore-all-clients',
          run: (e) =>
            e.links.heal(
              clientProxies(
                e,
                e.nodes.map((n) => n.id),
              ),
            ),
        },
      },
      options,
    );
  },
};
