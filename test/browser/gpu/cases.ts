/**
 * What the GPU backend tests compare with cpu, in the page (test/browser/gpu-backends.ts): every
 * public layer (output, input gradients, weight gradients), every network's forward pass, and one
 * step of each trainer (losses and every weight afterwards), all on tiny inputs. A case builds its
 * models on the current backend; the runner builds it on cpu, copies the weights, builds it again
 * on the GPU backend with the same weights and compares what `run` returns. Inputs come from
 * tfjs's seeded generators, which run in JavaScript, so both backends see the same numbers.
 *
 * A trainer step is compared by its losses and by each network's outputs on fixed inputs after the
 * step. Its weights are compared too, but only reported: Adam's first step moves every weight by
 * about ±lr whatever the size of its gradient, so a weight whose gradient is exactly zero in exact
 * arithmetic (the bias of a convolution followed by instance norm) moves by ±lr in a direction set
 * by rounding noise, on cpu as on any other backend, and no backend can match that.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { adain } from '../../../src/layers/adain';
import { batchNormalizationTorch } from '../../../src/layers/batch-normalization-torch';
import { contextualAttention } from '../../../src/layers/contextual-attention';
import { gatedConv2d } from '../../../src/layers/gated-conv2d';
import { gatedUpsample2d } from '../../../src/layers/gated-upsample2d';
import { instanceNormalization } from '../../../src/layers/instance-normalization';
import { partialConv2d } from '../../../src/layers/partial-conv2d';
import { ResizeTorch } from '../../../src/layers/internal/resize-torch';
import { reflectionPadding2d } from '../../../src/layers/reflection-padding2d';
import { spectralNormalization } from '../../../src/layers/spectral-normalization';
import { adainDecoder } from '../../../src/models/adain-decoder';
import { adainEncoder } from '../../../src/models/adain-encoder';
import { dcganDiscriminator } from '../../../src/models/dcgan-discriminator';
import { dcganGenerator } from '../../../src/models/dcgan-generator';
import { gatedInpaintingGenerator } from '../../../src/models/gated-inpainting-generator';
import { patchGANDiscriminator } from '../../../src/models/patchgan-discriminator';
import { pixelDiscriminator } from '../../../src/models/pixel-discriminator';
import { resnetGenerator } from '../../../src/models/resnet-generator';
import { snPatchGANDiscriminator } from '../../../src/models/sn-patchgan-discriminator';
import { unetGenerator } from '../../../src/models/unet-generator';
import { CycleGANTrainer } from '../../../src/training/cyclegan-trainer';
import { DCGANTrainer } from '../../../src/training/dcgan-trainer';
import { InpaintingTrainer } from '../../../src/training/inpainting-trainer';
import { Pix2PixTrainer } from '../../../src/training/pix2pix-trainer';
import { tinyCycleGANNets } from '../../harness/tiny-networks';

export type CaseKind = 'layer' | 'network' | 'trainer';

/** A case built on the current backend. */
export interface Built {
  /** The models whose weights the runner copies from the cpu build. */
  models: tfl.LayersModel[];
  /** Runs the case; named results, read back. */
  run(): Promise<Record<string, Float32Array>>;
  dispose(): void;
}

export interface Case {
  name: string;
  kind: CaseKind;
  build(): Built;
  /**
   * Run on the cpu build before its weights are copied: scales kernels where the randomly
   * initialised tiny network's outputs would otherwise sit at float32 noise level.
   */
  prepare?(models: tfl.LayersModel[]): void;
}

/** Multiplies every conv and dense kernel (rank >= 2 weights) of `model` by `factor`. */
export function scaleKernels(model: tfl.LayersModel, factor: number): void {
  const ws = model.getWeights();
  const scaled = ws.map((w) => (w.rank >= 2 ? tf.mul(w, factor) : w));
  model.setWeights(scaled);
  tf.dispose(scaled.filter((w, i) => w !== ws[i]));
}

const uniform = (shape: number[], seed: number, lo = -1, hi = 1): tf.Tensor =>
  tf.randomUniform(shape, lo, hi, 'float32', seed);

/** A binary mask, 1 in a `h`x`w` block at the bottom right. */
const cornerMask = (shape: [number, number, number, number], h: number, w: number): tf.Tensor4D =>
  tf.tidy(() =>
    tf.pad(tf.ones([shape[0], h, w, shape[3]]), [
      [0, 0],
      [shape[1] - h, 0],
      [shape[2] - w, 0],
      [0, 0],
    ]),
  ) as tf.Tensor4D;

async function read(named: Record<string, tf.Tensor>): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(named)) out[k] = (await t.data()) as Float32Array;
  return out;
}

