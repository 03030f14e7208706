/**
 * A plain 2D convolution with PyTorch's explicit symmetric zero padding and a dilation that
 * trains: tfjs-layers' Conv2D runs `tf.conv2d`, whose gradient throws for dilation rates above 1,
 * so this helper computes through `ops.dilatedConv2d` (a dilated conv2d with its gradient written out).
 * The network builders insert it for `nn.Conv2d(..., dilation=d, padding=p)` (GLCIC's completion
 * network); its kernel loads from a PyTorch Conv2d weight like Conv2D's (one row of
 * `core/torch-layout.ts`).
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { checkPair } from '../../core/checks';
import { dilatedConv2d } from '../../ops/dilated-conv2d';
import { ConvLayer, type ConvLayerArgs } from './conv-layer';
import type { Kwargs } from './kwargs';

/**
 * Arguments of {@link DilatedConv2D}: `filters`, `kernelSize` (required), `strides` (default 1;
 * must be 1 when the dilation exceeds 1), `dilationRate` (default 1), `useBias` (default true),
 * `kernelInitializer` (default 'glorotUniform'), `biasInitializer` (default 'zeros'), `name`,
 * `trainable` (default true), plus:
 */
export interface DilatedConv2DArgs extends ConvLayerArgs {
  /** Symmetric zero padding on each side, a number or [ph, pw], like PyTorch's `padding`. Default 0. */
  padding?: number | [number, number];
}

function outLength(n: number | null, k: number, s: number, d: number, p: number): number | null {
  return n === null ? null : Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/**
 * `torch.nn.Conv2d` with dilation, padding and bias. Weights: `kernel` [kh, kw, in, filters]
 * (PyTorch's weight permuted (2, 3, 1, 0)), `bias` [filters].
 *
 * Input shape: [batch, h, w, in]. Output shape: [batch, h', w', filters] with
 * h' = floor((h + 2p - d(k - 1) - 1) / s) + 1.
 */
export class DilatedConv2D extends ConvLayer {
  static className = 'DilatedConv2D';
  readonly padding: [number, number];

  constructor(args: DilatedConv2DArgs) {
    super(args);
    this.padding = checkPair('DilatedConv2D', 'padding', args.padding ?? 0, 0);
    if ((this.strides[0] > 1 || this.strides[1] > 1) && (this.dilationRate[0] > 1 || this.dilationRate[1] > 1)) {
      throw new Error(
        `DilatedConv2D: strides [${this.strides.join(', ')}] must be 1 when dilationRate [${this.dilationRate.join(', ')}] exceeds 1.`,
      );
    }
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = inputShape as tfl.Shape;
    if (Array.isArray(shape[0]) || shape.length !== 4 || shape[3] == null) {
      throw new Error(
        `DilatedConv2D: expected one rank-4 input with known channels, got input shape ${JSON.stringify(inputShape)}.`,
      );
    }
    this.buildKernel(shape[3], this.filters);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Kwargs): tf.Tensor {
    return tf.tidy(() => {
      const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
      const [ph, pw] = this.padding;
      const y = dilatedConv2d(
        x,
        this.kernel!.read() as tf.Tensor4D,
        this.strides,
        [
          [ph, ph],
          [pw, pw],
        ],
        this.dilationRate,
      );
      return this.bias ? tf.add(y, this.bias.read()) : y;
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const s = inputShape as tfl.Shape;
    const h = outLength(s[1] ?? null, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding[0]);
    const w = outLength(s[2] ?? null, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding[1]);
    return [s[0] ?? null, h, w, this.filters];
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), padding: this.padding };
  }
}
