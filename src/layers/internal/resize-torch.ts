import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkOneOf } from '../../core/checks';
import { formatShape, singleInput, singleShape } from './shapes';
import type { Kwargs } from './kwargs';

/** Arguments of {@link ResizeTorch}. */
export interface ResizeTorchArgs {
  /** Output height. Required. */
  height: number;
  /** Output width. Required. */
  width: number;
  /** 'nearest' (`F.interpolate` default) or 'bilinear' (align_corners=False). Default 'nearest'. */
  method?: 'nearest' | 'bilinear';
  /** Layer name. Default: generated. */
  name?: string;
}

/**
 * PyTorch's `F.interpolate(x, size=(height, width), mode)` for NHWC input: 'nearest' takes
 * source index floor(i * in / out) (tfjs' resizeNearestNeighbor without half-pixel centres);
 * 'bilinear' with align_corners=False is tfjs' resizeBilinear with half-pixel centres. Used by
 * the SPADE generator (the segmap downsampled to the first feature map) and the SPADE encoder
 * (any image to 256x256). The identity at equal size.
 *
 * Porting note: the stock tfjs 4.22 ResizeBilinearGrad kernels ignore half-pixel centres (and
 * cpu's fails for non-square sizes); `initBackend` replaces them on cpu, wasm, webgl and webgpu,
 * as it replaces cpu's ResizeNearestNeighborGrad (wrong for batches over 1). A backend you
 * register yourself keeps its own kernel; the builders only resize network inputs, which are
 * never differentiated.
 *
 * Input shape: [batch, h, w, c]. Output shape: [batch, height, width, c].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { ResizeTorch } from './resize-torch';
 * import { initBackend } from 'tfjs-synth';
 * await initBackend();
 * const y = new ResizeTorch({ height: 4, width: 8 }).apply(tf.zeros([1, 32, 64, 3])) as tf.Tensor; // [1, 4, 8, 3]
 * ```
 * @internal
 */
export class ResizeTorch extends tfl.layers.Layer {
  static className = 'ResizeTorch';
  readonly height: number;
  readonly width: number;
  readonly method: 'nearest' | 'bilinear';

  constructor(args: ResizeTorchArgs) {
    super({ name: args?.name });
    const owner = 'ResizeTorch';
    this.height = checkInteger(owner, 'height', args?.height, { min: 1, max: 65536 });
    this.width = checkInteger(owner, 'width', args?.width, { min: 1, max: 65536 });
    this.method = checkOneOf(owner, 'method', args?.method ?? 'nearest', ['nearest', 'bilinear'] as const);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs);
      if (x.rank !== 4)
        throw new Error(`ResizeTorch: expected a rank-4 NHWC input, got shape ${formatShape(x.shape)}.`);
      if (x.shape[1] === this.height && x.shape[2] === this.width) return tf.clone(x);
      const size: [number, number] = [this.height, this.width];
      return this.method === 'nearest'
        ? tf.image.resizeNearestNeighbor(x as tf.Tensor4D, size, false, false)
        : tf.image.resizeBilinear(x as tf.Tensor4D, size, false, true);
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = singleShape(inputShape);
    return [s[0] ?? null, this.height, this.width, s[3] ?? null];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), height: this.height, width: this.width, method: this.method };
  }
}
