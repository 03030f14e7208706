import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger } from '../../core/checks';
import type { Kwargs } from './kwargs';

/** Arguments of {@link InpaintingInput}. */
export interface InpaintingInputArgs {
  /** Height and width must be multiples of this. Default 8 (DeepFill v2's generator). */
  multiple?: number;
  /** Who asks, for Error messages. Default 'InpaintingInput'. */
  owner?: string;
  /** Layer name. Default: generated. */
  name?: string;
}

/**
 * DeepFill v2's generator input: from an image and a mask (1 = hole) it builds
 * `[image * (1 - mask), ones, ones * mask]` on the channel axis, i.e. the incomplete image of
 * `build_graph_with_losses` followed by the two extra channels `build_inpaint_net` concatenates
 * (c + 2 channels; 5 for RGB). Also checks the spatial size, so a wrong size fails with a clear
 * Error rather than a shape mismatch deep in the network.
 *
 * Inputs: [image [batch, h, w, c], mask [batch, h, w, 1]]. Output: [batch, h, w, c + 2].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { InpaintingInput } from './inpainting-input';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const x = new InpaintingInput().apply([tf.zeros([1, 16, 16, 3]), tf.ones([1, 16, 16, 1])]) as tf.Tensor; // [1, 16, 16, 5]
 * ```
 * @internal
 */
export class InpaintingInput extends tfl.layers.Layer {
  static className = 'InpaintingInput';
  readonly multiple: number;
  readonly owner: string;

  constructor(args: InpaintingInputArgs = {}) {
    super({ name: args.name });
    this.multiple = checkInteger('InpaintingInput', 'multiple', args.multiple ?? 8, { min: 1 });
    this.owner = args.owner ?? 'InpaintingInput';
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      if (!Array.isArray(inputs) || inputs.length !== 2) {
        throw new Error(`${this.owner}: expected two inputs [image, mask].`);
      }
      const [image, mask] = inputs as [tf.Tensor, tf.Tensor];
      this.check([image.shape, mask.shape]);
      const ones = tf.onesLike(mask);
      return tf.concat([tf.mul(image, tf.sub(1, mask)), ones, tf.mul(ones, mask)], 3);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shapes = inputShape as tfl.Shape[];
    this.check(shapes);
    const [n, h, w, c] = shapes[0]!;
    return [n ?? null, h ?? null, w ?? null, c == null ? null : c + 2];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), multiple: this.multiple, owner: this.owner };
  }

  private check(shapes: readonly (readonly (number | null)[])[]): void {
    const fmt = (s: readonly (number | null)[] | undefined): string => `[${(s ?? []).map(String).join(', ')}]`;
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) {
      throw new Error(`${this.owner}: expected two inputs [image, mask], got ${JSON.stringify(shapes)}.`);
    }
    const [image, mask] = shapes as [(number | null)[], (number | null)[]];
    if (image.length !== 4) throw new Error(`${this.owner}: image must be rank 4 (NHWC), got shape ${fmt(image)}.`);
    if (mask.length !== 4 || mask[3] !== 1) {
      throw new Error(`${this.owner}: mask must have shape [batch, h, w, 1], got ${fmt(mask)}.`);
    }
    for (const i of [0, 1, 2]) {
      if (image[i] != null && mask[i] != null && image[i] !== mask[i]) {
        throw new Error(
          `${this.owner}: image ${fmt(image)} and mask ${fmt(mask)} must have the same batch, height and width.`,
        );
      }
    }
    const [h, w] = [image[1], image[2]];
    if ([h, w].some((d) => d != null && d % this.multiple !== 0)) {
      throw new Error(
        `${this.owner}: input height and width must be multiples of ${this.multiple}, got ${String(h)}x${String(w)}.`,
      );
    }
  }
}
