/**
 * PatchMatch benchmark: nearest-neighbour field (7x7 patches, 5 iterations) on a real image pair
 * with the WebAssembly SIMD backend, the plain TypeScript backend and a native C build of the
 * same loop (bench/native/patchmatch.c, `cc -O3 -march=native`, when a C compiler exists); the
 * field's quality against the exact nearest-neighbour field on a smaller pair; inpainting of a
 * ~1 megapixel image with a 10% hole; and the fill quality of inpainting on 72 cases against
 * OpenCV's Telea and PyPatchMatch (bench/fill-quality.ts).
 *
 * Run with `npm run bench -- patchmatch` or directly with `npx tsx bench/patchmatch.bench.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';
import { createParallelPatchMatch, createPatchMatch } from '../src/patchmatch/index';
import type { Mask, Nnf, PatchMatch, RgbaImage } from '../src/patchmatch/index';
import { cropImage } from '../src/patchmatch/pixels';
import { initFillMetrics, scoreFill } from './fill-metrics';
import { type FillScore, type FillSplit, fillCases, pyPatchMatchFills, signTestP, teleaFill } from './fill-quality';
import { median, timeVariants, type VariantTiming } from './timing';
import type { Benchmark, BenchCase } from './types';

const benchDir = dirname(fileURLToPath(import.meta.url));
const fixtures = join(benchDir, '../test/fixtures/patchmatch');
const nativeDir = join(benchDir, 'native');
const buildDir = join(nativeDir, 'build');

const PATCH = 7;
const ITERATIONS = 5;
const SEED = 1;

function load(name: string): RgbaImage {
  const png = PNG.sync.read(readFileSync(join(fixtures, name)));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data) };
}

/** A copy of the w x h region of `im` at (x0, y0). */
const crop = (im: RgbaImage, x0: number, y0: number, w: number, h: number): RgbaImage =>
  cropImage(im, { x0, y0, width: w, height: h });

/** Bilinear upscaling by an integer factor (for the ~1 megapixel inpainting input). */
function upscale(im: RgbaImage, f: number): RgbaImage {
  const w = im.width * f;
  const h = im.height * f;
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    const sy = Math.min(im.height - 1, Math.max(0, (y + 0.5) / f - 0.5));
    const y0 = Math.floor(sy),
      y1 = Math.min(im.height - 1, y0 + 1),
      fy = sy - y0;
    for (let x = 0; x < w; x++) {
      const sx = Math.min(im.width - 1, Math.max(0, (x + 0.5) / f - 0.5));
      const x0 = Math.floor(sx),
        x1 = Math.min(im.width - 1, x0 + 1),
        fx = sx - x0;
      for (let c = 0; c < 4; c++) {
        const a = im.data[4 * (y0 * im.width + x0) + c]!,
          b = im.data[4 * (y0 * im.width + x1) + c]!;
        const d = im.data[4 * (y1 * im.width + x0) + c]!,
          e = im.data[4 * (y1 * im.width + x1) + c]!;
        data[4 * (y * w + x) + c] = Math.round((a * (1 - fx) + b * fx) * (1 - fy) + (d * (1 - fx) + e * fx) * fy);
      }
    }
  }
  return { width: w, height: h, data };
}

/** FNV-1a over x, y, distance (little-endian), as bench/native/patchmatch.c prints it. */
function checksum(nnf: Nnf): number {
  let h = 2166136261;
  for (const arr of [nnf.x, nnf.y, nnf.distance]) {
    const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 16777619) >>> 0;
  }
  return h;
}

function meanDistance(nnf: Nnf): number {
  let s = 0;
  for (let i = 0; i < nnf.distance.length; i++) s += nnf.distance[i]!;
  return s / nnf.distance.length;
}

/** Compiles the native reference; null (with the reason printed) when there is no C compiler. */
function buildNative(): string | null {
  mkdirSync(buildDir, { recursive: true });
  const exe = join(buildDir, 'patchmatch');
  try {
    execFileSync('cc', ['-O3', '-march=native', '-o', exe, join(nativeDir, 'patchmatch.c')], { stdio: 'pipe' });
    return exe;
  } catch (err) {
    console.log(
      `  (no native reference: cc -O3 -march=native failed: ${String((err as Error).message).split('\n')[0]})`,
    );
    return null;
  }
}

