/**
 * The ids workload without an ensemble: which claims each source declares, and a setup on a
 * stand-in session that refuses a counter someone already moved (next-linearizable counts
 * versions from 0) but takes one left at version 0 by its own earlier attempt.
 */
import { describe, expect, it } from 'vitest';
import type { ZkSession } from '../harness/client/session.js';
import { idsWorkload } from './ids.js';

const workload = (counterShare: number) =>
  idsWorkload({
    concurrency: 2,
    rate: 0,
    timeLimitSeconds: 1,
    settings: { counterShare, generators: 1 },
  });

/** Every znode exists already; the counter is at `version`. */
function existing(version: number): ZkSession {
  return {
    create: () => Promise.reject(Object.assign(new Error('exists'), { name: 'NODE_EXISTS' })),
    getChildren: () => Promise.resolve({ children: [] }),
    getData: () => Promise.resolve({ data: Buffer.from('0'), version }),
  } as unknown as ZkSession;
}

describe('the ids workload', () => {
  it('declares the counter linearizable only when it uses the counter', () => {
    const names = (share: number) => workload(share).claims.map((claim) => claim.name);
    expect(names(0.3)).toEqual([
      'id-unique',
      'id-increasing',
      'next-unique',
      'next-increasing',
      'next-linearizable',
    ]);
    expect(names(0)).toEqual(['id-unique', 'id-increasing']);
    expect(workload(1).claims.find((claim) => claim.name === 'next-linearizable')).toMatchObject({
      promised: true,
      checker: 'counter-linearizable',
      options: { f: 'next' },
    });
  });

  it('refuses a counter that has moved, and takes one at version 0', async () => {
    await expect(workload(1).setup(existing(4))).rejects.toThrow(
      '/ids/counter is already at version 4: the ids workload needs a fresh ensemble',
    );
    await expect(workload(1).setup(existing(0))).resolves.toBeUndefined();
  });
});
