/** Sizes and step counts of the training parts; `--quick` swaps in tiny ones (for tests and smoke runs). */
export interface DemoSettings {
  quick: boolean;
  /** Result grids show every image enlarged this many times (nearest neighbour). */
  gridScale: number;
  pix2pix: {
    size: number;
    numDowns: number;
    ngf: number;
    ndf: number;
    batch: number;
    steps: number;
    lr: number;
    heldOut: number;
  };
  gaugan: {
    size: number;
    ngf: number;
    hidden: number;
    ndf: number;
    batch: number;
    steps: number;
    lr: number;
    heldOut: number;
  };
  inpainting: {
    size: number;
    cnum: number;
    ndf: number;
    batch: number;
    steps: number;
    lr: number;
    ganAlpha: number;
    heldOut: number;
  };
}

// Learning rates above the references' (pix2pix 2e-4, DeepFill 1e-4) and a small GAN weight for
// inpainting (DeepFill: 1). Measured over these step counts: pix2pix at 2e-4 learned only the
// background, and inpainting at 5e-4 with GAN weight 0.1 filled holes worse than their mean grey.
export const FULL_SETTINGS: DemoSettings = {
  quick: false,
  gridScale: 2,
  pix2pix: { size: 64, numDowns: 6, ngf: 8, ndf: 8, batch: 4, steps: 300, lr: 1e-3, heldOut: 8 },
  inpainting: { size: 64, cnum: 8, ndf: 8, batch: 2, steps: 150, lr: 1e-3, ganAlpha: 0.01, heldOut: 8 },
  // GauGAN: lr 1e-3 (upstream 2e-4) so that a short run gets the region colours.
  gaugan: { size: 64, ngf: 4, hidden: 16, ndf: 8, batch: 2, steps: 100, lr: 1e-3, heldOut: 4 },
};

export const QUICK_SETTINGS: DemoSettings = {
  quick: true,
  gridScale: 1,
  pix2pix: { size: 32, numDowns: 5, ngf: 4, ndf: 4, batch: 1, steps: 3, lr: 1e-3, heldOut: 2 },
  inpainting: { size: 32, cnum: 4, ndf: 4, batch: 1, steps: 3, lr: 5e-4, ganAlpha: 0.1, heldOut: 2 },
  gaugan: { size: 32, ngf: 1, hidden: 4, ndf: 2, batch: 2, steps: 3, lr: 1e-3, heldOut: 2 },
};
