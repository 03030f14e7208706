import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPatchMatch } from '../../src/patchmatch/index.js';

// A page whose Content-Security-Policy lacks 'wasm-unsafe-eval' refuses every WebAssembly
// compilation with a CompileError while WebAssembly.validate still answers true (Chromium; the
// browser test test/browser/csp.ts checks it there). Here the refusal is simulated. The module is
// compiled once per process, so this file must not create a 'wasm' engine before these tests.
describe('createPatchMatch where WebAssembly may not be compiled', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("falls back to the 'js' kernel when compiling is refused, with the same field", async () => {
    vi.spyOn(WebAssembly, 'compile').mockRejectedValue(
      new WebAssembly.CompileError('Refused to compile or instantiate WebAssembly module'),
    );
    const refused = await createPatchMatch();
    expect(refused.backend).toBe('js');
    expect(WebAssembly.compile).toHaveBeenCalledTimes(1);
    vi.restoreAllMocks();
    const allowed = await createPatchMatch();
    expect(allowed.backend).toBe('wasm');
    const image = (seed: number) => {
      const data = new Uint8Array(24 * 20 * 4);
      for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101 + ((i * i) % 13)) & 255;
      return { width: 24, height: 20, data };
    };
    const a = await refused.nnf(image(1), image(2), { patchSize: 5, seed: 3 });
    const b = await allowed.nnf(image(1), image(2), { patchSize: 5, seed: 3 });
    expect(a.x).toEqual(b.x);
    expect(a.y).toEqual(b.y);
    expect(a.distance).toEqual(b.distance);
  });

  it('throws any other failure instead of hiding it', async () => {
    vi.spyOn(WebAssembly, 'instantiate').mockRejectedValue(new RangeError('out of memory'));
    await expect(createPatchMatch()).rejects.toThrow(RangeError);
  });
});
