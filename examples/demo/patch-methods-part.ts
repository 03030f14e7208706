// The demo parts of the feature-space PatchMatch methods: k-nearest-neighbour fields (patch-based
// denoising), image analogies (a learnt emboss filter and texture by numbers) and texture
// transfer. Each writes a grid picture and prints the numbers that say how well it worked.
import { join } from 'node:path';
import type { PatchMatch, RgbaImage } from '../../src/patchmatch/index';
import { imageGrid, readImage, resizeImage, writePng } from '../../src/node/index';
import { mulberry32 } from '../seeded-random';
import { threeLevelLabels, waveLabels } from './label-maps';

const assets = new URL('../assets/', import.meta.url);

type Image = RgbaImage<Uint8Array>;

function crop(image: RgbaImage, x0: number, y0: number, w: number, h: number): Image {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    data.set(image.data.subarray(4 * ((y0 + y) * image.width + x0), 4 * ((y0 + y) * image.width + x0 + w)), 4 * y * w);
  return { width: w, height: h, data };
}

function gray(image: RgbaImage): Image {
  const data = new Uint8Array(image.data.length);
  for (let i = 0; i < data.length; i += 4) {
    const y = Math.round(0.299 * image.data[i]! + 0.587 * image.data[i + 1]! + 0.114 * image.data[i + 2]!);
    data.set([y, y, y, 255], i);
  }
  return { width: image.width, height: image.height, data };
}

/** 3x3 emboss around mid grey (light from the top left), edge pixels clamped. */
export function emboss(image: RgbaImage): Image {
  const { width: w, height: h } = image;
  const k = [-1, -1, 0, -1, 0, 1, 0, 1, 1];
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 128;
      for (let dy = -1; dy <= 1; dy++)
        for (let dx = -1; dx <= 1; dx++) {
          const sx = Math.min(Math.max(x + dx, 0), w - 1);
          const sy = Math.min(Math.max(y + dy, 0), h - 1);
          s += k[(dy + 1) * 3 + dx + 1]! * image.data[4 * (sy * w + sx)]!;
        }
      const v = Math.min(255, Math.max(0, Math.round(s)));
      data.set([v, v, v, 255], 4 * (y * w + x));
    }
  }
  return { width: w, height: h, data };
}

/** PSNR (dB) over R, G and B. */
export function psnr(a: RgbaImage, b: RgbaImage): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) sum += (a.data[i]! - b.data[i]!) ** 2;
  return 10 * Math.log10((255 * 255) / (sum / (a.width * a.height * 3)));
}

/**
 * k-NN fields: non-local-means denoising (Buades et al. 2005) with the k = 8 most similar patches
 * of every patch, found by `nnf(noisy, noisy, { k: 8 })`; each pixel becomes the weighted mean of
 * the centres of its patch's neighbours. Writes noisy | denoised | original.
 */
export async function runKnn(pm: PatchMatch, out: string): Promise<string[]> {
  const photo = await readImage(new URL('chelsea.png', assets).pathname);
  const clean = crop(photo, 100, 40, 200, 150);
  const rand = mulberry32(5);
  const sigma = 20;
  const noisy: Image = { width: clean.width, height: clean.height, data: new Uint8Array(clean.data) };
  for (let i = 0; i < noisy.data.length; i++) {
    if (i % 4 === 3) continue;
    // Box-Muller Gaussian noise.
    const g = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    noisy.data[i] = Math.min(255, Math.max(0, Math.round(clean.data[i]! + sigma * g)));
  }
  const p = 7;
  const k = 8;
  const t0 = performance.now();
  const field = await pm.nnf(noisy, noisy, { patchSize: p, k, seed: 1 });
  const seconds = (performance.now() - t0) / 1000;
  const half = p >> 1;
  const h2 = 2 * (sigma * sigma) * 3 * p * p; // the expected distance of two noisy copies of one patch
  const acc = new Float64Array(noisy.width * noisy.height * 4);
  for (let fy = 0; fy < field.height; fy++) {
    for (let fx = 0; fx < field.width; fx++) {
      const i = fy * field.width + fx;
      const c = 4 * ((fy + half) * noisy.width + fx + half);
      for (let m = 0; m < k; m++) {
        const j = i * k + m;
        const w = Math.exp(-Math.max(0, field.distance[j]! - h2) / h2);
        const s = 4 * ((field.y[j]! + half) * noisy.width + field.x[j]! + half);
        for (let ch = 0; ch < 3; ch++) acc[c + ch] = acc[c + ch]! + w * noisy.data[s + ch]!;
        acc[c + 3] = acc[c + 3]! + w;
      }
    }
  }
  const denoised: Image = { width: noisy.width, height: noisy.height, data: new Uint8Array(noisy.data) };
  for (let i = 0; i < acc.length; i += 4) {
    if (acc[i + 3]! > 0) for (let ch = 0; ch < 3; ch++) denoised.data[i + ch] = Math.round(acc[i + ch]! / acc[i + 3]!);
  }
  console.log(
    `  ${k}-NN field of ${field.width}x${field.height} ${p}x${p} patches in ${seconds.toFixed(2)} s; PSNR against the clean crop: ` +
      `noisy ${psnr(noisy, clean).toFixed(2)} dB, denoised ${psnr(denoised, clean).toFixed(2)} dB (border pixels kept noisy)`,
  );
  const file = join(out, 'knn-denoise.png');
  await writePng(file, imageGrid([[noisy, denoised, clean]], { padding: 6 }));
  return [file];
}

