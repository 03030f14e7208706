import * as tf from '@tensorflow/tfjs-core';
import { checkInteger } from '../core/checks';
import { createRandom, type Random } from '../core/random';

/** Options of {@link ImagePool}. */
export interface ImagePoolOptions {
  /** Images kept. Default 50 (CycleGAN); 0 makes `query` a pass-through (pix2pix). */
  size?: number;
  /** Seed of the pool's random decisions. Default: unseeded (differs between runs). */
  seed?: number;
}

/** What {@link ImagePool.getState} returns: enough to resume the pool exactly. */
export interface ImagePoolState {
  /** Copies of the stored images, [h, w, c] each, in slot order (the caller owns them). */
  images: tf.Tensor3D[];
  /** State of the pool's random generator. */
  rngState: number;
}

/**
 * The image history buffer of CycleGAN (Zhu et al. 2017, section 4, after Shrivastava et al.
 * 2017): the discriminator is trained on a mix of the newest generated images and older ones,
 * which reduces oscillation. Same rule as the reference's `ImagePool.query`, per image of the
 * batch: while fewer than `size` images are stored, store a copy and return it; otherwise with
 * p ~ U(0, 1), if p > 0.5 return the image stored in a random slot (0..size-1) and store the new
 * image there, else return the new image and leave the pool unchanged.
 *
 * The pool owns its stored tensors (copies, so callers may dispose their inputs); call
 * `dispose()` when done. `query` returns a new tensor the caller owns.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, training } from 'tfjs-synth';
 * await initBackend();
 * const pool = new training.ImagePool({ size: 50, seed: 1 });
 * const fakes = tf.randomUniform<tf.Rank.R4>([1, 64, 64, 3], -1, 1);
 * const forD = pool.query(fakes); // [1, 64, 64, 3]
 * pool.dispose();
 * ```
 */
export class ImagePool {
  /** Capacity. */
  readonly size: number;
  private readonly rng: Random;
  private readonly images: tf.Tensor3D[] = [];
  private disposed = false;

  constructor(options: ImagePoolOptions = {}) {
    this.size = checkInteger('ImagePool', 'size', options.size ?? 50, { min: 0 });
    this.rng = createRandom(options.seed);
  }

  /** Number of images stored now (at most `size`). */
  get count(): number {
    return this.images.length;
  }

  /**
   * Returns a batch of the same shape as `images`, mixing them with stored ones (see the class).
   * Input/output shape: [b, h, w, c].
   */
  query(images: tf.Tensor4D): tf.Tensor4D {
    if (this.disposed) throw new Error('ImagePool.query: the pool has been disposed.');
    if (!(images instanceof tf.Tensor) || images.rank !== 4) {
      throw new Error(
        `ImagePool.query: expected images of rank 4 [b, h, w, c], got shape [${images?.shape?.join(', ')}].`,
      );
    }
    if (this.size === 0) return tf.clone(images);
    const stored = this.images[0];
    if (stored && !stored.shape.every((d, i) => d === images.shape[i + 1])) {
      throw new Error(
        `ImagePool.query: images [${images.shape.join(', ')}] do not match the stored images [${stored.shape.join(', ')}] (per image).`,
      );
    }
    const parts = tf.unstack(images) as tf.Tensor3D[];
    const out: tf.Tensor3D[] = [];
    for (const image of parts) {
      if (this.images.length < this.size) {
        // The unstacked slice is a fresh tensor: the pool keeps it and returns a copy.
        this.images.push(tf.keep(image));
        out.push(tf.clone(image));
      } else if (this.rng.next() > 0.5) {
        const slot = this.rng.int(0, this.size - 1);
        out.push(this.images[slot]!); // the old image leaves the pool and goes to the caller
        this.images[slot] = tf.keep(image);
      } else {
        out.push(image);
      }
    }
    const batch = tf.stack(out) as tf.Tensor4D;
    tf.dispose(out.concat(parts).filter((t) => !this.images.includes(t)));
    return batch;
  }

  /** Copies of the stored images and the random state, so a resumed run makes the same choices. */
  getState(): ImagePoolState {
    if (this.disposed) throw new Error('ImagePool.getState: the pool has been disposed.');
    return { images: this.images.map((t) => tf.clone(t)), rngState: this.rng.getState() };
  }

  /** Restores a state from {@link getState}: the pool stores copies of `state.images`. */
  setState(state: ImagePoolState): void {
    if (this.disposed) throw new Error('ImagePool.setState: the pool has been disposed.');
    if (state.images.length > this.size) {
      throw new Error(
        `ImagePool.setState: the state holds ${state.images.length} images but the pool's size is ${this.size}.`,
      );
    }
    const shape = state.images[0]?.shape;
    if (state.images.some((t) => t.rank !== 3 || !tf.util.arraysEqual(t.shape, shape!))) {
      throw new Error('ImagePool.setState: the images must all be rank 3 [h, w, c] with one shape.');
    }
    this.rng.setState(state.rngState);
    tf.dispose(this.images);
    this.images.length = 0;
    for (const t of state.images) this.images.push(tf.keep(tf.clone(t)));
  }

  /** Frees the stored images; the pool cannot be queried afterwards. */
  dispose(): void {
    tf.dispose(this.images);
    this.images.length = 0;
    this.disposed = true;
  }
}
