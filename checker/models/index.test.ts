import { describe, expect, it } from 'vitest';
import { defaultPartition, getModel, ModelError, MODELS } from './index.js';
import { ok } from './testing.js';
import { canonicalKey, render, sameValue, ValueTable } from './values.js';

describe('model registry', () => {
  it('has every model the issue names', () => {
    expect(Object.keys(MODELS).sort()).toEqual(
      [
        'cas-register',
        'fifo-queue',
        'kv',
        'lock',
        'multi-register',
        'mutex',
        'register',
        'set',
        'unordered-queue',
        'zk-versioned-register',
      ].sort(),
    );
    for (const [name, factory] of Object.entries(MODELS)) expect(factory({}).name).toBe(name);
  });

  it('rejects an unknown name, listing the valid ones', () => {
    expect(() => getModel('cas_register')).toThrow(
      'unknown model "cas_register"; valid models: register, cas-register, zk-versioned-register, mutex, lock, fifo-queue, unordered-queue, set, kv, multi-register',
    );
    expect(() => getModel('toString')).toThrow(/unknown model "toString"/);
  });

  it('builds a fresh model each time, with its options', () => {
    const a = getModel('cas-register', { init: 0 });
    expect(a).not.toBe(getModel('cas-register', { init: 0 }));
    expect(a.describe?.(a.init())).toBe('0');
    expect(() => getModel('mutex', { init: 'x' })).toThrow(ModelError);
  });
});

describe('defaultPartition', () => {
  it('splits by key in order of first appearance, keeping 1 and "1" apart', () => {
    const ops = [
      ok('read', null, 1, { key: 'b' }),
      ok('read', null, 1, { key: 1 }),
      ok('read', null, 1, { key: 'b' }),
      ok('read', null, 1, { key: '1' }),
    ];
    expect(defaultPartition(ops)).toEqual([[ops[0], ops[2]], [ops[1]], [ops[3]]]);
  });

  it('keeps a history without keys in one part', () => {
    const ops = [ok('read', null, 1), ok('write', 2, 2)];
    expect(defaultPartition(ops)).toEqual([ops]);
    expect(defaultPartition([])).toEqual([[]]);
  });
});

describe('values', () => {
  it('interns structurally equal values as one id, and looks up without growing', () => {
    const table = new ValueTable();
    const id = table.id({ a: [1, 2], b: null });
    expect(table.id({ b: null, a: [1, 2] })).toBe(id);
    expect(table.find({ a: [2, 1], b: null })).toBe(-1);
    expect(table.id(1)).not.toBe(table.id('1'));
    expect(table.id(NaN)).toBe(table.id(NaN));
    expect(table.id(-0)).toBe(table.id(0));
    expect(table.find('never')).toBe(-1);
    expect(table.value(id)).toEqual({ a: [1, 2], b: null });
  });

  it('gives canonical keys that separate types', () => {
    expect(canonicalKey({ b: 1, a: '1' })).toBe('{"a":"1","b":1}');
    expect(canonicalKey([1, '1', null, 2n, true])).toBe('[1,"1",null,2,true]');
    expect(sameValue([1, { x: 2 }], [1, { x: 2 }])).toBe(true);
    expect(sameValue(1, '1')).toBe(false);
  });

  it('renders briefly', () => {
    expect(render('a'.repeat(100), 10)).toBe('"aaaaaaaa…');
    expect(render(undefined)).toBe('undefined');
    expect(render(12n)).toBe('12');
  });
});
