/**
 * The two halves of a CycleGAN step written out (same losses and order as `CycleGANTrainer`,
 * without its NaN snapshot), so the discriminator half can run in a worker thread while the
 * generator half runs on the main thread. Used by `bench/workers.bench.ts` and `worker.ts`.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { resnetGenerator } from '../../src/models/resnet-generator';
import { patchGANDiscriminator } from '../../src/models/patchgan-discriminator';
import { cycleConsistencyLoss, ganLoss, identityLoss } from '../../src/losses';
import { ImagePool } from '../../src/training/image-pool';
import { TrainerAdam, trainableVariables } from '../../src/training/internal/trainer-core';

/** Network sizes of the CycleGAN experiment. */
export interface CycleGANShape {
  size: number;
  ngf: number;
  nBlocks: number;
}

const MODE = 'lsgan';

export function makeGenerators(s: CycleGANShape): { gA: tfl.LayersModel; gB: tfl.LayersModel } {
  return {
    gA: resnetGenerator({ ngf: s.ngf, nBlocks: s.nBlocks, norm: 'instance' }),
    gB: resnetGenerator({ ngf: s.ngf, nBlocks: s.nBlocks, norm: 'instance' }),
  };
}

export function makeDiscriminators(s: CycleGANShape): { dA: tfl.LayersModel; dB: tfl.LayersModel } {
  return {
    dA: patchGANDiscriminator({ ndf: s.ngf, nLayers: 3, norm: 'instance' }),
    dB: patchGANDiscriminator({ ndf: s.ngf, nLayers: 3, norm: 'instance' }),
  };
}

/** Discriminator side: dA, dB, their Adam and the two image pools (seeded like the trainer's). */
export class DiscriminatorHalf {
  readonly opt = new TrainerAdam(2e-4, 0.5, 0.999);
  readonly poolA = new ImagePool({ size: 50, seed: 2 });
  readonly poolB = new ImagePool({ size: 50, seed: 3 });
  constructor(
    readonly dA: tfl.LayersModel,
    readonly dB: tfl.LayersModel,
  ) {}

  /** D step on the fakes of this step's generator forward (before the G update). */
  async step(realA: tf.Tensor4D, realB: tf.Tensor4D, fakeA: tf.Tensor4D, fakeB: tf.Tensor4D): Promise<number> {
    const { dA, dB } = this;
    const poolFakeB = this.poolB.query(fakeB);
    const poolFakeA = this.poolA.query(fakeA);
    const d = tf.variableGrads(
      () => {
        const lossDA = tf.mul(
          tf.add(
            ganLoss(dA.apply(realB, { training: true }) as tf.Tensor, true, MODE),
            ganLoss(dA.apply(poolFakeB, { training: true }) as tf.Tensor, false, MODE),
          ),
          0.5,
        );
        const lossDB = tf.mul(
          tf.add(
            ganLoss(dB.apply(realA, { training: true }) as tf.Tensor, true, MODE),
            ganLoss(dB.apply(poolFakeA, { training: true }) as tf.Tensor, false, MODE),
          ),
          0.5,
        );
        return tf.add(lossDA, lossDB) as tf.Scalar;
      },
      trainableVariables(dA, dB),
    );
    const loss = (await d.value.data())[0]!;
    this.opt.apply(d.grads);
    tf.dispose([d.value, ...Object.values(d.grads), poolFakeA, poolFakeB]);
    return loss;
  }

  dispose(): void {
    this.opt.dispose();
    this.poolA.dispose();
    this.poolB.dispose();
  }
}

/** Generator side: gA, gB and their Adam; the discriminators are read, never updated. */
export class GeneratorHalf {
  readonly opt = new TrainerAdam(2e-4, 0.5, 0.999);
  constructor(
    readonly gA: tfl.LayersModel,
    readonly gB: tfl.LayersModel,
  ) {}

  /** The fakes gA(A), gB(B) in training mode (instance norm: the same values the G step sees). */
  fakes(realA: tf.Tensor4D, realB: tf.Tensor4D): { fakeA: tf.Tensor4D; fakeB: tf.Tensor4D } {
    return tf.tidy(() => ({
      fakeB: this.gA.apply(realA, { training: true }) as tf.Tensor4D,
      fakeA: this.gB.apply(realB, { training: true }) as tf.Tensor4D,
    }));
  }

  /**
   * G step against the given discriminators. Returns the loss and the fakes of its own forward
   * (kept, for a D step that runs after it); the caller disposes the fakes.
   */
  async step(
    realA: tf.Tensor4D,
    realB: tf.Tensor4D,
    dA: tfl.LayersModel,
    dB: tfl.LayersModel,
  ): Promise<{ loss: number; fakeA: tf.Tensor4D; fakeB: tf.Tensor4D }> {
    const { gA, gB } = this;
    let fakeA!: tf.Tensor4D;
    let fakeB!: tf.Tensor4D;
    const g = tf.variableGrads(
      () => {
        fakeB = tf.keep(gA.apply(realA, { training: true }) as tf.Tensor4D);
        fakeA = tf.keep(gB.apply(realB, { training: true }) as tf.Tensor4D);
        const recA = gB.apply(fakeB, { training: true }) as tf.Tensor;
        const recB = gA.apply(fakeA, { training: true }) as tf.Tensor;
        return tf.addN([
          identityLoss(gA.apply(realB, { training: true }) as tf.Tensor, realB, 10, 0.5),
          identityLoss(gB.apply(realA, { training: true }) as tf.Tensor, realA, 10, 0.5),
          ganLoss(dA.apply(fakeB, { training: true }) as tf.Tensor, true, MODE),
          ganLoss(dB.apply(fakeA, { training: true }) as tf.Tensor, true, MODE),
          cycleConsistencyLoss(recA, realA, 10),
          cycleConsistencyLoss(recB, realB, 10),
        ]) as tf.Scalar;
      },
      trainableVariables(gA, gB),
    );
    const loss = (await g.value.data())[0]!;
    this.opt.apply(g.grads);
    tf.dispose([g.value, ...Object.values(g.grads)]);
    return { loss, fakeA, fakeB };
  }

  dispose(): void {
    this.opt.dispose();
  }
}

/** A tensor as plain data for `postMessage` (copied out of the backend). */
export interface TensorData {
  shape: number[];
  data: Float32Array;
}

export function toData(t: tf.Tensor): TensorData {
  return { shape: t.shape.slice(), data: t.dataSync() as Float32Array };
}

export function fromData(d: TensorData): tf.Tensor {
  return tf.tensor(d.data, d.shape, 'float32');
}

/** Every weight of some models, trainable or not, as plain data. */
export function weightsData(models: tfl.LayersModel[]): TensorData[] {
  return models.flatMap((m) => m.weights.map((w) => toData(w.read())));
}

/** Writes weights from {@link weightsData} into models of the same architecture. */
export function setWeightsData(models: tfl.LayersModel[], data: TensorData[]): void {
  let i = 0;
  for (const m of models) {
    for (const w of m.weights) {
      const t = fromData(data[i++]!);
      w.write(t);
      t.dispose();
    }
  }
}