/** Every weight of `models` after a run, by model index and weight name. */
function weightsOf(models: tfl.LayersModel[]): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  models.forEach((m, i) => {
    m.weights.forEach((w, j) => {
      out[`weight model${i} #${j} ${w.originalName.replace(/^.*?\//, '')}`] = w.read();
    });
  });
  return out;
}

interface LayerSpec {
  name: string;
  make: () => tfl.layers.Layer;
  inputs: () => tf.Tensor[];
  /** Inputs carrying no gradient by design (binary masks). */
  nonDifferentiable?: number[];
  training?: boolean;
}

/**
 * A layer in a one-layer model: its outputs, and the gradients of `sum(output * r)` (r a fixed
 * random tensor per output) with respect to the differentiable inputs and the trainable weights.
 */
function layerCase(spec: LayerSpec): Case {
  return {
    name: spec.name,
    kind: 'layer',
    build() {
      const xs = spec.inputs();
      const symbolic = xs.map((x) => tfl.input({ shape: x.shape.slice(1) }));
      const layer = spec.make();
      const outs = layer.apply(symbolic.length === 1 ? symbolic[0]! : symbolic) as
        | tfl.SymbolicTensor
        | tfl.SymbolicTensor[];
      const model = tfl.model({ inputs: symbolic, outputs: outs });
      return {
        models: [model],
        async run() {
          const training = spec.training ?? false;
          const nonDiff = new Set(spec.nonDifferentiable ?? []);
          const diffIdx = xs.map((_, i) => i).filter((i) => !nonDiff.has(i));
          const objective = (inputs: tf.Tensor[]): tf.Scalar => {
            const ys = model.apply(inputs.length === 1 ? inputs[0]! : inputs, { training }) as tf.Tensor | tf.Tensor[];
            const list = Array.isArray(ys) ? ys : [ys];
            return tf.addN(list.map((y, i) => tf.sum(tf.mul(y, uniform(y.shape, 500 + i))))) as tf.Scalar;
          };
          const named: Record<string, tf.Tensor> = {};
          const ys = model.apply(xs.length === 1 ? xs[0]! : xs, { training }) as tf.Tensor | tf.Tensor[];
          (Array.isArray(ys) ? ys : [ys]).forEach((y, i) => {
            named[`output${i}`] = y;
          });
          const inputGrads = tf.grads((...d: tf.Tensor[]) =>
            objective(xs.map((x, i) => (nonDiff.has(i) ? x : d[diffIdx.indexOf(i)]!))),
          )(diffIdx.map((i) => xs[i]!));
          inputGrads.forEach((g, k) => {
            named[`d input${diffIdx[k]}`] = g;
          });
          const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
          if (vars.length > 0) {
            const { value, grads } = tf.variableGrads(() => objective(xs), vars);
            value.dispose();
            model.trainableWeights.forEach((w, k) => {
              named[`d weight #${k} ${w.originalName.replace(/^.*?\//, '')}`] = grads[vars[k]!.name]!;
            });
          }
          try {
            return await read(named);
          } finally {
            tf.dispose(Object.values(named));
          }
        },
        dispose() {
          model.dispose();
          tf.dispose(xs);
        },
      };
    },
  };
}

function networkCase(name: string, make: () => tfl.LayersModel, inputs: () => tf.Tensor[], kernelScale?: number): Case {
  return {
    name,
    kind: 'network',
    prepare: kernelScale == null ? undefined : ([m]) => scaleKernels(m!, kernelScale),
    build() {
      const model = make();
      const xs = inputs();
      return {
        models: [model],
        async run() {
          const ys = model.predict(xs.length === 1 ? xs[0]! : xs) as tf.Tensor | tf.Tensor[];
          const list = Array.isArray(ys) ? ys : [ys];
          try {
            return await read(Object.fromEntries(list.map((y, i) => [`output${i}`, y])));
          } finally {
            tf.dispose(list);
          }
        },
        dispose() {
          model.dispose();
          tf.dispose(xs);
        },
      };
    },
  };
}

interface TrainerLike {
  dispose(): void;
}

interface TrainerSetup<T> {
  models: tfl.LayersModel[];
  trainer: T;
  /** The step's data. */
  data: tf.Tensor[];
  /** Per model, the inputs its outputs are compared on after the step. */
  probes: tf.Tensor[][];
}

/**
 * One trainer step: its losses, each model's outputs on its probe inputs after the step, and
 * (reported only, keys starting with "weight") every weight after the step.
 */
