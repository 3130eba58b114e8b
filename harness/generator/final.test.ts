import { describe, expect, it } from 'vitest';
import { finalPhase } from './final.js';
import { invocations, simulate } from './simulate.js';

describe('finalPhase', () => {
  it('heals on the nemesis thread, waits the recovery time, then reads on the clients', () => {
    const events = simulate(finalPhase({ f: 'heal-all' }, 2, [{ f: 'read' }, { f: 'read' }]), {
      threads: 2,
      seed: 1,
    });
    const ops = invocations(events).filter(([f]) => f !== 'log');
    expect(ops).toEqual([
      ['heal-all', 'nemesis', 0],
      ['sleep', 0, 10],
      ['read', 1, 2_000_000_010],
      ['read', 0, 2_000_000_010],
    ]);
    expect(events.filter((e) => e.special === 'log' && e.type === 'invoke').map((e) => e.value)).toEqual([
      'final phase: healing every fault',
      'final phase: waiting 2 s for recovery',
      'final phase: final reads',
    ]);
  });

  it('with nothing to heal (no nemesis) there is nothing to recover from: the reads come at once', () => {
    const events = simulate(finalPhase(null, 5, [{ f: 'read' }]), { threads: 2, seed: 1 });
    expect(invocations(events).filter(([f]) => f !== 'log')).toEqual([['read', 1, 0]]);
    expect(events.filter((e) => e.special === 'log' && e.type === 'invoke').map((e) => e.value)).toEqual([
      'final phase: final reads',
    ]);
  });

  it('with nothing to heal and no reads, it is empty', () => {
    expect(invocations(simulate(finalPhase(null, 1, null), { threads: 2, seed: 1 }))).toEqual([]);
  });
});
