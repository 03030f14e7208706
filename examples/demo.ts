/**
 * The main job: `npm run demo` shows tfjs-synth end to end and writes its pictures to an output
 * folder (default `demo-output/`).
 *
 *   npm run demo                      # every part
 *   npm run demo -- patchmatch        # one part: patchmatch | texture | melding | knn | analogy | transfer | pix2pix | inpainting | gaugan
 *   npm run demo -- --out my-folder   # another output folder
 *   npm run demo -- --quick           # tiny models and 3 training steps (a smoke test)
 *   npm run demo -- --backend cpu     # train on tfjs-backend-cpu instead of wasm
 *
 * The README's pictures in docs/images are copies of three of the files it writes; after a full run,
 * `node scripts/check-demo-pictures.mjs` checks that they still are.
 *
 * Parts:
 * - patchmatch: removes the spoon from a CC0 photograph with PatchMatch inpainting (WebAssembly SIMD).
 * - texture: grows a 128x128 crop of a CC0 brick texture into a 320x320 texture.
 * - melding: Image Melding on the CC0 brick and gravel textures: a hole in rotated bricks filled
 *   with rotated source patches, and two exposures and two textures melded along a seam.
 * - knn: denoises a noisy crop of the cat photograph by non-local means over a k-NN field.
 * - analogy: learns an emboss filter from a cat crop and applies it to a coffee crop; paints a
 *   label map of waves with the coffee photograph's textures (texture by numbers).
 * - transfer: renders the cat photograph out of gravel texture patches.
 * - pix2pix: trains a small U-Net + PatchGAN pair on procedurally drawn outlines -> filled
 *   shapes (wasm backend); writes a loss curve (SVG) and an input | output | target grid.
 * - inpainting: trains a small user-guided gated-convolution (DeepFill v2) generator on random
 *   free-form and box holes in brick and gravel crops, with the Canny edges inside each hole as its
 *   guide; writes a loss curve and a masked (with the guide) | output with an empty guide | output
 *   with the true edges | original grid, and prints the hole L1 with and without the edges.
 * - gaugan (only when named): trains a small SPADE generator and multi-scale discriminator on
 *   synthetic sky / grass / water label maps painted from the CC0 photos; writes a loss curve and a
 *   label map | output | target grid.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BACKEND_NAMES, initBackend, type BackendName } from '../src/index';
import { runGauGAN } from './demo/gaugan-part';
import { runInpainting } from './demo/inpainting-part';
import { runMelding } from './demo/melding-part';
import { runAnalogy, runKnn, runTransfer } from './demo/patch-methods-part';
import { runPix2Pix } from './demo/pix2pix-part';
import { FULL_SETTINGS, QUICK_SETTINGS, type DemoSettings } from './demo/settings';
import { createPatchMatch, type Mask, type PatchMatch } from '../src/patchmatch/index';
import { createProgressBar, imageGrid, readImage, resizeImage, writePng, type RgbaImage } from '../src/node/index';

const assets = new URL('./assets/', import.meta.url);

interface Part {
  describe: string;
  run: (out: string, settings: DemoSettings, backend: BackendName) => Promise<string[]>;
}

/** Distance from (x, y) to the segment a-b. */
function segmentDistance(x: number, y: number, ax: number, ay: number, bx: number, by: number): number {
  const t = Math.max(0, Math.min(1, ((x - ax) * (bx - ax) + (y - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
  return Math.hypot(x - (ax + t * (bx - ax)), y - (ay + t * (by - ay)));
}

/**
 * A hole over the spoon in coffee.png, drawn along what the photograph shows of it, with 3 pixels
 * of margin for its shadow and soft edges: the top of the handle, above the saucer; the handle's
 * thin edge beside the cup (the rest of the handle is behind the cup, whose wall stays unmasked);
 * the neck; the bowl; and the bowl's reflection in the cup's glaze.
 */
function spoonMask(width: number, height: number): Mask {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inside =
        segmentDistance(x, y, 412, 74, 408, 116) <= 15 || // handle, top
        segmentDistance(x, y, 413, 104, 401, 170) <= 4 || // handle's edge beside the cup
        segmentDistance(x, y, 401, 170, 388, 212) <= 4 ||
        segmentDistance(x, y, 389, 202, 374, 236) <= 12 || // neck
        segmentDistance(x, y, 386, 214, 370, 244) <= 10 ||
        Math.hypot(x - 366, y - 284) <= 48 || // bowl
        Math.hypot((x - 336) / 24, (y - 246) / 17) <= 1; // the bowl's reflection in the cup
      if (inside) data[y * width + x] = 1;
    }
  }
  return { width, height, data };
}

/** The mask drawn over the image in red, to show what is removed. */
function showMask(image: RgbaImage<Uint8Array>, mask: Mask): RgbaImage<Uint8Array> {
  const data = new Uint8Array(image.data);
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i]) data.set([230, 40, 40, 255], 4 * i);
  }
  return { width: image.width, height: image.height, data };
}