function trainerCase<T extends TrainerLike>(
  name: string,
  make: () => TrainerSetup<T>,
  step: (trainer: T, data: tf.Tensor[]) => Promise<object>,
  kernelScale?: number,
): Case {
  return {
    name,
    kind: 'trainer',
    prepare: kernelScale == null ? undefined : (models) => scaleKernels(models[0]!, kernelScale),
    build() {
      const { models, trainer, data, probes } = make();
      return {
        models,
        async run() {
          const losses = await step(trainer, data);
          const named = weightsOf(models);
          const outputs: tf.Tensor[] = [];
          models.forEach((m, i) => {
            const ys = m.predict(probes[i]!.length === 1 ? probes[i]![0]! : probes[i]!) as tf.Tensor | tf.Tensor[];
            (Array.isArray(ys) ? ys : [ys]).forEach((y, j) => {
              named[`model${i} output${j} after the step`] = y;
              outputs.push(y);
            });
          });
          try {
            const out = await read(named);
            for (const [k, v] of Object.entries(losses)) {
              if (typeof v === 'number') out[`loss ${k}`] = new Float32Array([v]);
            }
            return out;
          } finally {
            tf.dispose(outputs);
          }
        },
        dispose() {
          trainer.dispose();
          for (const m of models) m.dispose();
          tf.dispose([...data, ...probes.flat()]);
        },
      };
    },
  };
}

export const LAYER_CASES: Case[] = [
  layerCase({
    name: 'GatedConv2D',
    make: () => gatedConv2d({ filters: 4, kernelSize: 3 }),
    inputs: () => [uniform([2, 6, 6, 3], 1)],
  }),
  layerCase({
    name: 'GatedUpsample2D',
    make: () => gatedUpsample2d({ filters: 3 }),
    inputs: () => [uniform([2, 3, 4, 2], 2)],
  }),
  layerCase({
    name: 'ReflectionPadding2D',
    make: () =>
      reflectionPadding2d({
        padding: [
          [1, 2],
          [2, 0],
        ],
      }),
    inputs: () => [uniform([2, 4, 5, 3], 3)],
  }),
  layerCase({
    name: 'SpectralNormalization(Conv2D), training call',
    make: () => spectralNormalization({ layer: tfl.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same' }) }),
    inputs: () => [uniform([2, 5, 5, 2], 4)],
    training: true,
  }),
  layerCase({
    name: 'InstanceNormalization (affine)',
    make: () => instanceNormalization({ center: true, scale: true, gammaInitializer: 'glorotUniform' }),
    inputs: () => [uniform([2, 5, 4, 3], 5)],
    training: true,
  }),
  layerCase({
    name: 'PartialConv2D',
    make: () => partialConv2d({ filters: 3, kernelSize: 3, padding: 1 }),
    inputs: () => [uniform([2, 6, 6, 2], 6), cornerMask([2, 6, 6, 1], 3, 3)],
    nonDifferentiable: [1],
  }),
  layerCase({
    name: 'BatchNormalizationTorch, training call',
    make: () => batchNormalizationTorch(),
    inputs: () => [uniform([2, 4, 3, 3], 7)],
    training: true,
  }),
  layerCase({
    // Bilinear with half-pixel centres (PyTorch's align_corners=False): rows up, columns down.
    name: 'ResizeTorch (bilinear, 4x6 -> 7x4)',
    make: () => new ResizeTorch({ height: 7, width: 4, method: 'bilinear' }),
    inputs: () => [uniform([2, 4, 6, 3], 12)],
  }),
  layerCase({ name: 'AdaIN', make: () => adain(), inputs: () => [uniform([2, 4, 5, 3], 8), uniform([2, 3, 6, 3], 9)] }),
  layerCase({
    name: 'ContextualAttention',
    make: () => contextualAttention(),
    inputs: () => [uniform([1, 16, 16, 3], 10), uniform([1, 16, 16, 3], 11), cornerMask([1, 16, 16, 1], 4, 4)],
    nonDifferentiable: [2],
  }),
];

export const NETWORK_CASES: Case[] = [
  networkCase(
    'unetGenerator',
    () => unetGenerator({ ngf: 4, numDowns: 5, seed: 1 }),
    () => [uniform([1, 32, 32, 3], 1)],
  ),
  networkCase(
    'resnetGenerator',
    () => resnetGenerator({ ngf: 4, nBlocks: 1, seed: 2 }),
    () => [uniform([1, 16, 16, 3], 2)],
  ),
  networkCase(
    'patchGANDiscriminator',
    () => patchGANDiscriminator({ ndf: 4, nLayers: 2, norm: 'instance', seed: 3 }),
    () => [uniform([1, 16, 16, 3], 3)],
  ),
  networkCase(
    'pixelDiscriminator',
    () => pixelDiscriminator({ ndf: 4, seed: 4 }),
    () => [uniform([1, 8, 8, 3], 4)],
  ),
  networkCase(
    'gatedInpaintingGenerator (contextual attention)',
    () => gatedInpaintingGenerator({ cnum: 4, inputShape: [32, 32], seed: 5 }),
    () => [uniform([1, 32, 32, 3], 5), cornerMask([1, 32, 32, 1], 12, 12)],
    // Glorot-initialised, the 17 gated layers of width 4 shrink the output to 1e-7; x3 gives ~0.8.
    3,
  ),
  networkCase(
    'snPatchGANDiscriminator',
    () => snPatchGANDiscriminator({ ndf: 4, inputShape: [32, 32], seed: 6 }),
    () => [uniform([1, 32, 32, 4], 6)],
  ),
  networkCase(
    'dcganGenerator',
    () => dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 7 }),
    () => [uniform([2, 8], 7)],
    // DCGAN's N(0, 0.02) kernels give outputs of 5e-4; x6 per layer gives ~0.1.
    6,
  ),
  networkCase(
    'dcganDiscriminator',
    () => dcganDiscriminator({ ndf: 4, imageSize: 16, seed: 8 }),
    () => [uniform([2, 16, 16, 3], 8)],
  ),
  networkCase(
    'adainEncoder (four outputs)',
    () => adainEncoder({ inputShape: [16, 16], outputs: ['relu1_1', 'relu2_1', 'relu3_1', 'relu4_1'] }),
    () => [uniform([1, 16, 16, 3], 9, 0, 1)],
  ),
  networkCase(
    'adainDecoder',
    () => adainDecoder(),
    () => [uniform([1, 2, 2, 512], 10, 0, 1)],
  ),
];

