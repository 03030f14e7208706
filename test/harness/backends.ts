import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe } from 'vitest';
import { initBackend, type BackendName } from '../../src/backend/init-backend';

/** The backends every layer, op and loss test runs on. */
export const TEST_BACKENDS: readonly BackendName[] = ['cpu', 'wasm'];

/**
 * Runs a describe block once per backend ('cpu' and 'wasm'), switching the global tfjs backend
 * before the block's tests run. Tests inside use `tf` as usual.
 *
 * @example
 * describeBackends('instanceNorm', (backend) => { it('normalises', () => { ... }); });
 */
export function describeBackends(
  name: string,
  body: (backend: BackendName) => void,
  backends: readonly BackendName[] = TEST_BACKENDS,
): void {
  for (const backend of backends) {
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        await initBackend(backend);
        if (tf.getBackend() !== backend) throw new Error(`backend ${backend} did not activate`);
      });
      body(backend);
    });
  }
}
