import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it, vi } from 'vitest';
import { initBackend } from '../../src/backend/init-backend';

describe('initBackend', () => {
  it('defaults to wasm and readies it', async () => {
    expect(await initBackend()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const y = tf.add(tf.scalar(1), tf.scalar(2));
    expect(await y.data()).toEqual(new Float32Array([3]));
    y.dispose();
  });

  it('switches to cpu, without the cpu backend\'s "install the node backend" notice', async () => {
    const warn = vi.spyOn(console, 'warn');
    try {
      expect(await initBackend('cpu')).toBe('cpu');
      expect(tf.getBackend()).toBe('cpu');
      const y = tf.add(tf.scalar(1), tf.scalar(2));
      expect(await y.data()).toEqual(new Float32Array([3]));
      y.dispose();
      expect(warn).not.toHaveBeenCalled();
      // The flag used to silence it is tfjs's own and is restored.
      expect(tf.env().getBool('IS_TEST')).toBe(false);
    } finally {
      warn.mockRestore();
    }
  });

  it('rejects an unknown name and lists the valid ones', async () => {
    // @ts-expect-error: testing a bad value from untyped callers
    await expect(initBackend('gpu')).rejects.toThrow(/unknown backend "gpu".*'wasm', 'cpu'/);
  });
});