function writeNativeInput(file: string, t: RgbaImage, s: RgbaImage): void {
  const header = new Int32Array([t.width, t.height, s.width, s.height, PATCH, ITERATIONS, SEED]);
  writeFileSync(file, Buffer.concat([Buffer.from(header.buffer), Buffer.from(t.data), Buffer.from(s.data)]));
}

function runNative(exe: string, input: string, ...args: string[]): Record<string, unknown> {
  return JSON.parse(execFileSync(exe, [input, ...args], { encoding: 'utf8', maxBuffer: 1 << 20 })) as Record<
    string,
    unknown
  >;
}

function timing(name: string, samples: number[]): VariantTiming {
  return {
    name,
    repetitions: samples.length,
    medianMs: median(samples),
    minMs: Math.min(...samples),
    samplesMs: samples,
  };
}

/** The native builds of the same loop: label and extra command-line argument. */
const NATIVE_MODES: Array<[string, string[]]> = [
  ['native C, 7x7 specialised', []],
  ['native C, generic patch size', ['generic']],
  ['native C, SSE (wasm SIMD ops)', ['simd']],
];

async function nnfCase(wasm: PatchMatch, js: PatchMatch, exe: string | null): Promise<BenchCase> {
  // One photograph cropped against another: a cat (target) matched into a cup of coffee (source).
  const target = crop(load('chelsea-225x150.png'), 10, 0, 200, 150);
  const source = load('coffee-300x200.png');
  const options = { patchSize: PATCH, iterations: ITERATIONS, seed: SEED };
  let wasmField: Nnf | undefined;
  let jsField: Nnf | undefined;
  const input = join(buildDir, 'nnf-input.bin');
  if (exe !== null) writeNativeInput(input, target, source);
  // Native runs are timed inside the C program (no process start or file reading): each variant
  // collects those times; the wall-clock timings of the process calls are discarded.
  const nativeModes =
    exe !== null && process.arch === 'x64' ? NATIVE_MODES : NATIVE_MODES.slice(0, exe !== null ? 2 : 0);
  const nativeSamples = nativeModes.map(() => [] as number[]);
  const nativeChecksums = nativeModes.map(() => 0);
  const timings = await timeVariants(
    [
      {
        name: 'wasm simd',
        run: async () => void (wasmField = await wasm.nnf(target, source, options)),
        repetitions: 9,
      },
      {
        name: 'js',
        run: async () => void (jsField = await js.nnf(target, source, options)),
        repetitions: 5,
        warmup: 1,
      },
      ...nativeModes.map(([label, args], k) => ({
        name: `${label} (process)`,
        repetitions: 9,
        warmup: 1,
        run: () => {
          const r = runNative(exe!, input, '1', ...args);
          nativeSamples[k]!.push(...(r.timesMs as number[]));
          nativeChecksums[k] = r.checksum as number;
        },
      })),
    ],
    { repetitions: 9, warmup: 2 },
  );
  const result: BenchCase = {
    case: `nnf ${PATCH}x${PATCH}, ${ITERATIONS} iterations: target ${target.width}x${target.height} -> source ${source.width}x${source.height}`,
    timings: timings.filter((t) => !t.name.endsWith('(process)')),
    ratios: {},
  };
  const wasmMs = timings[0]!.medianMs;
  const jsMs = timings[1]!.medianMs;
  result.ratios['js / wasm'] = jsMs / wasmMs;
  result.ratios['wasm == js bit-identical (1 = yes)'] = checksum(wasmField!) === checksum(jsField!) ? 1 : 0;
  result.ratios['mean distance (not a ratio)'] = meanDistance(wasmField!);
  nativeModes.forEach(([label], k) => {
    // Drop the warm-up call's sample.
    const t = timing(label, nativeSamples[k]!.slice(1));
    result.timings.push(t);
    result.ratios[`wasm / ${label}`] = wasmMs / t.medianMs;
    result.ratios[`js / ${label}`] = jsMs / t.medianMs;
    result.ratios[`${label} == wasm bit-identical (1 = yes)`] = nativeChecksums[k] === checksum(wasmField!) ? 1 : 0;
  });
  return result;
}

