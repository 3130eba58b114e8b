import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleInterrupts } from './interrupt.js';

describe('handleInterrupts', () => {
  afterEach(() => vi.restoreAllMocks());

  it('aborts on the first signal, and exits with 130 on the second after its last words', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    const said: string[] = [];
    const marked: string[] = [];
    const interrupt = handleInterrupts({
      out: (text) => said.push(text),
      beforeExit: () => marked.push('interrupted'),
    });
    try {
      process.emit('SIGINT');
      expect(interrupt.signal.aborted).toBe(true);
      expect(exit).not.toHaveBeenCalled();
      expect(said.join('')).toMatch(/stopping new ops, waiting for those in flight/);
      process.emit('SIGTERM');
      expect(marked).toEqual(['interrupted']);
      expect(exit).toHaveBeenCalledWith(130);
    } finally {
      interrupt.dispose();
    }
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('follows a caller signal, also one aborted already', () => {
    const caller = new AbortController();
    caller.abort();
    const interrupt = handleInterrupts({ out: () => undefined, also: caller.signal });
    expect(interrupt.signal.aborted).toBe(true);
    interrupt.dispose();
    const later = new AbortController();
    const second = handleInterrupts({ out: () => undefined, also: later.signal });
    expect(second.signal.aborted).toBe(false);
    later.abort();
    expect(second.signal.aborted).toBe(true);
    second.dispose();
  });
});
