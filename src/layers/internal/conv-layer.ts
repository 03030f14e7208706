/**
 * What {@link GatedConv2D} and {@link PartialConv2D} share: parsing and validating the
 * convolution arguments (filters, kernelSize, strides, dilationRate, useBias, initializers), the
 * `kernel` / `bias` weights and their part of the config. Padding differs (TF 'same'/'valid' vs
 * PyTorch's explicit numbers), so each subclass parses its own.
 * @internal
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkBoolean, checkPair, checkPositiveInteger } from '../../core/checks';
import { serializeInitializer, toInitializer, type Initializer, type InitializerArg } from './initializers';

/** The convolution arguments both layers accept; each layer's Args documents its defaults. */
export interface ConvLayerArgs {
  filters: number;
  kernelSize: number | [number, number];
  strides?: number | [number, number];
  dilationRate?: number | [number, number];
  useBias?: boolean;
  kernelInitializer?: InitializerArg;
  biasInitializer?: InitializerArg;
  name?: string;
  trainable?: boolean;
}

/** A 2D convolution layer with `kernel` [kh, kw, in, out] and an optional `bias` [out]. */
export abstract class ConvLayer extends tfl.layers.Layer {
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly dilationRate: [number, number];
  readonly useBias: boolean;
  readonly kernelInitializer: Initializer;
  readonly biasInitializer: Initializer;
  protected kernel: tfl.LayerVariable | null = null;
  protected bias: tfl.LayerVariable | null = null;

  constructor(args: ConvLayerArgs) {
    super({ name: args.name, trainable: args.trainable ?? true });
    const owner = (this.constructor as unknown as { className: string }).className;
    this.filters = checkPositiveInteger(owner, 'filters', args.filters);
    this.kernelSize = checkPair(owner, 'kernelSize', args.kernelSize, 1);
    this.strides = checkPair(owner, 'strides', args.strides ?? 1, 1);
    this.dilationRate = checkPair(owner, 'dilationRate', args.dilationRate ?? 1, 1);
    this.useBias = checkBoolean(owner, 'useBias', args.useBias ?? true);
    this.kernelInitializer = toInitializer(args.kernelInitializer ?? 'glorotUniform', owner, 'kernelInitializer');
    this.biasInitializer = toInitializer(args.biasInitializer ?? 'zeros', owner, 'biasInitializer');
  }

  /** Adds `kernel` [kh, kw, inChannels, outChannels] and, with `useBias`, `bias` [outChannels]. */
  protected buildKernel(inChannels: number, outChannels: number): void {
    this.kernel = this.addWeight(
      'kernel',
      [this.kernelSize[0], this.kernelSize[1], inChannels, outChannels],
      'float32',
      this.kernelInitializer,
    );
    if (this.useBias) this.bias = this.addWeight('bias', [outChannels], 'float32', this.biasInitializer);
    this.built = true;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      filters: this.filters,
      kernelSize: this.kernelSize,
      strides: this.strides,
      dilationRate: this.dilationRate,
      useBias: this.useBias,
      kernelInitializer: serializeInitializer(this.kernelInitializer),
      biasInitializer: serializeInitializer(this.biasInitializer),
    };
  }
}