/** Brute force in TypeScript, used when there is no C compiler. */
function bruteForceMean(t: RgbaImage, s: RgbaImage): number {
  const p = PATCH;
  let total = 0;
  for (let ty = 0; ty <= t.height - p; ty++) {
    for (let tx = 0; tx <= t.width - p; tx++) {
      let best = Infinity;
      for (let sy = 0; sy <= s.height - p; sy++) {
        for (let sx = 0; sx <= s.width - p; sx++) {
          let d = 0;
          for (let dy = 0; dy < p && d < best; dy++) {
            for (let dx = 0; dx < p; dx++) {
              const a = 4 * ((ty + dy) * t.width + tx + dx),
                b = 4 * ((sy + dy) * s.width + sx + dx);
              const r = t.data[a]! - s.data[b]!,
                g = t.data[a + 1]! - s.data[b + 1]!,
                bl = t.data[a + 2]! - s.data[b + 2]!;
              d += r * r + g * g + bl * bl;
            }
          }
          if (d < best) best = d;
        }
      }
      total += best;
    }
  }
  return total / ((t.width - p + 1) * (t.height - p + 1));
}

async function qualityCase(wasm: PatchMatch, exe: string | null): Promise<BenchCase> {
  const target = crop(load('chelsea-112x75.png'), 20, 10, 72, 56);
  const source = load('coffee-150x100.png');
  let exactMean: number;
  const t0 = performance.now();
  if (exe !== null) {
    const input = join(buildDir, 'quality-input.bin');
    writeNativeInput(input, target, source);
    exactMean = runNative(exe, input, 'brute').meanDistance as number;
  } else {
    exactMean = bruteForceMean(target, source);
  }
  const bruteMs = performance.now() - t0;
  const ratios: Record<string, number> = {};
  for (const iterations of [1, 2, 3, 5, 8]) {
    const nnf = await wasm.nnf(target, source, { patchSize: PATCH, iterations, seed: SEED });
    ratios[`mean / exact, ${iterations} it`] = meanDistance(nnf) / exactMean;
  }
  // Over several seeds, the 5-iteration ratio's spread.
  const fiveIt: number[] = [];
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    fiveIt.push(
      meanDistance(await wasm.nnf(target, source, { patchSize: PATCH, iterations: ITERATIONS, seed })) / exactMean,
    );
  }
  ratios['mean / exact, 5 it, worst of 8 seeds'] = Math.max(...fiveIt);
  return {
    case: `quality vs exact field: target ${target.width}x${target.height} -> source ${source.width}x${source.height}`,
    timings: [timing(exe !== null ? 'brute force (native)' : 'brute force (js)', [bruteMs])],
    ratios,
  };
}

/** Worker-thread scaling on a ~1 megapixel field: single-threaded vs 1 and 2 band workers. */
async function parallelCase(wasm: PatchMatch): Promise<BenchCase> {
  const target = upscale(load('coffee-300x200.png'), 4); // 1200x800
  const source = upscale(load('chelsea-225x150.png'), 2); // 450x300
  const options = { patchSize: PATCH, iterations: ITERATIONS, seed: SEED };
  const one = await createParallelPatchMatch({ workers: 1 });
  const two = await createParallelPatchMatch({ workers: 2 });
  const means: number[] = [0, 0, 0];
  try {
    const timings = await timeVariants(
      [
        {
          name: 'wasm single-threaded',
          run: async () => void (means[0] = meanDistance(await wasm.nnf(target, source, options))),
        },
        {
          name: 'wasm 1 worker',
          run: async () => void (means[1] = meanDistance(await one.nnf(target, source, options))),
        },
        {
          name: 'wasm 2 workers',
          run: async () => void (means[2] = meanDistance(await two.nnf(target, source, options))),
        },
      ],
      { repetitions: 5, warmup: 1 },
    );
    return {
      case: `nnf ${PATCH}x${PATCH}, ${ITERATIONS} iterations, worker threads: target ${target.width}x${target.height} (${((target.width * target.height) / 1e6).toFixed(2)} MP) -> source ${source.width}x${source.height}, ${availableParallelism()} cores`,
      timings,
      ratios: {
        '1 worker / 2 workers (speed-up)': timings[1]!.medianMs / timings[2]!.medianMs,
        'single-threaded / 2 workers': timings[0]!.medianMs / timings[2]!.medianMs,
        'mean distance, 2 workers / single-threaded': means[2]! / means[0]!,
      },
    };
  } finally {
    await Promise.all([one.terminate(), two.terminate()]);
  }
}

