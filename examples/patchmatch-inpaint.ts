/**
 * PatchMatch inpainting: fills the white pixels of a mask PNG from the rest of the image
 * (multi-scale PatchMatch + voting, WebAssembly SIMD when available, no TensorFlow.js).
 *
 *   npx tsx examples/patchmatch-inpaint.ts                          # coffee.png with a generated mask
 *   npx tsx examples/patchmatch-inpaint.ts photo.png mask.png -o filled.png
 *   npx tsx examples/patchmatch-inpaint.ts --help
 *
 * With no arguments it reads examples/assets/coffee.png, cuts a disc-shaped hole in it and
 * writes the hole (in red) and the filled picture side by side to `output/inpainted.png`.
 */
import { parseArgs } from 'node:util';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createPatchMatch, type Mask } from '../src/patchmatch/index';
import { createProgressBar, imageGrid, readImage, writePng, type RgbaImage } from '../src/node/index';

const HELP = `Usage: npx tsx examples/patchmatch-inpaint.ts [image.png mask.png] [options]

Fills the white pixels of mask.png (same size as image.png) with PatchMatch.
Without image and mask: examples/assets/coffee.png and a generated disc-shaped hole.

Options:
  -o, --out <file>        output PNG (default output/inpainted.png)
  --patch-size <n>        odd patch side (default 7)
  --seed <n>              PRNG seed (default 1)
  --backend <wasm|js>     kernel implementation (default wasm, js when SIMD is missing)
  -h, --help              this text`;

/** A disc-shaped hole: white (1) inside. */
function discMask(width: number, height: number, cx: number, cy: number, r: number): Mask {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) if (Math.hypot(x - cx, y - cy) <= r) data[y * width + x] = 1;
  return { width, height, data };
}

/** Mask PNG to a byte mask: a pixel is a hole when its luminance is above half. */
function maskFromImage(image: RgbaImage<Uint8Array>): Mask {
  const data = new Uint8Array(image.width * image.height);
  for (let i = 0; i < data.length; i++) {
    const [r, g, b] = [image.data[4 * i]!, image.data[4 * i + 1]!, image.data[4 * i + 2]!];
    data[i] = 0.299 * r + 0.587 * g + 0.114 * b > 127 ? 1 : 0;
  }
  return { width: image.width, height: image.height, data };
}

/** The image with the hole painted red, to show what gets replaced. */
function showHole(image: RgbaImage<Uint8Array>, mask: Mask): RgbaImage<Uint8Array> {
  const data = new Uint8Array(image.data);
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) data.set([230, 40, 40, 255], 4 * i);
  return { width: image.width, height: image.height, data };
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      out: { type: 'string', short: 'o', default: 'output/inpainted.png' },
      'patch-size': { type: 'string', default: '7' },
      seed: { type: 'string', default: '1' },
      backend: { type: 'string', default: 'wasm' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (positionals.length !== 0 && positionals.length !== 2) {
    console.error(
      `patchmatch-inpaint: give both image.png and mask.png, or neither (got ${positionals.length} paths).\n\n${HELP}`,
    );
    return 1;
  }
  if (values.backend !== 'wasm' && values.backend !== 'js') {
    console.error(`patchmatch-inpaint: --backend must be wasm or js, got ${JSON.stringify(values.backend)}.`);
    return 1;
  }
  const image = await readImage(positionals[0] ?? fileURLToPath(new URL('./assets/coffee.png', import.meta.url)));
  const mask = positionals[1]
    ? maskFromImage(await readImage(positionals[1]))
    : discMask(
        image.width,
        image.height,
        image.width * 0.85,
        image.height * 0.3,
        Math.min(image.width, image.height) * 0.12,
      );
  if (mask.width !== image.width || mask.height !== image.height) {
    console.error(
      `patchmatch-inpaint: the mask is ${mask.width}x${mask.height} but the image is ${image.width}x${image.height}.`,
    );
    return 1;
  }
  const pm = await createPatchMatch({ backend: values.backend });
  let holes = 0;
  for (const v of mask.data) holes += v;
  console.log(
    `${image.width}x${image.height} image, ${((100 * holes) / mask.data.length).toFixed(1)}% masked, ${pm.backend} kernels`,
  );
  const bar = createProgressBar({ total: 100, label: 'inpaint' });
  const t0 = performance.now();
  const filled = await pm.inpaint(image, mask, {
    patchSize: Number(values['patch-size']),
    seed: Number(values.seed),
    onProgress: (p) => bar.update(Math.round(100 * p.fraction)),
  });
  bar.stop();
  console.log(`filled in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  // A user's mask gets the plain result; the default run shows the hole beside the fill.
  await writePng(
    values.out,
    positionals.length ? filled : imageGrid([[showHole(image, mask), filled]], { padding: 4 }),
  );
  console.log(`wrote ${values.out}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