export const TRAINER_CASES: Case[] = [
  trainerCase(
    'Pix2PixTrainer',
    () => {
      const generator = unetGenerator({ ngf: 4, numDowns: 5, seed: 1 });
      const discriminator = patchGANDiscriminator({ inputChannels: 6, ndf: 4, nLayers: 2, seed: 2 });
      return {
        models: [generator, discriminator],
        trainer: new Pix2PixTrainer({ generator, discriminator }),
        data: [uniform([1, 32, 32, 3], 1), uniform([1, 32, 32, 3], 2)],
        probes: [[uniform([1, 32, 32, 3], 11)], [uniform([1, 32, 32, 6], 12)]],
      };
    },
    (t, [a, b]) => t.step(a as tf.Tensor4D, b as tf.Tensor4D),
  ),
  trainerCase(
    'CycleGANTrainer',
    () => {
      const nets = tinyCycleGANNets();
      return {
        models: [nets.gA, nets.gB, nets.dA, nets.dB],
        trainer: new CycleGANTrainer({ ...nets, poolSize: 2, seed: 3 }),
        data: [uniform([1, 16, 16, 3], 3), uniform([1, 16, 16, 3], 4)],
        probes: [11, 12, 13, 14].map((seed) => [uniform([1, 16, 16, 3], seed)]),
      };
    },
    (t, [a, b]) => t.step(a as tf.Tensor4D, b as tf.Tensor4D),
  ),
  trainerCase(
    'InpaintingTrainer (gated generator, SN-PatchGAN)',
    () => {
      const generator = gatedInpaintingGenerator({ cnum: 4, inputShape: [32, 32], seed: 5 });
      const discriminator = snPatchGANDiscriminator({ ndf: 4, inputShape: [32, 32], seed: 6 });
      return {
        models: [generator, discriminator],
        trainer: new InpaintingTrainer({ generator, discriminator }),
        data: [uniform([1, 32, 32, 3], 5), cornerMask([1, 32, 32, 1], 12, 12)],
        probes: [[uniform([1, 32, 32, 3], 11), cornerMask([1, 32, 32, 1], 8, 16)], [uniform([1, 32, 32, 4], 12)]],
      };
    },
    (t, [images, masks]) => t.step(images as tf.Tensor4D, masks as tf.Tensor4D),
    3,
  ),
  trainerCase(
    'DCGANTrainer (bce)',
    () => {
      const generator = dcganGenerator({ nz: 8, ngf: 4, imageSize: 16, seed: 7 });
      const discriminator = dcganDiscriminator({ ndf: 4, imageSize: 16, seed: 8 });
      return {
        models: [generator, discriminator],
        trainer: new DCGANTrainer({ generator, discriminator, seed: 9 }),
        data: [uniform([2, 16, 16, 3], 9), uniform([2, 8], 10)],
        probes: [[uniform([2, 8], 11)], [uniform([2, 16, 16, 3], 12)]],
      };
    },
    (t, [real, noise]) => t.step(real as tf.Tensor4D, { noise: noise as tf.Tensor2D }),
    6,
  ),
];

export const ALL_CASES: Case[] = [...LAYER_CASES, ...NETWORK_CASES, ...TRAINER_CASES];
