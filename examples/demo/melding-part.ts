/**
 * The demo's Image Melding part (`npm run demo -- melding`), on the bundled CC0 textures:
 * - rotation: a brick wall with a square of bricks turned 90 degrees, most of the square masked;
 *   `inpaint` against `inpaintMelding` with rotated source patches;
 * - exposure: two exposures of one gravel photograph (55% and 100%) joined down the middle,
 *   pasted against melded (gain and bias per patch, gradient-domain reconstruction);
 * - textures: brick on the left, gravel on the right, pasted against melded.
 * Each writes one grid picture; docs/patchmatch.md shows them (docs/images/demo-melding-*.png).
 */
import { join } from 'node:path';
import type { Mask, PatchMatch } from '../../src/patchmatch/index';
import { imageGrid, readImage, resizeImage, writePng, type RgbaImage } from '../../src/node/index';

type Image = RgbaImage<Uint8Array>;

function crop(image: RgbaImage, x0: number, y0: number, w: number, h: number): Image {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    data.set(image.data.subarray(4 * ((y0 + y) * image.width + x0), 4 * ((y0 + y) * image.width + x0 + w)), 4 * y * w);
  return { width: w, height: h, data };
}

const own = (image: RgbaImage): Image => ({
  width: image.width,
  height: image.height,
  data: new Uint8Array(image.data),
});

/** The mask drawn over the image in red. */
function showMask(image: RgbaImage, mask: Mask): Image {
  const out = own(image);
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) out.data.set([230, 40, 40, 255], 4 * i);
  return out;
}

/** `a` where the mask is 0, `b` where it is set: the hard seam melding removes. */
function paste(a: RgbaImage, b: RgbaImage, mask: Mask): Image {
  const out = own(a);
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) out.data.set(b.data.subarray(4 * i, 4 * i + 4), 4 * i);
  return out;
}

function exposure(image: RgbaImage, k: number): Image {
  return {
    width: image.width,
    height: image.height,
    data: Uint8Array.from(image.data, (v, i) => (i % 4 === 3 ? 255 : Math.min(255, Math.round(k * v)))),
  };
}

/** The right half of a `w x h` image. */
function rightHalf(w: number, h: number): Mask {
  return { width: w, height: h, data: Uint8Array.from({ length: w * h }, (_, i) => (i % w >= w / 2 ? 1 : 0)) };
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await f();
  console.log(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return result;
}

/** Runs the three cases; returns the files written. */
export async function runMelding(out: string, pm: PatchMatch, assets: URL): Promise<string[]> {
  const brick = resizeImage(await readImage(new URL('brick.png', assets).pathname), 256, 256);
  const gravel = resizeImage(await readImage(new URL('gravel.png', assets).pathname), 256, 256);
  const files: string[] = [];

  // Rotation: a 72x72 square of the wall turned 90 degrees, all but a 6-pixel ring masked.
  const wall = crop(brick, 40, 40, 176, 144);
  const [sx, sy, s, ring] = [52, 36, 72, 6];
  const turned = own(wall);
  const mask: Mask<Uint8Array> = {
    width: wall.width,
    height: wall.height,
    data: new Uint8Array(wall.width * wall.height),
  };
  for (let y = 0; y < s; y++) {
    for (let x = 0; x < s; x++) {
      // (x, y) of the square shows the wall's (y, s - 1 - x): the bricks stand on end.
      const from = 4 * ((sy + s - 1 - x) * wall.width + sx + y);
      turned.data.set(wall.data.subarray(from, from + 4), 4 * ((sy + y) * wall.width + sx + x));
      if (x >= ring && y >= ring && x < s - ring && y < s - ring) mask.data[(sy + y) * wall.width + sx + x] = 1;
    }
  }
  const plain = await timed('inpaint (9x9)', () => pm.inpaint(turned, mask, { patchSize: 9, seed: 1 }));
  const rotated = await timed('inpaintMelding, rotations -90, 0, 90 degrees (9x9)', () =>
    pm.inpaintMelding(turned, mask, { patchSize: 9, seed: 1, rotation: { min: -90, max: 90, steps: 3 } }),
  );
  files.push(join(out, 'melding-rotation.png'));
  await writePng(
    files.at(-1)!,
    imageGrid([[turned, showMask(turned, mask), own(plain), own(rotated)]], { padding: 6 }),
  );

  // Exposure: two exposures of one gravel crop joined down the middle.
  const ground = crop(gravel, 0, 40, 192, 128);
  const [dark, bright] = [exposure(ground, 0.55), exposure(ground, 1)];
  const half = rightHalf(ground.width, ground.height);
  const melded = await timed('meldImages, two exposures (gain and bias, gradient domain)', () =>
    pm.meldImages(dark, bright, half, { patchSize: 7, band: 32, seed: 1, gain: [0.5, 2], bias: [-30, 30] }),
  );
  files.push(join(out, 'melding-exposure.png'));
  await writePng(files.at(-1)!, imageGrid([[paste(dark, bright, half), own(melded)]], { padding: 6 }));

  // Textures: brick on the left, gravel on the right.
  const left = crop(brick, 0, 60, 192, 128);
  const right = crop(gravel, 64, 60, 192, 128);
  const textures = await timed('meldImages, brick | gravel', () =>
    pm.meldImages(left, right, half, { patchSize: 7, band: 40, seed: 1, gain: [0.7, 1.4], bias: [-30, 30] }),
  );
  files.push(join(out, 'melding-textures.png'));
  await writePng(files.at(-1)!, imageGrid([[paste(left, right, half), own(textures)]], { padding: 6 }));
  return files;
}