/**
 * The engine of another checkout, for side-by-side runs against an earlier version:
 * PATCHMATCH_BASELINE=/path/to/checkout/src/patchmatch/index.ts (its generated/ module built).
 */
async function baselineEngine(): Promise<PatchMatch | null> {
  const path = process.env.PATCHMATCH_BASELINE;
  if (path === undefined || path === '') return null;
  const mod = (await import(pathToFileURL(path).href)) as { createPatchMatch: typeof createPatchMatch };
  return mod.createPatchMatch({ backend: 'wasm' });
}

async function inpaintCase(wasm: PatchMatch, js: PatchMatch, baseline: PatchMatch | null): Promise<BenchCase> {
  const image = upscale(load('coffee-300x200.png'), 4); // 1200x800 = 0.96 megapixels
  const { width: w, height: h } = image;
  // A centred 380x253 rectangle: 10.0% of the pixels.
  const hw = 380,
    hh = 253;
  const data = new Uint8Array(w * h);
  for (let y = (h - hh) >> 1; y < ((h - hh) >> 1) + hh; y++)
    data.fill(1, y * w + ((w - hw) >> 1), y * w + ((w - hw) >> 1) + hw);
  const mask: Mask = { width: w, height: h, data };
  const timings = await timeVariants(
    [
      {
        name: 'wasm simd inpaint',
        run: async () => void (await wasm.inpaint(image, mask, { patchSize: PATCH, seed: SEED })),
        repetitions: 3,
        warmup: 1,
      },
      {
        name: 'wasm simd inpaint, gradientWeight 2',
        run: async () => void (await wasm.inpaint(image, mask, { patchSize: PATCH, seed: SEED, gradientWeight: 2 })),
        repetitions: 3,
        warmup: 1,
      },
      {
        // The default before the gradient-domain rebuild.
        name: 'wasm simd inpaint, gradientDomain false',
        run: async () =>
          void (await wasm.inpaint(image, mask, { patchSize: PATCH, seed: SEED, gradientDomain: false })),
        repetitions: 3,
        warmup: 1,
      },
      {
        // The demo's spoon settings (examples/demo.ts): mirrored patches, best-patch vote,
        // gradient-domain rebuild.
        name: "wasm simd inpaintMelding, reflection, vote 'best', screening 0.3",
        run: async () =>
          void (await wasm.inpaintMelding(image, mask, {
            patchSize: PATCH,
            seed: SEED,
            reflection: true,
            vote: 'best',
            screening: 0.3,
          })),
        repetitions: 3,
        warmup: 1,
      },
      {
        name: 'js inpaint',
        run: async () => void (await js.inpaint(image, mask, { patchSize: PATCH, seed: SEED })),
        repetitions: 1,
        warmup: 0,
      },
      ...(baseline !== null
        ? [
            {
              name: 'baseline wasm inpaint',
              run: async () => void (await baseline.inpaint(image, mask, { patchSize: PATCH, seed: SEED })),
              repetitions: 3,
              warmup: 1,
            },
          ]
        : []),
    ],
    { repetitions: 3, warmup: 1 },
  );
  return {
    case: `inpaint ${w}x${h} (${((w * h) / 1e6).toFixed(2)} MP), ${((100 * hw * hh) / (w * h)).toFixed(1)}% hole, ${PATCH}x${PATCH}, default levels/EM`,
    timings,
    ratios: {
      'gradientWeight 2 / default': timings[1]!.medianMs / timings[0]!.medianMs,
      'default / gradientDomain false': timings[0]!.medianMs / timings[2]!.medianMs,
      'inpaintMelding reflection / default': timings[3]!.medianMs / timings[0]!.medianMs,
      'js / wasm': timings[4]!.medianMs / timings[0]!.medianMs,
      ...(baseline !== null ? { 'baseline / wasm': timings[5]!.medianMs / timings[0]!.medianMs } : {}),
    },
  };
}

