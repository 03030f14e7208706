// The image-analogy and texture-transfer cases of the page's "PatchMatch methods" panel, shared
// by the page and the browser test runner (which computes the same images in Node and compares
// them pixel for pixel). Crops only, no resampling, so the page and Node start from the same
// pixels. No DOM here.
import type { PatchMatch, RgbaImage } from '../../../src/patchmatch/index';
import { threeLevelLabels, waveLabels } from '../../demo/label-maps';
import { cropImage } from './parallel-field';

/** The panel's modes. */
export type PatchMethodMode = 'analogy' | 'transfer';

/** The bundled images a case reads (decoded RGBA). */
export interface PatchMethodImages {
  readonly coffee: RgbaImage;
  readonly chelsea: RgbaImage;
  readonly gravel: RgbaImage;
}

/** The pictures of one run: its inputs and the result, for the panel's grid. */
export interface PatchMethodRun {
  readonly inputs: RgbaImage[];
  readonly result: RgbaImage;
}

/**
 * Runs one mode on the bundled images:
 * - 'analogy': texture by numbers. A' is a 200x140 crop of coffee.png (the cup), A its three-level
 *   luminance labels, B a 200x140 label map of waves; B' paints the waves with the cup's textures
 *   (`color: 'aPrime'`, `kappa: 5`, `primeWeight: 1`).
 * - 'transfer': a 160x120 crop of chelsea.png (the cat's face) rendered out of a 120x120 crop of
 *   gravel.png (`alpha: 0.7`).
 *
 * ```ts
 * const { result } = await runPatchMethod(pm, 'transfer', { coffee, chelsea, gravel }); // 160x120 RGBA
 * ```
 */
export async function runPatchMethod(
  pm: PatchMatch,
  mode: PatchMethodMode,
  images: PatchMethodImages,
): Promise<PatchMethodRun> {
  if (mode === 'analogy') {
    const aPrime = cropImage(images.coffee, { x: 190, y: 20, width: 200, height: 140 });
    const a = threeLevelLabels(aPrime, 90, 170);
    const b = waveLabels(200, 140);
    const result = await pm.imageAnalogy({ a, aPrime, b, color: 'aPrime', kappa: 5, primeWeight: 1, seed: 1 });
    return { inputs: [a, aPrime, b], result };
  }
  const source = cropImage(images.gravel, { x: 100, y: 100, width: 120, height: 120 });
  const target = cropImage(images.chelsea, { x: 150, y: 40, width: 160, height: 120 });
  const result = await pm.transferTexture({ source, target, alpha: 0.7, kappa: 1, seed: 1 });
  return { inputs: [source, target], result };
}