/**
 * Image analogies: (1) A : A' is a cat crop and its emboss, B a coffee-table crop: B' is compared
 * with the emboss of B; (2) texture by numbers: A' a photograph, A its three-level label map, B a
 * label map of waves: B' paints the waves with the photograph's textures. Writes two grids.
 */
export async function runAnalogy(pm: PatchMatch, out: string): Promise<string[]> {
  const cat = await readImage(new URL('chelsea.png', assets).pathname);
  const coffee = await readImage(new URL('coffee.png', assets).pathname);
  const a = gray(resizeImage(cat, 180, 120));
  const aPrime = emboss(a);
  const b = gray(crop(resizeImage(coffee, 300, 200), 60, 40, 180, 120));
  const expected = emboss(b);
  const t0 = performance.now();
  // The settings most faithful to a local filter: small patches, no coherence, no B' term.
  const filtered = await pm.imageAnalogy({ a, aPrime, b, patchSize: 3, kappa: 0, primeWeight: 0, seed: 1 });
  console.log(
    `  emboss learnt from a 180x120 cat crop, applied to a coffee crop in ${((performance.now() - t0) / 1000).toFixed(2)} s: ` +
      `PSNR of B' against emboss(B) ${psnr(filtered, expected).toFixed(2)} dB (B itself: ${psnr(b, expected).toFixed(2)} dB)`,
  );
  const filterFile = join(out, 'analogy-emboss.png');
  await writePng(
    filterFile,
    imageGrid(
      [
        [a, aPrime],
        [b, filtered],
      ],
      { padding: 6 },
    ),
  );

  const photo = resizeImage(crop(coffee, 0, 0, 600, 400), 180, 120);
  const photoLabels = threeLevelLabels(photo, 90, 170);
  const waves = waveLabels(180, 120);
  const t1 = performance.now();
  const painted = await pm.imageAnalogy({
    a: photoLabels,
    aPrime: photo,
    b: waves,
    color: 'aPrime',
    kappa: 5,
    primeWeight: 1,
    seed: 1,
  });
  console.log(`  texture by numbers (180x120, kappa 5): ${((performance.now() - t1) / 1000).toFixed(2)} s`);
  const numbersFile = join(out, 'analogy-texture-by-numbers.png');
  await writePng(
    numbersFile,
    imageGrid(
      [
        [photoLabels, photo],
        [waves, painted],
      ],
      { padding: 6 },
    ),
  );
  return [filterFile, numbersFile];
}

/** Texture transfer: the cat rendered in gravel (alpha 0.7). Writes source | target | output and the luminance correlation. */
export async function runTransfer(pm: PatchMatch, out: string): Promise<string[]> {
  const gravel = await readImage(new URL('gravel.png', assets).pathname);
  const cat = await readImage(new URL('chelsea.png', assets).pathname);
  const source = crop(gravel, 100, 100, 150, 150);
  const target = resizeImage(cat, 225, 150);
  const t0 = performance.now();
  const output = await pm.transferTexture({ source, target, alpha: 0.7, patchSize: 7, kappa: 1, seed: 1 });
  const lum = (im: RgbaImage) =>
    Array.from(
      { length: im.width * im.height },
      (_, i) => 0.299 * im.data[4 * i]! + 0.587 * im.data[4 * i + 1]! + 0.114 * im.data[4 * i + 2]!,
    );
  const [x, y] = [lum(output), lum(target)];
  const mean = (v: number[]) => v.reduce((s, q) => s + q, 0) / v.length;
  const [mx, my] = [mean(x), mean(y)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  console.log(
    `  225x150 target from a 150x150 gravel sample in ${((performance.now() - t0) / 1000).toFixed(2)} s; ` +
      `luminance correlation with the target ${(sxy / Math.sqrt(sxx * syy)).toFixed(3)}`,
  );
  const file = join(out, 'transfer-gravel-cat.png');
  await writePng(file, imageGrid([[source, target, output]], { padding: 6 }));
  return [file];
}
