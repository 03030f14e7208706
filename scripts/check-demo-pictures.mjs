// Checks that the pictures in docs/images (shown by the README and the guides) and the browser
// demo's trained model (examples/web/model) are what `npm run demo` writes: run it after the demo.
//
//   npm run demo && node scripts/check-demo-pictures.mjs            # compare; exit 1 on a difference
//   node scripts/check-demo-pictures.mjs --out other-folder        # the demo's --out folder
//   node scripts/check-demo-pictures.mjs --update                  # copy the demo's pictures into docs/images
//
// The demo is seeded (PatchMatch seeds, model weights, datasets, masks), so on one machine two runs
// write identical pixels; the check therefore wants every pixel equal. A difference is reported per
// picture as the number of differing pixels and the largest and mean absolute channel difference.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';

const root = resolve(import.meta.dirname, '..');

/** docs/images file <- file the demo writes. */
export const PICTURES = {
  'demo-patchmatch.png': 'patchmatch-readme.png',
  'demo-texture.png': 'texture-side.png',
  'demo-pix2pix.png': 'pix2pix-grid.png',
  'demo-inpainting.png': 'inpainting-grid.png',
  'demo-melding-rotation.png': 'melding-rotation.png',
  'demo-melding-exposure.png': 'melding-exposure.png',
  'demo-melding-textures.png': 'melding-textures.png',
  'demo-knn.png': 'knn-denoise.png',
  'demo-analogy-emboss.png': 'analogy-emboss.png',
  'demo-analogy-numbers.png': 'analogy-texture-by-numbers.png',
  'demo-transfer.png': 'transfer-gravel-cat.png',
};

/** Committed file <- file the demo writes, compared byte for byte (the browser demo's trained generator). */
export const FILES = {
  'examples/web/model/inpainting-generator.json': 'inpainting-generator.json',
  'examples/web/model/inpainting-generator.bin': 'inpainting-generator.bin',
};

/** Float32 values of two equal-length weight files: how many differ and by how much at most. */
function compareFloats(a, b) {
  const fa = new Float32Array(a.buffer, a.byteOffset, a.byteLength >> 2);
  const fb = new Float32Array(b.buffer, b.byteOffset, b.byteLength >> 2);
  let differing = 0;
  let maxDiff = 0;
  for (let i = 0; i < fa.length; i++) {
    const d = Math.abs(fa[i] - fb[i]);
    if (fa[i] !== fb[i]) differing++;
    if (!(d <= maxDiff)) maxDiff = d;
  }
  return { values: fa.length, differing, maxDiff };
}

/**
 * Compares two decoded PNGs: size, then every RGBA byte.
 * @returns {{ sameSize: boolean, pixels: number, differing: number, maxDiff: number, meanDiff: number }}
 */
export function comparePictures(a, b) {
  const sameSize = a.width === b.width && a.height === b.height;
  const pixels = a.width * a.height;
  if (!sameSize) return { sameSize, pixels, differing: pixels, maxDiff: 255, meanDiff: 255 };
  let differing = 0;
  let maxDiff = 0;
  let sum = 0;
  for (let i = 0; i < pixels; i++) {
    let pixelDiffers = false;
    for (let c = 0; c < 4; c++) {
      const d = Math.abs(a.data[4 * i + c] - b.data[4 * i + c]);
      if (d > 0) pixelDiffers = true;
      if (d > maxDiff) maxDiff = d;
      sum += d;
    }
    if (pixelDiffers) differing++;
  }
  return { sameSize, pixels, differing, maxDiff, meanDiff: sum / (4 * pixels) };
}

/**
 * What both loops of `main` do first: a file the demo did not write fails; with --update, the
 * demo's file replaces the committed one (`shown` names it in the message).
 * @returns {'missing' | 'updated' | 'compare'}
 */
function missingOrUpdated(committed, shown, committedPath, demoPath, written, update) {
  if (!existsSync(demoPath)) {
    console.log(`FAIL ${committed}: ${demoPath} does not exist (run \`npm run demo\` first, without --quick)`);
    return 'missing';
  }
  if (update) {
    copyFileSync(demoPath, committedPath);
    console.log(`updated ${shown} from ${written}`);
    return 'updated';
  }
  return 'compare';
}

function main(argv) {
  const outIndex = argv.indexOf('--out');
  if (outIndex >= 0 && !argv[outIndex + 1]) throw new Error('check-demo-pictures: --out needs a folder.');
  const bad = argv.filter((a, i) => a.startsWith('--') && !['--out', '--update'].includes(a) && i !== outIndex + 1);
  if (bad.length)
    throw new Error(`check-demo-pictures: unknown option ${bad[0]}; valid options are --out <folder> and --update.`);
  const out = resolve(outIndex >= 0 ? argv[outIndex + 1] : join(root, 'demo-output'));
  const update = argv.includes('--update');
  let failed = 0;
  for (const [committed, written] of Object.entries(PICTURES)) {
    const docPath = join(root, 'docs/images', committed);
    const demoPath = join(out, written);
    const state = missingOrUpdated(committed, `docs/images/${committed}`, docPath, demoPath, written, update);
    if (state === 'missing') failed++;
    if (state !== 'compare') continue;
    const a = PNG.sync.read(readFileSync(docPath));
    const b = PNG.sync.read(readFileSync(demoPath));
    const r = comparePictures(a, b);
    if (!r.sameSize) {
      console.log(
        `FAIL ${committed}: docs/images has ${a.width}x${a.height}, the demo wrote ${b.width}x${b.height} (${written})`,
      );
      failed++;
    } else if (r.differing > 0) {
      console.log(
        `FAIL ${committed}: ${r.differing} of ${r.pixels} pixels differ from ${written} ` +
          `(${((100 * r.differing) / r.pixels).toFixed(2)}%; largest channel difference ${r.maxDiff}, mean ${r.meanDiff.toFixed(3)} of 255)`,
      );
      failed++;
    } else {
      console.log(`ok   ${committed}: all ${r.pixels} pixels equal ${written}`);
    }
  }
  for (const [committed, written] of Object.entries(FILES)) {
    const repoPath = join(root, committed);
    const demoPath = join(out, written);
    const state = missingOrUpdated(committed, committed, repoPath, demoPath, written, update);
    if (state === 'missing') failed++;
    if (state !== 'compare') continue;
    const a = readFileSync(repoPath);
    const b = readFileSync(demoPath);
    if (a.equals(b)) {
      console.log(`ok   ${committed}: all ${a.byteLength} bytes equal ${written}`);
    } else if (committed.endsWith('.bin') && a.byteLength === b.byteLength && a.byteLength % 4 === 0) {
      const r = compareFloats(a, b);
      console.log(
        `FAIL ${committed}: ${r.differing} of ${r.values} float32 weights differ from ${written} (largest difference ${r.maxDiff.toExponential(2)})`,
      );
      failed++;
    } else {
      console.log(`FAIL ${committed}: differs from ${written} (${a.byteLength} vs ${b.byteLength} bytes)`);
      failed++;
    }
  }
  if (failed > 0 && !update) {
    console.log(
      `\n${failed} file(s) differ. If the demo changed on purpose, run \`node scripts/check-demo-pictures.mjs --update\` ` +
        'and look at the new pictures before committing them.',
    );
  }
  return failed;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  try {
    process.exit(main(process.argv.slice(2)) > 0 ? 1 : 0);
  } catch (e) {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  }
}
