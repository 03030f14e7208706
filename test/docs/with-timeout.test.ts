import { describe, expect, it } from 'vitest';
import { snippetTimeoutMs, withTimeout } from './with-timeout';

describe('withTimeout (the browser doc snippets’ per-snippet limit)', () => {
  it('fails a never-settling promise with its label', async () => {
    const never = new Promise<string>(() => {});
    await expect(withTimeout(never, 20, 'docs/browser.md:73')).rejects.toThrow(
      'docs/browser.md:73 timed out after 20 ms',
    );
  });

  it('passes a value or an error through when the promise settles in time', async () => {
    await expect(withTimeout(Promise.resolve('ok'), 1000, 'x')).resolves.toBe('ok');
    await expect(withTimeout(Promise.reject(new Error('boom')), 1000, 'x')).rejects.toThrow('boom');
  });

  it('does not report a rejection that comes after the timeout', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const late = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('page closed')), 40));
      await expect(withTimeout(late, 10, 'snippet')).rejects.toThrow('snippet timed out after 10 ms');
      await new Promise((resolve) => setTimeout(resolve, 80));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('rejects a limit that is not a positive number', () => {
    expect(() => withTimeout(Promise.resolve(1), 0, 'x')).toThrow(/ms must be a finite number > 0, got 0/);
    expect(() => withTimeout(Promise.resolve(1), Number.NaN, 'x')).toThrow(/got NaN/);
  });

  it('reads DOC_SNIPPET_TIMEOUT_MS, 120 s without it', () => {
    expect(snippetTimeoutMs({})).toBe(120_000);
    expect(snippetTimeoutMs({ DOC_SNIPPET_TIMEOUT_MS: '5000' })).toBe(5000);
    expect(() => snippetTimeoutMs({ DOC_SNIPPET_TIMEOUT_MS: 'soon' })).toThrow(/must be an integer number of ms/);
    expect(() => snippetTimeoutMs({ DOC_SNIPPET_TIMEOUT_MS: '-1' })).toThrow(/got '-1'/);
  });
});