/** One fill method the fill benchmark scores (see fillCase). */
interface FillVariant {
  name: string;
  method: 'inpaint' | 'inpaintMelding';
  options: Record<string, unknown>;
}

/**
 * The variants besides `inpaint`'s default: PATCHMATCH_FILL_VARIANTS as a JSON list of
 * `{"name", "method", "options"}`, else one variant from PATCHMATCH_FILL_METHOD (inpaint or
 * inpaintMelding) and PATCHMATCH_FILL_OPTIONS (JSON) when either is set, else the previous
 * default fill (gradientDomain false), the demo's previous spoon settings (inpaintMelding,
 * reflection, screening 0.1) and its current ones (the same with vote 'best' and screening 0.3).
 */
function fillVariants(): FillVariant[] {
  const check = (v: FillVariant): FillVariant => {
    if (v.method !== 'inpaint' && v.method !== 'inpaintMelding')
      throw new Error(`fill variants: method inpaint or inpaintMelding, got ${JSON.stringify(v.method)}`);
    return { name: String(v.name), method: v.method, options: v.options ?? {} };
  };
  const list = process.env.PATCHMATCH_FILL_VARIANTS;
  if (list !== undefined && list !== '') return (JSON.parse(list) as FillVariant[]).map(check);
  const method = process.env.PATCHMATCH_FILL_METHOD;
  const options = process.env.PATCHMATCH_FILL_OPTIONS;
  if ((method ?? '') !== '' || (options ?? '') !== '') {
    const m = (method ?? '') === '' ? 'inpaint' : method;
    return [
      check({
        name: `${m} ${options ?? '{}'}`,
        method: m as FillVariant['method'],
        options: JSON.parse(options ?? '{}'),
      }),
    ];
  }
  return [
    { name: 'inpaint gradientDomain false', method: 'inpaint', options: { gradientDomain: false } },
    { name: 'inpaintMelding reflection', method: 'inpaintMelding', options: { reflection: true, screening: 0.1 } },
    {
      name: 'inpaintMelding reflection best',
      method: 'inpaintMelding',
      options: { reflection: true, vote: 'best', screening: 0.3 },
    },
  ];
}

/**
 * Fill quality on the 102 cases of bench/fill-quality.ts (7x7, seed 1, default levels and EM;
 * PATCHMATCH_FILL_SPLITS=A,B runs only those splits):
 * `inpaint`'s default, the variants of fillVariants, OpenCV's Telea (when Debian's python3-opencv
 * is installed), PyPatchMatch (optional, PATCHMATCH_PYPATCHMATCH: see bench/fill-quality.ts) and
 * the baseline (PATCHMATCH_BASELINE). For each method and group (the tuning half A, the check half
 * B, the 72 cases of A and B, the other pictures C, the original 24 cases, photos, textures, all):
 * medians and means of hole PSNR and SSIM, the median border step, and the per-case wins and losses against `inpaint`'s default (PSNR and
 * SSIM; ties dropped) with the two-sided sign test's p-value. Per-case numbers with
 * PATCHMATCH_FILL_VERBOSE=1; PATCHMATCH_FILL_TELEA=0 leaves Telea out.
 */
