/**
 * FID and KID for the example trainers (dcgan-train, pix2pix-train, cyclegan-train), printed at the end of a run.
 *
 * The features come from a small fixed network, NOT from Inception: a VGG16-shaped trunk
 * (`models.vgg16Features` with filters [8, 16, 16, 16, 16]) with random weights drawn once from
 * seed 0 (torchvision's initialisation), whose relu3_3 and relu4_3 maps are averaged over space:
 * 32 features per image. Random convolutional features see colour, contrast and texture
 * statistics, which is what these tiny runs learn, and they need no download. The numbers are
 * therefore not the FID / KID of papers (2048 Inception pool3 features of 299x299 images,
 * docs/metrics.md) and cannot be compared with published ones; compare them only between runs of
 * the same example at the same image size. FID needs more images than features (33 here); KID
 * has no such minimum and less bias with few images.
 */
import * as tf from '@tensorflow/tfjs-core';
import { metrics, models } from '../src/index';

/** Features per image of {@link createQualityExtractor}; FID needs at least one more image than this. */
export const QUALITY_FEATURES = 32;

/** The fixed feature extractor of the examples' FID and KID (see the file comment). Images in [-1, 1], at least 16x16. */
export function createQualityExtractor(): { extract: (images: tf.Tensor4D) => tf.Tensor2D; dispose(): void } {
  const trunk = models.vgg16Features({ filters: [8, 16, 16, 16, 16], seed: 0 });
  return {
    extract: (images) =>
      tf.tidy(() => {
        const taps = trunk.predict(images) as tf.Tensor4D[];
        return tf.concat([tf.mean(taps[2]!, [1, 2]), tf.mean(taps[3]!, [1, 2])], 1) as tf.Tensor2D;
      }),
    dispose: () => trunk.dispose(),
  };
}

/** FID and KID between generated and real images (each [n, h, w, 3] in [-1, 1]). */
export async function sampleQuality(
  generated: tf.Tensor4D,
  real: tf.Tensor4D,
): Promise<{ fid: number; kid: { mean: number; std: number } }> {
  const extractor = createQualityExtractor();
  try {
    const n = Math.min(generated.shape[0], real.shape[0]);
    const fid = await metrics.fid(generated, real, extractor.extract);
    // 100 subsets of half the images each (torch-fidelity's 100 x 1000 does not fit so few images).
    const subsetSize = Math.max(2, Math.floor(n / 2));
    const kid = await metrics.kid(generated, real, extractor.extract, { subsets: 100, subsetSize, seed: 0 });
    return { fid, kid };
  } finally {
    extractor.dispose();
  }
}

/** One line for the examples' output. */
export function formatSampleQuality(q: { fid: number; kid: { mean: number; std: number } }, n: number): string {
  return (
    `FID ${q.fid.toPrecision(3)}, KID ${q.kid.mean.toPrecision(3)} ± ${q.kid.std.toPrecision(2)} over ${n} generated and ${n} real images ` +
    `(features of a fixed random-weight VGG16-shaped network, not Inception: not comparable with published FIDs)`
  );
}

/**
 * FID and KID of `translate(a)` against `b` over `count` samples of a paired or unpaired data set,
 * as one line for the output. The samples come from epochs 1,000,000 on, which a run never draws,
 * so the crops and flips are new (the data sets' seeded augmentation); `translate` runs inside
 * `tf.tidy` and should use the generator in inference mode, as the sample grids do.
 */
export async function translationQuality(
  data: { readonly length: number; get(index: number, epoch?: number): Promise<{ a: tf.Tensor4D; b: tf.Tensor4D }> },
  translate: (a: tf.Tensor4D) => tf.Tensor4D,
  count: number,
): Promise<string> {
  const fakes: tf.Tensor4D[] = [];
  const reals: tf.Tensor4D[] = [];
  try {
    for (let k = 0; k < count; k++) {
      const { a, b } = await data.get(k % data.length, 1_000_000 + Math.floor(k / data.length));
      reals.push(b);
      fakes.push(tf.tidy(() => translate(a)));
      a.dispose();
    }
    const [generated, real] = [tf.concat(fakes, 0), tf.concat(reals, 0)];
    try {
      return formatSampleQuality(await sampleQuality(generated, real), count);
    } finally {
      tf.dispose([generated, real]);
    }
  } finally {
    tf.dispose([...fakes, ...reals]);
  }
}
