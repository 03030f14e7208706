import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkInteger } from '../../core/checks';
import type { Kwargs } from './kwargs';

/** Arguments of {@link InpaintingInput}. */
export interface InpaintingInputArgs {
  /** Height and width must be multiples of this. Default 8 (DeepFill v2's generator). */
  multiple?: number;
  /** Who asks, for Error messages. Default 'InpaintingInput'. */
  owner?: string;
  /**
   * A third input, the guide [batch, h, w, 1] (sketch or edge strokes), masked to the hole and
   * placed right after the image channels, as DeepFill v2's guided variant. Default false.
   */
  guide?: boolean;
  /** Layer name. Default: generated. */
  name?: string;
}

/**
 * DeepFill v2's generator input: from an image and a mask (1 = hole) it builds
 * `[image * (1 - mask), ones, ones * mask]` on the channel axis, i.e. the incomplete image of
 * `build_graph_with_losses` followed by the two extra channels `build_inpaint_net` concatenates
 * (c + 2 channels; 5 for RGB). With `guide: true` a third input, the guide, enters masked to
 * the hole right after the image: `[image * (1 - mask), guide * mask, ones, ones * mask]`
 * (c + 3 channels), the order of `generative_inpainting`'s `guided` mode, whose incomplete image
 * is `concat([batch_incomplete, edge * mask])` before `build_inpaint_net` appends its two
 * channels. Also checks the spatial size, so a wrong size fails with a clear
 * Error rather than a shape mismatch deep in the network.
 *
 * Inputs: [image [batch, h, w, c], mask [batch, h, w, 1]] (plus guide [batch, h, w, 1] with
 * `guide: true`). Output: [batch, h, w, c + 2] (c + 3 with a guide).
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
  readonly guide: boolean;

  constructor(args: InpaintingInputArgs = {}) {
    super({ name: args.name });
    this.multiple = checkInteger('InpaintingInput', 'multiple', args.multiple ?? 8, { min: 1 });
    this.owner = args.owner ?? 'InpaintingInput';
    this.guide = checkBoolean('InpaintingInput', 'guide', args.guide ?? false);
  }

  private get inputNames(): string {
    return this.guide ? '[image, mask, guide]' : '[image, mask]';
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const count = this.guide ? 3 : 2;
      if (!Array.isArray(inputs) || inputs.length !== count) {
        throw new Error(`${this.owner}: expected ${count} inputs ${this.inputNames}.`);
      }
      const [image, mask, guide] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor | undefined];
      this.check(inputs.map((t) => t.shape));
      const ones = tf.onesLike(mask);
      const incomplete = tf.mul(image, tf.sub(1, mask));
      const parts = guide === undefined ? [incomplete] : [incomplete, tf.mul(guide, mask)];
      return tf.concat([...parts, ones, tf.mul(ones, mask)], 3);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shapes = inputShape as tfl.Shape[];
    this.check(shapes);
    const [n, h, w, c] = shapes[0]!;
    return [n ?? null, h ?? null, w ?? null, c == null ? null : c + (this.guide ? 3 : 2)];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), multiple: this.multiple, owner: this.owner, guide: this.guide };
  }

  private check(shapes: readonly (readonly (number | null)[])[]): void {
    const fmt = (s: readonly (number | null)[] | undefined): string => `[${(s ?? []).map(String).join(', ')}]`;
    const count = this.guide ? 3 : 2;
    if (!Array.isArray(shapes[0]) || shapes.length !== count) {
      throw new Error(`${this.owner}: expected ${count} inputs ${this.inputNames}, got ${shapes.length} shapes.`);
    }
    const [image, mask, guide] = shapes as [(number | null)[], (number | null)[], (number | null)[] | undefined];
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
    if (guide !== undefined) {
      if (guide.length !== 4 || guide[3] !== 1) {
        throw new Error(`${this.owner}: guide must have shape [batch, h, w, 1], got ${fmt(guide)}.`);
      }
      for (const i of [0, 1, 2]) {
        if (image[i] != null && guide[i] != null && image[i] !== guide[i]) {
          throw new Error(
            `${this.owner}: image ${fmt(image)} and guide ${fmt(guide)} must have the same batch, height and width.`,
          );
        }
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