async function fillCase(wasm: PatchMatch, baseline: PatchMatch | null): Promise<BenchCase> {
  await initFillMetrics();
  const splits = (process.env.PATCHMATCH_FILL_SPLITS ?? 'A,B,C')
    .split(',')
    .filter((s): s is FillSplit => ['A', 'B', 'C'].includes(s));
  const cases = fillCases(splits);
  const variants = fillVariants();
  type Row = { split: FillSplit; kind: string; original: boolean; scores: Record<string, FillScore> };
  const rows: Row[] = [];
  const times: Record<string, number[]> = { inpaint: [], baseline: [], pypatchmatch: [] };
  for (const v of variants) times[v.name] = [];
  const peer = pyPatchMatchFills(cases, 3, SEED);
  if (peer === null) console.log('  PyPatchMatch: not available (set PATCHMATCH_PYPATCHMATCH to a build of it)');
  else times.pypatchmatch = peer.seconds.map((s) => 1000 * s);
  for (const [i, c] of cases.entries()) {
    const scores: Record<string, FillScore> = {};
    for (const v of [{ name: 'inpaint', method: 'inpaint', options: {} } as FillVariant, ...variants]) {
      const t0 = performance.now();
      const out = await (v.method === 'inpaintMelding' ? wasm.inpaintMelding : wasm.inpaint).call(
        wasm,
        c.image,
        c.mask,
        {
          patchSize: PATCH,
          seed: SEED,
          ...v.options,
        },
      );
      times[v.name]!.push(performance.now() - t0);
      scores[v.name] = scoreFill(out, c.image, c.mask);
    }
    if (baseline !== null) {
      const t0 = performance.now();
      const r = await baseline.inpaint(c.image, c.mask, { patchSize: PATCH, seed: SEED });
      times.baseline!.push(performance.now() - t0);
      scores.baseline = scoreFill(r, c.image, c.mask);
    }
    const telea = process.env.PATCHMATCH_FILL_TELEA === '0' ? null : teleaFill(c.image, c.mask);
    if (telea !== null) scores.telea = scoreFill(telea, c.image, c.mask);
    if (peer !== null) scores.pypatchmatch = scoreFill(peer.results[i]!, c.image, c.mask);
    rows.push({ split: c.split, kind: c.kind, original: c.original, scores });
    if (process.env.PATCHMATCH_FILL_VERBOSE === '1') {
      const f = (s: FillScore | undefined) =>
        s === undefined ? '-' : `${s.psnr.toFixed(2)} ${s.ssim.toFixed(3)} ${s.border.toFixed(2)}`;
      console.log(
        `  ${c.name.padEnd(30)} ${Object.entries(scores)
          .map(([k, s]) => `${k} ${f(s)}`)
          .join(' | ')}`,
      );
    }
  }
  const ratios: Record<string, number> = {};
  const methods = ['inpaint', ...variants.map((v) => v.name), 'pypatchmatch', 'telea', 'baseline'].filter(
    (m) => rows.length > 0 && rows.every((r) => r.scores[m] !== undefined),
  );
  const groups = [
    ['A', (r: Row) => r.split === 'A'],
    ['B', (r: Row) => r.split === 'B'],
    ['A+B (72)', (r: Row) => r.split !== 'C'],
    ['C', (r: Row) => r.split === 'C'],
    ['original 24', (r: Row) => r.original],
    ['photos', (r: Row) => r.kind === 'photo'],
    ['textures', (r: Row) => r.kind === 'texture'],
    ['all', () => true],
  ] as const;
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  console.log(
    '\n  method / group: median PSNR, SSIM, border | mean PSNR, SSIM | vs inpaint default: PSNR w-l (p), SSIM w-l (p)',
  );
  for (const m of methods) {
    for (const [group, keep] of groups) {
      const rs = rows.filter(keep);
      if (rs.length === 0) continue;
      const med = (k: keyof FillScore) => median(rs.map((r) => r.scores[m]![k]));
      const avg = (k: keyof FillScore) => mean(rs.map((r) => r.scores[m]![k]));
      const duel = (k: 'psnr' | 'ssim') => {
        const wins = rs.filter((r) => r.scores[m]![k] > r.scores.inpaint![k]).length;
        const losses = rs.filter((r) => r.scores[m]![k] < r.scores.inpaint![k]).length;
        return { wins, losses, p: signTestP(wins, losses) };
      };
      const key = `${m} ${group}`;
      ratios[`${key} median psnr`] = med('psnr');
      ratios[`${key} median ssim`] = med('ssim');
      ratios[`${key} median border`] = med('border');
      ratios[`${key} mean psnr`] = avg('psnr');
      ratios[`${key} mean ssim`] = avg('ssim');
      const dp = duel('psnr');
      const ds = duel('ssim');
      if (m !== 'inpaint') {
        ratios[`${key} psnr wins`] = dp.wins;
        ratios[`${key} psnr losses`] = dp.losses;
        ratios[`${key} psnr sign-test p`] = dp.p;
        ratios[`${key} ssim wins`] = ds.wins;
        ratios[`${key} ssim losses`] = ds.losses;
        ratios[`${key} ssim sign-test p`] = ds.p;
      }
      console.log(
        `  ${key.padEnd(40)} ${med('psnr').toFixed(2)} ${med('ssim').toFixed(3)} ${med('border').toFixed(2)} | ${avg('psnr').toFixed(2)} ${avg('ssim').toFixed(3)}` +
          (m === 'inpaint'
            ? ''
            : ` | ${dp.wins}-${dp.losses} (${dp.p.toPrecision(2)}), ${ds.wins}-${ds.losses} (${ds.p.toPrecision(2)})`),
      );
    }
  }
  return {
    case: `fill quality: ${cases.length} cases (${cases.length / 3} images x rectangle, stroke, object holes), ${PATCH}x${PATCH}`,
    timings: Object.entries(times)
      .filter(([, v]) => v.length > 0)
      .map(([name, v]) => timing(`${name} (per case)`, v)),
    ratios,
  };
}