function crop(image: RgbaImage<Uint8Array>, x0: number, y0: number, w: number, h: number): RgbaImage<Uint8Array> {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    data.set(image.data.subarray(4 * ((y0 + y) * image.width + x0), 4 * ((y0 + y) * image.width + x0 + w)), 4 * y * w);
  return { width: w, height: h, data };
}

async function timed<T>(label: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await f();
  console.log(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  return result;
}

function progressReporter(label: string) {
  const bar = createProgressBar({ total: 100, label });
  return {
    update: (fraction: number) => bar.update(Math.round(fraction * 100)),
    stop: () => bar.stop(),
  };
}

let patchMatch: Promise<PatchMatch> | undefined;
const getPatchMatch = () => (patchMatch ??= createPatchMatch());

const parts: Record<string, Part> = {
  patchmatch: {
    describe: 'PatchMatch object removal (coffee.png, spoon removed)',
    async run(out) {
      const pm = await getPatchMatch();
      const image = await readImage(new URL('coffee.png', assets).pathname);
      const mask = spoonMask(image.width, image.height);
      const holePercent = (100 * Uint8Array.from(mask.data).reduce((n, v) => n + v, 0)) / mask.data.length;
      console.log(`  ${image.width}x${image.height} image, ${holePercent.toFixed(1)}% masked, backend ${pm.backend}`);
      const progress = progressReporter('inpaint');
      // Image Melding's fill: with mirrored source patches the rim's right end comes out round
      // (without them it ends in a white flap), and the gradient-domain rebuild keeps the saucer
      // continuous under the bowl. vote: 'best' takes every filled pixel from its best-matching
      // patch instead of the mean of all covering patches, which blurred the cup's outer edge and
      // the wood where the handle crossed the rim into a light smudge; screening 0.3 (the voted
      // colours count more than with the default 0.01) keeps that edge sharp.
      const filled = await timed("inpaintMelding (7x7 patches, reflection, vote 'best', screening 0.3)", () =>
        pm.inpaintMelding(image, mask, {
          patchSize: 7,
          seed: 1,
          reflection: true,
          vote: 'best',
          screening: 0.3,
          onProgress: (p) => progress.update(p.fraction),
        }),
      );
      progress.stop();
      const files = [
        'patchmatch-input.png',
        'patchmatch-mask.png',
        'patchmatch-result.png',
        'patchmatch-side-by-side.png',
        'patchmatch-readme.png',
      ].map((f) => join(out, f));
      const sideBySide = imageGrid([[showMask(image, mask), filled]], { padding: 8 });
      await writePng(files[0]!, image);
      await writePng(files[1]!, showMask(image, mask));
      await writePng(files[2]!, filled);
      await writePng(files[3]!, sideBySide);
      // The README's picture (docs/images/demo-patchmatch.png): the side-by-side at 60%.
      await writePng(
        files[4]!,
        resizeImage(sideBySide, Math.round(sideBySide.width * 0.6), Math.round(sideBySide.height * 0.6)),
      );
      return files;
    },
  },
  texture: {
    describe: 'PatchMatch texture synthesis (brick.png, 128x128 sample -> 320x320)',
    async run(out) {
      const pm = await getPatchMatch();
      const brick = await readImage(new URL('brick.png', assets).pathname);
      const sample = crop(brick, 40, 40, 128, 128);
      const progress = progressReporter('texture');
      const texture = await timed('synthesizeTexture 320x320 (9x9 patches)', () =>
        pm.synthesizeTexture(sample, {
          width: 320,
          height: 320,
          patchSize: 9,
          seed: 3,
          onProgress: (p) => progress.update(p.fraction),
        }),
      );
      progress.stop();
      const files = [join(out, 'texture-sample.png'), join(out, 'texture-result.png'), join(out, 'texture-side.png')];
      await writePng(files[0]!, sample);
      await writePng(files[1]!, texture);
      // docs/patchmatch.md's picture (docs/images/demo-texture.png): sample | result.
      await writePng(files[2]!, imageGrid([[sample, texture]], { padding: 8 }));
      return files;
    },
  },
  melding: {
    describe: 'Image Melding (rotated source patches; two exposures and two textures melded along a seam)',
    async run(out) {
      return runMelding(out, await getPatchMatch(), assets);
    },
  },
  knn: {
    describe: 'PatchMatch k-nearest-neighbour fields: non-local-means denoising of a noisy cat crop',
    run: async (out) => runKnn(await getPatchMatch(), out),
  },
  analogy: {
    describe: 'PatchMatch image analogies: a learnt emboss filter, and texture by numbers (coffee.png)',
    run: async (out) => runAnalogy(await getPatchMatch(), out),
  },
  transfer: {
    describe: 'PatchMatch texture transfer: the cat rendered in gravel',
    run: async (out) => runTransfer(await getPatchMatch(), out),
  },
  pix2pix: {
    describe: 'pix2pix training on generated outlines -> filled shapes (U-Net + PatchGAN)',
    async run(out, settings, backend) {
      await initBackend(backend);
      return runPix2Pix(out, settings);
    },
  },
  inpainting: {
    describe: 'user-guided gated-convolution inpainting trained on free-form holes in brick and gravel crops',
    async run(out, settings, backend) {
      await initBackend(backend);
      return runInpainting(out, settings);
    },
  },
  gaugan: {
    describe: 'GauGAN (SPADE) on synthetic sky / grass / water label maps painted from the CC0 photos',
    async run(out, settings, backend) {
      await initBackend(backend);
      return runGauGAN(out, settings);
    },
  },
};

/** Parts that run only when named (not part of the default run). */
const OPTIONAL_PARTS = ['gaugan'];

/** What the command line asks for: the parts in order, the output folder and the training sizes. */
export interface DemoOptions {
  parts: string[];
  out: string;
  settings: DemoSettings;
  /** tfjs backend of the training parts. */
  backend: BackendName;
}

/**
 * Reads the demo's arguments: part names (default all), `--out <folder>` (default
 * `demo-output`), `--quick` (tiny training settings), `--backend wasm|cpu` (default wasm).
 * @example
 * ```ts
 * parseDemoArgs(['pix2pix', '--quick']); // { parts: ['pix2pix'], out: '<cwd>/demo-output', settings: QUICK_SETTINGS, backend: 'wasm' }
 * ```
 * @throws Error listing the valid parts for an unknown part or option.
 */
export function parseDemoArgs(args: readonly string[]): DemoOptions {
  const optionValue = (option: string): string | undefined => {
    const i = args.indexOf(option);
    if (i < 0) return undefined;
    const v = args[i + 1];
    if (v == null || v.startsWith('--')) throw new Error(`demo: ${option} needs a value.`);
    return v;
  };
  const out = resolve(optionValue('--out') ?? 'demo-output');
  const backend = (optionValue('--backend') ?? 'wasm') as BackendName;
  if (!BACKEND_NAMES.includes(backend))
    throw new Error(`demo: unknown backend ${backend}; valid backends are ${BACKEND_NAMES.join(', ')}.`);
  const options = args.filter((a) => a.startsWith('--'));
  const badOption = options.find((o) => !['--out', '--backend', '--quick'].includes(o));
  if (badOption)
    throw new Error(
      `demo: unknown option ${badOption}; valid options are --out <folder>, --backend <wasm|cpu> and --quick.`,
    );
  const values = new Set(['--out', '--backend'].map((o) => args.indexOf(o) + 1).filter((i) => i > 0));
  const wanted = args.filter((a, i) => !a.startsWith('--') && !values.has(i));
  const unknown = wanted.filter((w) => !Object.hasOwn(parts, w));
  if (unknown.length) {
    throw new Error(`demo: unknown part(s) ${unknown.join(', ')}; valid parts are ${Object.keys(parts).join(', ')}.`);
  }
  return {
    parts: wanted.length ? wanted : Object.keys(parts).filter((p) => !OPTIONAL_PARTS.includes(p)),
    out,
    settings: options.includes('--quick') ? QUICK_SETTINGS : FULL_SETTINGS,
    backend,
  };
}

/**
 * Runs the demo for the given command-line arguments; returns the files written.
 *
 * @example
 * ```ts
 * const files = await runDemo(['inpainting', '--quick', '--out', 'tmp-demo']);
 * ```
 */
export async function runDemo(args: readonly string[]): Promise<string[]> {
  const { parts: names, out, settings, backend } = parseDemoArgs(args);
  await mkdir(out, { recursive: true });
  const written: string[] = [];
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  for (const name of names) {
    const part = parts[name]!;
    console.log(`\n== ${name}: ${part.describe}`);
    const t = performance.now();
    const cpu = process.cpuUsage();
    const files = await part.run(out, settings, backend);
    for (const f of files) console.log(`  wrote ${f}`);
    // CPU time too: on a busy machine the wall time says little about the work done.
    const used = process.cpuUsage(cpu);
    console.log(
      `  ${name} took ${((performance.now() - t) / 1000).toFixed(1)} s (${((used.user + used.system) / 1e6).toFixed(1)} s of CPU time)`,
    );
    written.push(...files);
  }
  const used = process.cpuUsage(cpu0);
  console.log(
    `\nAll pictures are in ${out} (${((performance.now() - t0) / 1000).toFixed(1)} s in all, ${((used.user + used.system) / 1e6).toFixed(1)} s of CPU time)`,
  );
  return written;
}

// Run only when started as a script (the test imports parseDemoArgs and runDemo).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runDemo(process.argv.slice(2)).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
