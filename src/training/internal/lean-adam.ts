import * as tf from '@tensorflow/tfjs-core';
import { FUSED_ADAM_UPDATE } from '../../core/kernel-capabilities';

/** The fields of tfjs-core 4.x's `AdamOptimizer` that its declarations mark private. */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
}

/**
 * tfjs's Adam with the same update and the same saved state (`getWeights()` / `setWeights()`,
 * class name 'Adam'), but each variable is updated inside its own `tidy`.
 *
 * Why: `tf.AdamOptimizer.applyGradients` updates every variable inside one `tidy`, so about a
 * dozen weight-sized temporaries per variable stay alive until the whole update ends. For
 * unet_256 (54M parameters) that alone passes the 4 GB limit of WebAssembly memory on the wasm
 * backend; here the temporaries of one variable are freed before the next is updated.
 *
 * Update (Kingma and Ba 2015), per variable w with gradient g, at step t, in the order of
 * `torch.optim.Adam`:
 * m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2;
 * w <- w - (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + epsilon).
 *
 * Porting note: the bias corrections 1 - beta1^t and 1 - beta2^t are computed in float64 from
 * the step count, as PyTorch does in Python floats. tfjs keeps beta^t in float32 variables
 * multiplied once per step: 1 - float32(0.999) is already 1.3e-5 off 1 - 0.999, and the products
 * drift further, so tf.train.adam's parameters end up about 1e-5 (relative) from
 * torch.optim.Adam's after 1,000 steps, against under 4e-7 here. The float32 beta-power
 * variables are still advanced, so the optimizer's state stays tfjs's.
 *
 * When the current backend has this library's fused Adam kernel (`FUSED_ADAM_UPDATE`, registered
 * for 'wasm' and 'cpu' by `initBackend`), each float32 variable is updated by it in one pass,
 * with the same bits as the 13 element-wise ops below; other backends run those ops.
 * @internal
 */
export class LeanAdamOptimizer extends tf.AdamOptimizer {
  /** Whether to use the fused kernel when the backend has one (tests compare both paths). @internal */
  useFusedKernel = true;

  override applyGradients(variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    // The slots and beta powers are private in tfjs's declarations; reusing them keeps the saved
    // state (getWeights/setWeights, serialization) exactly that of tf.train.adam.
    const self = this as unknown as AdamInternals;
    const names = Array.isArray(variableGradients)
      ? variableGradients.map((v) => v.name)
      : Object.keys(variableGradients);
    // Step t counts from 1; `iterations` is restored by setWeights, so a resumed run continues.
    const t = this.iterations + 1;
    const stepSize = this.learningRate / (1 - this.beta1 ** t);
    const correction2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    names.forEach((name, i) => {
      const value = tf.engine().registeredVariables[name];
      if (value == null) throw new Error(`Adam.applyGradients: no variable named ${JSON.stringify(name)}.`);
      // Slots are created on first use, named and ordered as tfjs's Adam does, so saved optimizer
      // state stays interchangeable with tf.train.adam's.
      self.accumulatedFirstMoment[i] ??= {
        originalName: `${name}/m`,
        variable: tf.tidy(() => tf.variable(tf.zerosLike(value), false)),
      };
      self.accumulatedSecondMoment[i] ??= {
        originalName: `${name}/v`,
        variable: tf.tidy(() => tf.variable(tf.zerosLike(value), false)),
      };
      const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
      if (gradient == null) return;
      const m = self.accumulatedFirstMoment[i]!.variable;
      const v = self.accumulatedSecondMoment[i]!.variable;
      const fused =
        this.useFusedKernel &&
        tf.getKernel(FUSED_ADAM_UPDATE, tf.getBackend()) != null &&
        value.dtype === 'float32' &&
        gradient.dtype === 'float32' &&
        m.dtype === 'float32' &&
        v.dtype === 'float32' &&
        tf.util.arraysEqual(gradient.shape, value.shape);
      tf.tidy(() => {
        if (fused) {
          const attrs = { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, correction2Sqrt, stepSize };
          const [newW, newM, newV] = tf
            .engine()
            .runKernel(
              FUSED_ADAM_UPDATE,
              { w: value, m, v, g: gradient },
              attrs as unknown as tf.NamedAttrMap,
            ) as tf.Tensor[];
          m.assign(newM!);
          v.assign(newV!);
          value.assign(newW!);
          return;
        }
        const newM = tf.add(tf.mul(m, this.beta1), tf.mul(gradient, 1 - this.beta1));
        const newV = tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(gradient), 1 - this.beta2));
        m.assign(newM);
        v.assign(newV);
        const denominator = tf.add(tf.div(tf.sqrt(newV), correction2Sqrt), this.epsilon);
        value.assign(tf.add(value, tf.mul(tf.div(newM, denominator), -stepSize)));
      });
    });
    tf.tidy(() => {
      self.accBeta1.assign(tf.mul(self.accBeta1, this.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, this.beta2));
    });
    this.incrementIterations();
  }
}
