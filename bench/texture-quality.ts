/**
 * Texture synthesis quality: `synthesizeTexture` on 128x128 samples of four textures (the demo's
 * brick crop, a second brick crop, grass, gravel; CC0, from examples/assets and bench/assets) to
 * 320x320 with 9x9 patches, seeds 3, 4 and 5, scored by
 * - coherence at 9x9: the mean squared error per value (R, G, B) of every output patch to its
 *   nearest sample patch (Simakov et al. 2008): does the output consist of the sample's patches?
 * - completeness at 9x9: the same from every sample patch to its nearest output patch: does the
 *   output keep all of the sample (the joints between bricks, not only the long mortar lines)?
 * - coherence at 25x25: as coherence, with windows wider than a brick's mortar joint spacing at
 *   this scale. A mortar line that jogs sideways, a joint that stops inside a brick or a stub of a
 *   joint leaves a 25x25 window that appears nowhere in the sample, while its 9x9 patches each
 *   still do; so this is the number that catches broken joints.
 * Nearest patches come from PatchMatch itself (10 iterations, seed 1), an approximation that is
 * the same for every variant compared.
 *
 * Run with `npx tsx bench/texture-quality.ts`; `TEXTURE_OPTIONS='{"emIterations":6}'` adds
 * options to every call (a JSON object), `TEXTURE_OUT=folder` writes every result as a PNG, and
 * `TEXTURE_CASES=brick,grass` picks samples. Prints one line per sample and the means over all.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { createPatchMatch } from '../src/patchmatch/index';
import type { PatchMatch, RgbaImage, TextureOptions } from '../src/patchmatch/index';
import { cropImage } from '../src/patchmatch/pixels';

const benchDir = dirname(fileURLToPath(import.meta.url));

function readAny(path: string): RgbaImage {
  const bytes = readFileSync(path);
  if (path.endsWith('.png')) {
    const png = PNG.sync.read(bytes);
    return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
  }
  const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return { width: j.width, height: j.height, data: new Uint8Array(j.data) };
}

/** A copy of the w x h region of `im` at (x0, y0). */
const crop = (im: RgbaImage, x0: number, y0: number, w: number, h: number): RgbaImage =>
  cropImage(im, { x0, y0, width: w, height: h });

/** The samples: name, file, top-left corner of the 128x128 crop. */
export const TEXTURE_SAMPLES: ReadonlyArray<{ name: string; file: string; x: number; y: number }> = [
  // The demo's sample (examples/demo.ts, part texture).
  { name: 'brick', file: '../examples/assets/brick.png', x: 40, y: 40 },
  { name: 'brick-b', file: 'assets/brick-cropb-192.jpg', x: 32, y: 32 },
  { name: 'grass', file: 'assets/grass-cropa-192.jpg', x: 32, y: 32 },
  { name: 'gravel', file: '../examples/assets/gravel.png', x: 40, y: 40 },
];

export const TEXTURE_SEEDS = [3, 4, 5] as const;

export interface TextureScore {
  coherence9: number;
  completeness9: number;
  coherence25: number;
  completeness25: number;
}

/** Mean squared error per value of a's p x p patches to their nearest patches of b. */
async function meanNearest(pm: PatchMatch, a: RgbaImage, b: RgbaImage, p: number): Promise<number> {
  const f = await pm.nnf(a, b, { patchSize: p, iterations: 10, seed: 1 });
  let s = 0;
  for (let i = 0; i < f.distance.length; i++) s += f.distance[i]!;
  return s / f.distance.length / (3 * p * p);
}

export async function scoreTexture(pm: PatchMatch, out: RgbaImage, sample: RgbaImage): Promise<TextureScore> {
  return {
    coherence9: await meanNearest(pm, out, sample, 9),
    completeness9: await meanNearest(pm, sample, out, 9),
    coherence25: await meanNearest(pm, out, sample, 25),
    completeness25: await meanNearest(pm, sample, out, 25),
  };
}

function writePng(path: string, im: RgbaImage): void {
  const png = new PNG({ width: im.width, height: im.height });
  png.data = Buffer.from(im.data);
  writeFileSync(path, PNG.sync.write(png));
}

async function main(): Promise<void> {
  const extra = JSON.parse(process.env.TEXTURE_OPTIONS ?? '{}') as Partial<TextureOptions>;
  const outDir = process.env.TEXTURE_OUT;
  if (outDir !== undefined) mkdirSync(outDir, { recursive: true });
  const only = process.env.TEXTURE_CASES?.split(',');
  const pm = await createPatchMatch({ backend: 'wasm' });
  const all: TextureScore[] = [];
  const times: number[] = [];
  for (const s of TEXTURE_SAMPLES) {
    if (only !== undefined && !only.includes(s.name)) continue;
    const sample = crop(readAny(join(benchDir, s.file)), s.x, s.y, 128, 128);
    const scores: TextureScore[] = [];
    for (const seed of TEXTURE_SEEDS) {
      const t0 = performance.now();
      const out = await pm.synthesizeTexture(sample, { width: 320, height: 320, patchSize: 9, seed, ...extra });
      times.push(performance.now() - t0);
      if (outDir !== undefined) writePng(join(outDir, `${s.name}-${seed}.png`), out);
      scores.push(await scoreTexture(pm, out, sample));
    }
    all.push(...scores);
    const mean = (k: keyof TextureScore) => scores.reduce((a, v) => a + v[k], 0) / scores.length;
    console.log(
      `${s.name.padEnd(8)} coherence9 ${mean('coherence9').toFixed(1).padStart(6)}  completeness9 ${mean('completeness9').toFixed(1).padStart(6)}  coherence25 ${mean('coherence25').toFixed(1).padStart(6)}  completeness25 ${mean('completeness25').toFixed(1).padStart(6)}   per seed ${scores.map((v) => `${v.coherence9.toFixed(1)}/${v.completeness9.toFixed(1)}/${v.coherence25.toFixed(1)}/${v.completeness25.toFixed(1)}`).join(' ')}`,
    );
  }
  const mean = (k: keyof TextureScore) => all.reduce((a, v) => a + v[k], 0) / all.length;
  const sorted = [...times].sort((a, b) => a - b);
  console.log(
    `all      coherence9 ${mean('coherence9').toFixed(1).padStart(6)}  completeness9 ${mean('completeness9').toFixed(1).padStart(6)}  coherence25 ${mean('coherence25').toFixed(1).padStart(6)}  completeness25 ${mean('completeness25').toFixed(1).padStart(6)}   median time ${(sorted[sorted.length >> 1]! / 1000).toFixed(2)} s`,
  );
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) await main();
