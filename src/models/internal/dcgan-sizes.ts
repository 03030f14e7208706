/**
 * The image-size rule shared by the DCGAN builders: a power of two from 16 to 1024, and the
 * number of stride-2 stages it implies.
 * @internal
 */
import { checkError } from '../../core/checks';

/** The sizes the DCGAN builders accept. @internal */
export const DCGAN_IMAGE_SIZES = [16, 32, 64, 128, 256, 512, 1024] as const;

/**
 * Throws unless `value` is one of {@link DCGAN_IMAGE_SIZES}; the Error lists the sizes that work.
 * Returns log2(imageSize) - 3: the number of stride-2 stages with BatchNorm (3 for 64x64).
 * @internal
 */
export function checkDCGANImageSize(owner: string, value: unknown): { imageSize: number; stages: number } {
  if (typeof value !== 'number' || !(DCGAN_IMAGE_SIZES as readonly number[]).includes(value)) {
    throw checkError(owner, 'imageSize', `a power of two from 16 to 1024 (${DCGAN_IMAGE_SIZES.join(', ')})`, value);
  }
  return { imageSize: value, stages: Math.log2(value) - 3 };
}

/** Largest network the DCGAN builders allocate: 2^28 weights (1 GiB of float32). @internal */
export const DCGAN_MAX_WEIGHTS = 2 ** 28;

/** Throws before any allocation when a build would hold more than {@link DCGAN_MAX_WEIGHTS} weights. @internal */
export function checkDCGANWeightCount(owner: string, weights: number): void {
  if (weights > DCGAN_MAX_WEIGHTS) {
    throw new Error(
      `${owner}: these arguments would build ${weights} weights, more than the limit of ${DCGAN_MAX_WEIGHTS} (1 GiB of float32); lower ngf/ndf, nz or imageSize.`,
    );
  }
}
