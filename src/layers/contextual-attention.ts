import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkContextualAttentionOptions, contextualPatchAttention } from '../ops/contextual-patch-attention';
import type { Kwargs } from './internal/kwargs';

/** Arguments of {@link ContextualAttention}; defaults are DeepFill's. */
export interface ContextualAttentionArgs {
  /** Matching patch size (odd). Default 3. */
  kernelSize?: number;
  /** Downscaling rate for matching; raw patches are 2*rate wide with stride rate. Default 2. */
  rate?: number;
  /** Identity fuse kernel size (odd). Default 3. */
  fuseK?: number;
  /** Softmax scale. Default 10. */
  softmaxScale?: number;
  /** Fuse neighbouring scores. Default true. */
  fuse?: boolean;
  /** Layer name. Default: generated. */
  name?: string;
}

/**
 * Contextual attention layer of DeepFill v1/v2 (Yu et al. 2018, "Generative Image Inpainting
 * with Contextual Attention", https://arxiv.org/abs/1801.07892; Yu et al. 2019,
 * https://arxiv.org/abs/1806.03589): rebuilds the foreground features from background patches
 * weighted by a softmax over patch similarities, ignoring background patches that touch the hole.
 * No weights. See {@link contextualPatchAttention} (the op, `ops.contextualPatchAttention`) for the
 * exact computation.
 *
 * Inputs: `[f, b, mask]` — foreground f [n, h, w, c], background b [n, hb, wb, c] (DeepFill
 * passes the same tensor twice), mask [1 or n, hb, wb, 1] with 1 = hole (or any whole multiple
 * of the matching size [hb / rate, wb / rate], resized in one step, see the op); sizes multiples
 * of rate.
 * Output shape: [n, h, w, c].
 *
 * Porting note: the TF original also returns an offset flow for visualisation; this layer returns
 * only the reconstructed features.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, contextualAttention } from 'tfjs-synth';
 * await initBackend();
 * const x = tf.randomNormal([1, 16, 16, 8]);
 * const mask = tf.pad(tf.ones([1, 8, 8, 1]), [[0, 0], [4, 4], [4, 4], [0, 0]]);
 * const y = contextualAttention().apply([x, x, mask]) as tf.Tensor; // [1, 16, 16, 8]
 * ```
 */
export class ContextualAttention extends tfl.layers.Layer {
  static className = 'ContextualAttention';
  readonly kernelSize: number;
  readonly rate: number;
  readonly fuseK: number;
  readonly softmaxScale: number;
  readonly fuse: boolean;

  constructor(args: ContextualAttentionArgs = {}) {
    super({ name: args.name });
    const owner = 'ContextualAttention';
    this.kernelSize = args.kernelSize ?? 3;
    this.rate = args.rate ?? 2;
    this.fuseK = args.fuseK ?? 3;
    this.softmaxScale = args.softmaxScale ?? 10;
    this.fuse = args.fuse ?? true;
    checkContextualAttentionOptions(owner, this.kernelSize, this.rate, this.fuseK, this.softmaxScale);
  }

  private shapes(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    if (!Array.isArray(inputShape[0]) || inputShape.length !== 3) {
      throw new Error(
        `ContextualAttention: expected three inputs [f, b, mask], got input shape ${JSON.stringify(inputShape)}.`,
      );
    }
    return inputShape as tfl.Shape[];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shapes = this.shapes(inputShape);
    for (const [i, name] of ['f', 'b', 'mask'].entries()) {
      if (shapes[i]!.length !== 4) {
        throw new Error(`ContextualAttention: ${name} must be rank 4 (NHWC), got ${JSON.stringify(shapes[i])}.`);
      }
    }
    this.built = true;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 3) {
        throw new Error(
          `ContextualAttention: expected three inputs [f, b, mask], got ${Array.isArray(inputs) ? inputs.length : 1}.`,
        );
      }
      const [f, b, mask] = inputs as tf.Tensor4D[];
      try {
        return contextualPatchAttention(f!, b!, mask!, {
          kernelSize: this.kernelSize,
          rate: this.rate,
          fuseK: this.fuseK,
          softmaxScale: this.softmaxScale,
          fuse: this.fuse,
        });
      } catch (e) {
        // Name the layer rather than the op in errors about its inputs.
        throw new Error(String((e as Error).message).replace(/^contextualPatchAttention:/, 'ContextualAttention:'));
      }
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    return [...this.shapes(inputShape)[0]!];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      kernelSize: this.kernelSize,
      rate: this.rate,
      fuseK: this.fuseK,
      softmaxScale: this.softmaxScale,
      fuse: this.fuse,
    };
  }
}

/**
 * Creates a {@link ContextualAttention} layer (DeepFill contextual attention, Yu et al. 2018,
 * https://arxiv.org/abs/1801.07892).
 *
 * Inputs: [f [n, h, w, c], b [n, hb, wb, c], mask [1 or n, hb, wb, 1]]. Output shape: [n, h, w, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, contextualAttention } from 'tfjs-synth';
 * await initBackend();
 * const attention = contextualAttention({ rate: 2, softmaxScale: 10 });
 * const x = tf.randomNormal([1, 32, 32, 96]);
 * const y = attention.apply([x, x, tf.zeros([1, 32, 32, 1])]) as tf.Tensor; // [1, 32, 32, 96]
 * ```
 */
export function contextualAttention(args: ContextualAttentionArgs = {}): ContextualAttention {
  return new ContextualAttention(args);
}
