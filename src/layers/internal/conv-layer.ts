/**
 * What {@link GatedConv2D} and {@link PartialConv2D} share: parsing and validating the
 * convolution arguments (filters, kernelSize, strides, dilationRate, useBias, initializers), the
 * `kernel` / `bias` weights and their part of the config. Padding differs (TF 'same'/'valid' vs
 * PyTorch's explicit numbers), so each subclass parses its own.
 * @internal
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
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

/** An integer >= `min` or a pair of them, as [a, b]; `what` names the rule in the Error. */
function intPair(v: unknown, min: number, what: string, owner: string, arg: string): [number, number] {
  const p: unknown[] = typeof v === 'number' ? [v, v] : Array.isArray(v) ? v : [];
  if (p.length !== 2 || !p.every((n) => Number.isInteger(n) && (n as number) >= min)) {
    throw new Error(`${owner}: ${arg} must be ${what} or a pair of them, got ${JSON.stringify(v)}.`);
  }
  return [p[0] as number, p[1] as number];
}

/** A positive integer or a pair of them, as [a, b]. */
export function positivePair(v: number | [number, number], owner: string, arg: string): [number, number] {
  return intPair(v, 1, 'a positive integer', owner, arg);
}

/** A non-negative integer or a pair of them, as [a, b]. */
export function nonNegativePair(v: number | [number, number], owner: string, arg: string): [number, number] {
  return intPair(v, 0, 'a non-negative integer', owner, arg);
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
    if (!Number.isInteger(args.filters) || args.filters <= 0) {
      throw new Error(`${owner}: filters must be a positive integer, got ${JSON.stringify(args.filters)}.`);
    }
    this.filters = args.filters;
    this.kernelSize = positivePair(args.kernelSize, owner, 'kernelSize');
    this.strides = positivePair(args.strides ?? 1, owner, 'strides');
    this.dilationRate = positivePair(args.dilationRate ?? 1, owner, 'dilationRate');
    this.useBias = args.useBias ?? true;
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
