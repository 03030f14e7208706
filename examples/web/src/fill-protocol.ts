// Messages between the page and fill-worker.ts. No DOM and no code here, types only.
import type { Mask, RgbaImage } from '../../../src/patchmatch/index';

/** Page -> worker: fill the mask's holes of this image (both copies the page no longer uses). */
export interface FillRequest {
  id: number;
  image: RgbaImage;
  mask: Mask;
}

/** Worker -> page. `id` 0 on an error means the engine itself failed to start. */
export type FillReply =
  | { type: 'ready'; backend: 'wasm' | 'js' }
  | { type: 'progress'; id: number; fraction: number }
  | { type: 'done'; id: number; width: number; height: number; data: Uint8ClampedArray<ArrayBuffer> }
  | { type: 'error'; id: number; message: string };
