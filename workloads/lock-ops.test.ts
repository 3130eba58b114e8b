/**
 * The lock workload's ops on a stand-in session, no ensemble: what a holder whose session is
 * disconnected records. Its increments are not sent (`applied: null`: it keeps believing, and no
 * call waits out a deadline that would retire the session); its release waits for the link or for
 * news of the expiry, and is then sent or refused; an unfenced increment through a newer session
 * than the holding one says so (`via`).
 */
import { describe, expect, it } from 'vitest';
import type { ZkSession } from '../harness/client/session.js';
import type { GenOp } from '../harness/generator/types.js';
import { lockWorkload, type LockSettings } from './lock.js';

const SETTINGS: LockSettings = {
  lockCount: 1,
  holdSeconds: 0,
  acquireTimeoutSeconds: 1,
  pollMs: 10,
  livenessBoundMs: 1000,
};

/** A session that answers every call at once, records the calls, and can be cut off or expired. */
function fakeSession(id: string) {
  const calls: string[] = [];
  const state = {
    calls,
    usable: true,
    brokenReason: undefined as string | undefined,
    connected: true,
    sessionId: id,
    negotiatedTimeoutMs: 200,
    create: (path: string) => {
      calls.push(`create ${path}`);
      return Promise.resolve({ path: `${path}0000000001` });
    },
    getChildren: (path: string) => {
      calls.push(`getChildren ${path}`);
      return Promise.resolve({ children: ['n-0000000001'] });
    },
    getData: (path: string) => {
      calls.push(`getData ${path}`);
      return Promise.resolve({ value: '4', version: 5 });
    },
    setData: (path: string) => {
      calls.push(`setData ${path}`);
      return Promise.resolve({});
    },
    multi: () => {
      calls.push('multi');
      return Promise.resolve({ results: [{ op: 'check' }, { op: 'setData', stat: { version: 6 } }] });
    },
    delete: (path: string) => {
      calls.push(`delete ${path}`);
      return Promise.resolve({});
    },
  };
  return { state, session: state as unknown as ZkSession };
}

const HELD = { node: 'n-0000000001', seq: 1 };
const op = (f: string, value: unknown = HELD): GenOp => ({
  type: 'invoke',
  f,
  key: 0,
  value,
  process: 7,
  time: 0,
});

async function holding() {
  const workload = lockWorkload(SETTINGS, { concurrency: 1 });
  const { state, session } = fakeSession('0xa');
  const granted = await workload.invoke(session, op('acquire', null));
  expect(granted).toMatchObject({ type: 'ok', value: { ...HELD, session: '0xa' } });
  state.calls.length = 0;
  return { workload, state, session };
}

describe('the lock workload with its session cut off', () => {
  it("records a disconnected holder's increments as not sent, making no call", async () => {
    const { workload, state, session } = await holding();
    state.connected = false;
    for (const f of ['incr-fenced', 'incr-unfenced'])
      expect(await workload.invoke(session, op(f))).toMatchObject({
        type: 'ok',
        value: { applied: null, reason: 'disconnected', session: '0xa' },
      });
    expect(state.calls).toEqual([]);
    state.connected = true;
    expect(await workload.invoke(session, op('incr-fenced'))).toMatchObject({
      type: 'ok',
      value: { applied: true, value: 5, version: 6 },
    });
    expect(state.calls).toEqual(['getData /lockdata/0-fenced', 'multi']);
  });

  it('waits with a release until the expiry is known, then refuses it without a call', async () => {
    const { workload, state, session } = await holding();
    state.connected = false;
    setTimeout(() => {
      state.usable = false;
      state.brokenReason = 'session expired';
    }, 50);
    expect(await workload.invoke(session, op('release'))).toMatchObject({
      type: 'ok',
      value: { deleted: false, reason: 'session session expired' },
    });
    expect(state.calls).toEqual([]);
  });

  it('waits with a release until the link is back, then sends it', async () => {
    const { workload, state, session } = await holding();
    state.connected = false;
    setTimeout(() => (state.connected = true), 50);
    expect(await workload.invoke(session, op('release'))).toMatchObject({
      type: 'ok',
      value: { deleted: true },
    });
    expect(state.calls).toEqual(['delete /lock/0/n-0000000001']);
  });

  it('sends a release anyway once twice the session timeout has passed with no link', async () => {
    const { workload, state, session } = await holding();
    state.connected = false;
    const started = performance.now();
    expect(await workload.invoke(session, op('release'))).toMatchObject({ value: { deleted: true } });
    expect(performance.now() - started).toBeGreaterThanOrEqual(2 * state.negotiatedTimeoutMs - 5);
    expect(state.calls).toEqual(['delete /lock/0/n-0000000001']);
  });

  it('marks an unfenced increment through a newer session than the holding one', async () => {
    const { workload, state: held } = await holding();
    held.usable = false;
    held.brokenReason = 'session expired';
    const { session: newer } = fakeSession('0xb');
    expect(await workload.invoke(newer, op('incr-unfenced'))).toMatchObject({
      type: 'ok',
      value: { applied: true, value: 5, session: '0xa', via: '0xb' },
    });
    expect(await workload.invoke(newer, op('incr-fenced'))).toMatchObject({
      type: 'ok',
      value: { applied: false, reason: 'session session expired' },
    });
  });
});