const bench: Benchmark = {
  name: 'patchmatch',
  description:
    'PatchMatch field (wasm SIMD vs js vs native C), quality vs brute force, ~1 MP inpainting, fill quality vs OpenCV Telea',
  async run(): Promise<BenchCase[]> {
    const wasm = await createPatchMatch({ backend: 'wasm' });
    const js = await createPatchMatch({ backend: 'js' });
    if (wasm.backend !== 'wasm') throw new Error('patchmatch bench: WebAssembly SIMD is not available here');
    const exe = buildNative();
    const baseline = await baselineEngine();
    // PATCHMATCH_BENCH=nnf,quality,parallel,inpaint,fill (default: all) picks cases.
    const only = (process.env.PATCHMATCH_BENCH ?? 'nnf,quality,parallel,inpaint,fill').split(',');
    const cases: BenchCase[] = [];
    if (only.includes('nnf')) cases.push(await nnfCase(wasm, js, exe));
    if (only.includes('quality')) cases.push(await qualityCase(wasm, exe));
    if (only.includes('parallel')) cases.push(await parallelCase(wasm));
    if (only.includes('inpaint')) cases.push(await inpaintCase(wasm, js, baseline));
    if (only.includes('fill')) cases.push(await fillCase(wasm, baseline));
    return cases;
  },
};

export default bench;

// Direct run (`npx tsx bench/patchmatch.bench.ts`): print a table and write the JSON result.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const started = new Date();
  const cases = await bench.run();
  const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
  console.log(`\n${bench.name}: ${bench.description}`);
  for (const c of cases) {
    console.log(`\n  ${c.case}`);
    for (const t of c.timings)
      console.log(`    ${t.name.padEnd(36)} median ${fmt(t.medianMs).padStart(9)}  n=${t.repetitions}`);
    for (const [k, v] of Object.entries(c.ratios)) console.log(`    ${k.padEnd(36)} ${v.toFixed(v >= 100 ? 0 : 3)}`);
  }
  const resultsDir = join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  const report = {
    name: bench.name,
    description: bench.description,
    startedAt: started.toISOString(),
    durationS: (Date.now() - started.getTime()) / 1000,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cores: availableParallelism(), node: process.version },
    cases,
  };
  writeFileSync(join(resultsDir, `${bench.name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\n  -> bench/results/${bench.name}.json`);
}
