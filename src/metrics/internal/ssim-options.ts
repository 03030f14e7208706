/** The window options shared by ssim and msSsim, checked. @internal */
import { checkInteger, checkNumber } from '../../core/checks';
import type { SsimSettings } from './ssim-maps';

/** Options of the SSIM window and constants (Wang et al.'s defaults). */
export interface SsimWindowOptions {
  /** Side of the Gaussian window, an odd integer in [3, 63]. Default 11. */
  windowSize?: number;
  /** Standard deviation of the Gaussian window, in pixels. Default 1.5. */
  sigma?: number;
  /** K1 of C1 = (K1 L)². Default 0.01. */
  k1?: number;
  /** K2 of C2 = (K2 L)². Default 0.03. */
  k2?: number;
}

export function checkSsimWindow(owner: string, o: SsimWindowOptions): SsimSettings {
  const windowSize =
    o.windowSize === undefined ? 11 : checkInteger(owner, 'windowSize', o.windowSize, { min: 3, max: 63 });
  if (windowSize % 2 === 0) throw new Error(`${owner}: windowSize must be odd, got ${windowSize}.`);
  const sigma = o.sigma === undefined ? 1.5 : checkNumber(owner, 'sigma', o.sigma, { min: 0.1, max: 64 });
  const k1 = o.k1 === undefined ? 0.01 : checkNumber(owner, 'k1', o.k1, { min: 0, max: 1, minExclusive: true });
  const k2 = o.k2 === undefined ? 0.03 : checkNumber(owner, 'k2', o.k2, { min: 0, max: 1, minExclusive: true });
  return { windowSize, sigma, k1, k2 };
}
