import * as tf from '@tensorflow/tfjs-core';

/** The fields of tfjs-core 4.x's `RMSPropOptimizer` that its declarations mark private. */
interface RmspropInternals {
  accumulatedMeanSquares: { originalName: string; variable: tf.Variable }[];
  accumulatedMoments: { originalName: string; variable: tf.Variable }[];
}

/**
 * tfjs's RMSProp (momentum 0, not centred) with `torch.optim.RMSprop`'s update and tfjs's saved
 * state (`getWeights()` / `setWeights()`, class name 'RMSProp'): per variable w with gradient g,
 *
 *     v <- alpha v + (1 - alpha) g^2;   w <- w - lr g / (sqrt(v) + eps)
 *
 * with torch's defaults alpha 0.99 and eps 1e-8 (WGAN's optimizer, Arjovsky et al. 2017).
 *
 * Porting note: tfjs's RMSProp divides by sqrt(v + eps) and defaults to decay 0.9; torch divides
 * by sqrt(v) + eps. The momentum slot tfjs keeps holds the last step lr g / (sqrt(v) + eps), so
 * the state has tfjs's layout.
 * @internal
 */
export class TorchRmspropOptimizer extends tf.RMSPropOptimizer {
  constructor(learningRate: number, alpha = 0.99, epsilon = 1e-8) {
    super(learningRate, alpha, 0, epsilon, false);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const self = this as unknown as RmspropInternals;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      if (value == null) throw new Error(`RMSprop.applyGradients: no variable named ${JSON.stringify(name)}.`);
      self.accumulatedMeanSquares[i] ??= {
        originalName: `${name}/rms`,
        variable: tf.tidy(() => tf.variable(tf.zerosLike(value), false)),
      };
      self.accumulatedMoments[i] ??= {
        originalName: `${name}/momentum`,
        variable: tf.tidy(() => tf.variable(tf.zerosLike(value), false)),
      };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
      if (gradient == null) return;
      const v = self.accumulatedMeanSquares[i]!.variable;
      const stepSlot = self.accumulatedMoments[i]!.variable;
      tf.tidy(() => {
        const newV = tf.add(tf.mul(v, this.decay), tf.mul(tf.square(gradient), 1 - this.decay));
        const step = tf.div(tf.mul(gradient, this.learningRate), tf.add(tf.sqrt(newV), this.epsilon));
        v.assign(newV);
        stepSlot.assign(step);
        value.assign(tf.sub(value, step));
      });
    });
    this.incrementIterations();
  }
}
