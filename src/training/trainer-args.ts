/**
 * Argument types every trainer shares: the Adam settings of its two optimizers and the progress
 * callback.
 */

/** What `onProgress` receives after each successful step. */
export interface TrainerProgress<L> {
  /** Number of completed steps (1 after the first). */
  step: number;
  losses: L;
}

/** Arguments common to `Pix2PixTrainer`, `CycleGANTrainer` and `InpaintingTrainer`. */
export interface TrainerCommonArgs<L> {
  /**
   * Adam learning rate of both optimizers (generator side and discriminator side). Default: the
   * reference's, 2e-4 for pix2pix and CycleGAN, 1e-4 for DeepFill v2 inpainting.
   */
  lr?: number;
  /** Adam beta1. Default 0.5. */
  beta1?: number;
  /** Adam beta2. Default 0.999. */
  beta2?: number;
  /** Called after every successful step. */
  onProgress?: (progress: TrainerProgress<L>) => void;
}
