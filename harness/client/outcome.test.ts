import { describe, expect, it } from 'vitest';
import { breaksSession, classify, complete, errorForHistory, ZkError } from './outcome.js';

const zk = (name: string, code?: number): ZkError => new ZkError(name, `op /k: ${name}`, code, '/k');

describe('classify', () => {
  it.each([
    ['BAD_VERSION', -103],
    ['NO_NODE', -101],
    ['NODE_EXISTS', -110],
    ['NOT_EMPTY', -111],
    ['BAD_ARGUMENTS', -8],
    ['NO_AUTH', -102],
    ['INVALID_ACL', -114],
    ['NO_CHILDREN_FOR_EPHEMERALS', -108],
    ['NOT_READ_ONLY', -119],
    ['QUOTA_EXCEEDED', -125],
    ['THROTTLED_OP', -127],
    ['NOT_SENT', undefined],
    ['INVALID_REQUEST', undefined],
  ])('records a write refused with %s as fail', (name, code) => {
    expect(classify(zk(name, code), 'write')).toBe('fail');
    expect(breaksSession(zk(name, code))).toBe(false);
  });

  it.each([
    ['CONNECTION_LOSS', -4],
    ['SESSION_EXPIRED', -112],
    ['OPERATION_TIMEOUT', -7],
    ['SESSION_MOVED', -118],
    ['REQUEST_TIMEOUT', -122],
    ['SYSTEM_ERROR', -1],
    ['MARSHALLING_ERROR', -5],
    ['UNKNOWN', -126],
    ['DEADLINE', undefined],
    ['SESSION_CLOSED', undefined],
  ])('records a write that ended with %s as info, and retires the session', (name, code) => {
    expect(classify(zk(name, code), 'write')).toBe('info');
    expect(breaksSession(zk(name, code))).toBe(true);
  });

  it('records a write that threw something other than a ZkError as info', () => {
    expect(classify(new Error('boom'), 'write')).toBe('info');
    expect(classify('boom', 'write')).toBe('info');
    expect(classify(undefined, 'write')).toBe('info');
  });

  it('records every failed read as fail, the deadline included', () => {
    for (const error of [
      zk('CONNECTION_LOSS', -4),
      zk('DEADLINE'),
      zk('SESSION_EXPIRED', -112),
      zk('NO_NODE', -101),
      new Error('x'),
    ]) {
      expect(classify(error, 'read')).toBe('fail');
    }
  });
});

describe('complete', () => {
  it('turns results and errors into history completions', async () => {
    await expect(complete('read', Promise.resolve(3))).resolves.toEqual({ type: 'ok', value: 3 });
    await expect(complete('write', Promise.reject(zk('BAD_VERSION', -103)))).resolves.toEqual({
      type: 'fail',
      error: { name: 'BAD_VERSION', code: -103, message: 'op /k: BAD_VERSION' },
    });
    await expect(complete('write', Promise.reject(zk('DEADLINE')))).resolves.toEqual({
      type: 'info',
      error: { name: 'DEADLINE', message: 'op /k: DEADLINE' },
    });
    await expect(complete('read', Promise.reject(zk('DEADLINE')))).resolves.toMatchObject({ type: 'fail' });
  });

  it('describes any thrown value for the history', () => {
    expect(errorForHistory(new TypeError('bad'))).toEqual({ name: 'TypeError', message: 'bad' });
    expect(errorForHistory(42)).toEqual({ name: 'Error', message: '42' });
  });
});
