// Real-browser tests of the demo page (examples/web): builds it with vite, serves the build on a
// random localhost port, drives headless Chromium with playwright-core and checks the page against
// the same code run in Node. Run with `npm run test:browser`; prints "N passed, N failed" last and
// exits non-zero on any failure.
//
// Environment: CHROMIUM_PATH (default /usr/bin/chromium). Flag --gpu-full compares every GPU case
// on webgl and webgpu (see gpu-backends.ts). Flag --screenshot writes
// docs/images/browser-demo.png (otherwise the screenshot goes to a temporary folder).
import * as tf from '@tensorflow/tfjs-core';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type ConsoleMessage, type Page } from 'playwright-core';
import { build } from 'vite';
import { GuideFill, runDemoModel, type DemoModelResult } from '../../examples/web/src/demo-model';
import { PARALLEL_CASE, cropImage, meanFieldDistance } from '../../examples/web/src/parallel-field';
import {
  WORKLOAD_PARTS,
  relativeDifferences,
  runThreadsWorkload,
  type ThreadsWorkload,
} from '../../examples/web/src/threads-check';
import { type PatchMethodMode, runPatchMethod } from '../../examples/web/src/patch-methods';
import { initBackend } from '../../src/backend/init-backend';
import { readImage } from '../../src/node/index';
import { createParallelPatchMatch, createPatchMatch } from '../../src/patchmatch/index';
import { runBrowserSnippets } from '../docs/browser-snippets';
import type { Nnf } from '../../src/patchmatch/index';
import { runGpuBackendTests } from './gpu-backends';
import { runPackedAppTests } from './packed-apps';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const webDir = join(root, 'examples/web');
const distDir = join(webDir, 'dist');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const writeScreenshot = process.argv.includes('--screenshot');
/**
 * The threaded-wasm timing in Chromium (reported, never asserted): "size,ngf,reps" of the U-Net;
 * default a small forward pass only. With the variable set, a pix2pix step is timed as well.
 */
const threadsTimingSpec = process.env.BROWSER_THREADS_TIMING;
/** Threaded wasm vs the single-threaded build: max |x - ref| / max |ref| per result. */
const THREADS_RELATIVE_TOLERANCE = 1e-5;
/** Trained network, browser wasm vs Node wasm: the same XNNPACK kernels on the same inputs. */
const WASM_TOLERANCE = 1e-5;
/** Trained network, browser cpu vs Node wasm: different kernels, float32 rounding only. */
const CPU_TOLERANCE = 1e-4;
/**
 * Two-band field vs the single-threaded one: different random draws (band 1 has its own seed) and
 * borders a step behind, so not equal; its mean patch distance may be at most this much larger.
 */
const PARALLEL_MEAN_RATIO = 1.05;
/** What makes a page cross-origin isolated (SharedArrayBuffer, createParallelPatchMatch). */
const ISOLATION_HEADERS = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
};

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
};

/**
 * A minimal static file server for `dir` on 127.0.0.1 and a free port; with `isolated`, every
 * response carries the COOP/COEP headers.
 */
async function serve(dir: string, isolated: boolean): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
      if (!file.startsWith(dir + sep) || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': MIME[extname(file)] ?? 'application/octet-stream',
        'cache-control': 'no-store',
        ...(isolated ? ISOLATION_HEADERS : {}),
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain', ...(isolated ? ISOLATION_HEADERS : {}) });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
}

type Field = Record<'x' | 'y' | 'distance', ArrayLike<number>>;

/** What differs between two fields (empty when x, y and distance are all equal). */
function fieldDiff(name: string, a: Field, b: Field): string[] {
  return (['x', 'y', 'distance'] as const).flatMap((k) => {
    const d = maxAbsDiff(a[k], b[k]);
    return d === 0 ? [] : [`${name} ${k} differs by up to ${d}`];
  });
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The image canvas' RGBA bytes, read back in the page. */
async function canvasPixels(page: Page): Promise<Uint8Array> {
  const b64 = await page.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('#image')!;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let bin = '';
    for (let i = 0; i < data.length; i += 0x8000) bin += String.fromCharCode(...data.subarray(i, i + 0x8000));
    return btoa(bin);
  });
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

const results: { name: string; ok: boolean; skipped?: boolean; detail: string }[] = [];
async function test(name: string, body: () => Promise<string | void>): Promise<void> {
  const t0 = performance.now();
  try {
    const detail = (await body()) ?? '';
    results.push({ name, ok: true, detail });
    console.log(`ok   ${name} (${(performance.now() - t0).toFixed(0)} ms)${detail ? `: ${detail}` : ''}`);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    // A test that cannot run here (SkipTest) is reported as skipped: neither passed nor failed.
    const skipped = err instanceof Error && err.name === 'SkipTest';
    results.push({ name, ok: skipped, skipped, detail });
    console.log(`${skipped ? 'SKIP' : 'FAIL'} ${name}: ${detail}`);
  }
}

async function main(): Promise<void> {
  assert(existsSync(chromiumPath), `Chromium not found at ${chromiumPath} (set CHROMIUM_PATH)`);
  // The PatchMatch module is generated (and gitignored); build it on a fresh clone.
  if (!existsSync(join(root, 'src/patchmatch/generated/patchmatch-wasm.ts'))) {
    const r = spawnSync(process.execPath, [join(root, 'scripts/build-wasm.mjs')], { stdio: 'inherit' });
    assert(r.status === 0, 'build-wasm failed');
  }
  let t0 = performance.now();
  await build({ root: webDir, configFile: join(webDir, 'vite.config.ts'), logLevel: 'warn' });
  console.log(`built examples/web in ${(performance.now() - t0).toFixed(0)} ms`);

  // Node's reference: the same network code, weights and textures on tfjs-backend-wasm.
  await initBackend('wasm');
  const coffee = await readImage(join(root, 'examples/assets/coffee.png'));
  const modelHeader = await readFile(join(webDir, 'model/inpainting-generator.json'), 'utf8');
  const modelBytes = await readFile(join(webDir, 'model/inpainting-generator.bin'));
  const modelData = modelBytes.buffer.slice(
    modelBytes.byteOffset,
    modelBytes.byteOffset + modelBytes.byteLength,
  ) as ArrayBuffer;
  const textures = await Promise.all(
    ['brick.png', 'gravel.png'].map((f) => readImage(join(root, 'examples/assets', f))),
  );
  const runNodeModel = () => runDemoModel(modelHeader, modelData, textures);
  const before = tf.memory().numTensors;
  t0 = performance.now();
  const nodeModel: DemoModelResult = await runNodeModel();
  const nodeMs = performance.now() - t0;
  assert(tf.memory().numTensors === before, 'the network leaked tensors in Node');
  // Node's single-threaded wasm results of the threads workload, for the threaded build in Chromium.
  const nodeThreadsWorkload = await runThreadsWorkload();

  // Node's reference fields for the multi-threaded case: the same crops and options.
  const chelsea = await readImage(join(root, 'examples/assets/chelsea.png'));
  const fieldTarget = cropImage(coffee, PARALLEL_CASE.target);
  const fieldSource = cropImage(chelsea, PARALLEL_CASE.source);
  const singleTimes: number[] = [];
  let single: Nnf | undefined;
  const pmSingle = await createPatchMatch({ backend: 'wasm' });
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    single = await pmSingle.nnf(fieldTarget, fieldSource, PARALLEL_CASE.options);
    singleTimes.push(performance.now() - t);
  }
  const nodeTwoTimes: number[] = [];
  let nodeTwo: Nnf | undefined;
  const ppmNode = await createParallelPatchMatch({ workers: 2 });
  try {
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      nodeTwo = await ppmNode.nnf(fieldTarget, fieldSource, PARALLEL_CASE.options);
      nodeTwoTimes.push(performance.now() - t);
    }
  } finally {
    await ppmNode.terminate();
  }
  assert(single !== undefined && nodeTwo !== undefined, 'no reference fields');

  // Node's reference images of the page's image-analogy and texture-transfer panel.
  const methodImages = { coffee, chelsea, gravel: textures[1]! };
  const nodeMethods = new Map<PatchMethodMode, { data: Uint8Array | Uint8ClampedArray; ms: number }>();
  for (const mode of ['analogy', 'transfer'] as const) {
    const t = performance.now();
    const { result } = await runPatchMethod(pmSingle, mode, methodImages);
    nodeMethods.set(mode, { data: result.data, ms: performance.now() - t });
  }

  // The demo is served cross-origin isolated, as the multi-threaded engine needs; a second server
  // without the headers checks the engine's error on a page that is not isolated.
  const { server, url } = await serve(distDir, true);
  const plain = await serve(distDir, false);
  const userDataDir = await mkdtemp(join(tmpdir(), 'tfjs-synth-chromium-'));
  // launchPersistentContext passes --user-data-dir (fresh folder) and, with headless, --headless.
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1180, height: 700 },
    // Keeps the committed screenshot small; layout and mouse coordinates stay in CSS pixels.
    deviceScaleFactor: 0.65,
  });
  const consoleErrors: string[] = [];
  const wasmResponses: { url: string; type: string }[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (msg: ConsoleMessage) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(`uncaught: ${err.message}`));
    // The page's PatchMatch fill worker (vite names its file fill-worker-<hash>.js).
    const fillWorkers: string[] = [];
    page.on('worker', (w) => {
      if (/fill-worker/.test(w.url())) fillWorkers.push(w.url());
    });
    page.on('response', (res) => {
      if (res.status() >= 400) consoleErrors.push(`HTTP ${res.status()} for ${res.url()}`);
      if (res.url().endsWith('.wasm'))
        wasmResponses.push({ url: res.url(), type: res.headers()['content-type'] ?? '' });
    });

    await test('page loads without console errors', async () => {
      const res = await page.goto(url);
      assert(res?.ok(), `GET ${url} -> ${res?.status()}`);
      await page.evaluate(() => window.__tfjsSynthDemo.ready);
      const size = await page.evaluate(() => [
        document.querySelector<HTMLCanvasElement>('#image')!.width,
        document.querySelector<HTMLCanvasElement>('#image')!.height,
      ]);
      assert(
        size[0] === coffee.width && size[1] === coffee.height,
        `image canvas is ${size.join('x')}, expected ${coffee.width}x${coffee.height}`,
      );
      assert(consoleErrors.length === 0, `console errors: ${consoleErrors.join(' | ')}`);
    });

    await test('the page is cross-origin isolated (COOP/COEP headers: crossOriginIsolated, SharedArrayBuffer)', async () => {
      const isolated = await page.evaluate(() => [
        self.crossOriginIsolated,
        typeof SharedArrayBuffer === 'function',
        window.__tfjsSynthDemo.crossOriginIsolated(),
      ]);
      assert(
        isolated.every((v) => v === true),
        `crossOriginIsolated, SharedArrayBuffer, hook: ${isolated.join(', ')}`,
      );
      const shown = await page.textContent('#isolated');
      assert(shown === 'yes', `page shows isolated = "${shown}"`);
    });

    await test('PatchMatch runs on WebAssembly SIMD', async () => {
      const backend = await page.evaluate(() => window.__tfjsSynthDemo.patchMatchBackend());
      assert(backend === 'wasm', `pm.backend is ${backend}`);
      const shown = await page.textContent('#pm-backend');
      return `pm.backend = ${backend}, shown as "${shown}"`;
    });

    await test('the status line follows the state: what to do, the painted pixels, "Paint a mask first" only while nothing is painted', async () => {
      const status = async () => (await page.textContent('#fill-status'))!;
      const first = await status();
      assert(first === 'Paint over what should disappear, then press Fill', `at start: "${first}"`);
      await page.click('#fill');
      const empty = await status();
      assert(empty === 'Paint a mask first', `Fill with no mask: "${empty}"`);
      await page.evaluate(() => window.__tfjsSynthDemo.setMaskRect({ x: 10, y: 10, width: 20, height: 10 }));
      const painted = await status();
      assert(painted === '200 px masked: press Fill', `after masking 200 px: "${painted}"`);
      await page.click('#clear');
      const cleared = await status();
      assert(cleared === first, `after Clear mask: "${cleared}"`);
    });

    await test('the mask overlay is translucent (the image shows through it)', async () => {
      const opacity = await page.evaluate(() => Number(getComputedStyle(document.querySelector('#mask')!).opacity));
      assert(opacity > 0.2 && opacity < 0.8, `#mask opacity ${opacity}`);
      return `opacity ${opacity}`;
    });

    await test("the trained network's held-out crops decoded in the browser equal Node's", async () => {
      const input = await page.evaluate(() => window.__tfjsSynthDemo.modelInput());
      const d = maxAbsDiff(input, nodeModel.images);
      assert(d === 0, `crop input differs by up to ${d}`);
      return `${nodeModel.count} crops of ${nodeModel.size}x${nodeModel.size}`;
    });

    await test(`the trained network on the browser's wasm backend matches Node's wasm (<= ${WASM_TOLERANCE}) and beats a mean-grey fill`, async () => {
      const r = await page.evaluate(() => window.__tfjsSynthDemo.runModel('wasm'));
      const out = r.completed;
      const d = maxAbsDiff(out, nodeModel.completed);
      assert(d <= WASM_TOLERANCE, `max abs diff ${d}`);
      assert(
        Math.abs(r.holeL1 - nodeModel.holeL1) <= WASM_TOLERANCE,
        `hole L1 ${r.holeL1} in the browser, ${nodeModel.holeL1} in Node`,
      );
      assert(
        r.holeL1 < r.baselineL1,
        `the network's hole L1 ${r.holeL1} is not below the mean-grey fill's ${r.baselineL1}`,
      );
      const shown = (await page.textContent('#model-status'))!;
      assert(
        shown.includes(r.holeL1.toFixed(3)) && shown.includes(r.baselineL1.toFixed(3)),
        `the panel says "${shown}"`,
      );
      // Served with the right MIME type, the wasm backend compiles by streaming, without fallbacks.
      assert(wasmResponses.length > 0, 'no .wasm file was fetched');
      const bad = wasmResponses.filter((r) => r.type !== 'application/wasm');
      assert(bad.length === 0, `wrong content-type: ${JSON.stringify(bad)}`);
      return `max abs diff ${d.toExponential(2)}; hole L1 ${r.holeL1.toFixed(3)} vs mean grey ${r.baselineL1.toFixed(3)}; browser ${await page.textContent('#time-wasm')}, Node ${nodeMs.toFixed(1)} ms (first run, includes loading the weights)`;
    });

    await test(`the trained network on the browser's cpu backend matches Node's wasm (<= ${CPU_TOLERANCE})`, async () => {
      const out = (await page.evaluate(() => window.__tfjsSynthDemo.runModel('cpu'))).completed;
      const d = maxAbsDiff(out, nodeModel.completed);
      assert(d <= CPU_TOLERANCE, `max abs diff ${d}`);
      return `max abs diff ${d.toExponential(2)}; browser cpu ${await page.textContent('#time-cpu')}`;
    });

    await test("the trained network's fills with the true edges as guide match Node's and have a lower hole L1 than with an empty guide", async () => {
      const r = await page.evaluate(() => window.__tfjsSynthDemo.runModel('wasm'));
      const d = maxAbsDiff(r.guidedCompleted, nodeModel.guidedCompleted);
      assert(d <= WASM_TOLERANCE, `max abs diff ${d}`);
      assert(
        r.guidedHoleL1 < r.holeL1,
        `hole L1 with the true edges ${r.guidedHoleL1} is not below the empty guide's ${r.holeL1}`,
      );
      const shown = (await page.textContent('#model-status'))!;
      assert(shown.includes(r.guidedHoleL1.toFixed(3)), `the panel says "${shown}"`);
      return `hole L1 ${r.guidedHoleL1.toFixed(4)} with the true edges, ${r.holeL1.toFixed(4)} with an empty guide (8 crops)`;
    });

    await test('draw guide strokes: a stroke drawn with the pointer changes the fill inside the hole only, as in Node; the true edges beat the empty guide', async () => {
      await page.evaluate(() => window.__tfjsSynthDemo.guideReady());
      const { size, count } = nodeModel;
      const px = size * size;
      // The crop where Node's true-edge fill gains most over the empty guide (per-crop hole L1).
      const cropL1 = (values: Float32Array, n: number) => {
        let sum = 0;
        let holes = 0;
        for (let i = 0; i < px; i++) {
          if (nodeModel.masks[n * px + i]! < 0.5) continue;
          holes++;
          for (let c = 0; c < 3; c++)
            sum += Math.abs(values[(n * px + i) * 3 + c]! - nodeModel.images[(n * px + i) * 3 + c]!);
        }
        return sum / (3 * holes);
      };
      const gains = Array.from(
        { length: count },
        (_, n) => cropL1(nodeModel.completed, n) - cropL1(nodeModel.guidedCompleted, n),
      );
      const n = gains.indexOf(Math.max(...gains));
      await page.evaluate((k) => window.__tfjsSynthDemo.selectGuideCrop(k), n);
      const shownCrop = await page.inputValue('#guide-crop');
      assert(shownCrop === String(n), `crop menu shows ${shownCrop}, expected ${n}`);
      await page.click('#guide-clear');
      const empty = await page.evaluate(() => window.__tfjsSynthDemo.guideFill());
      assert(empty.crop === n && empty.guide.every((v) => v === 0), 'Clear left a guide');
      // A horizontal stroke through the middle row of the hole, from its left end to its right end.
      const mask = nodeModel.masks.subarray(n * px, (n + 1) * px);
      const rows = Array.from({ length: size }, (_, y) => y).filter((y) =>
        mask.subarray(y * size, (y + 1) * size).some((v) => v > 0.5),
      );
      const y = rows[rows.length >> 1]!;
      const xs = Array.from({ length: size }, (_, x) => x).filter((x) => mask[y * size + x]! > 0.5);
      await page.locator('#guide-canvas').scrollIntoViewIfNeeded();
      const box = (await page.locator('#guide-canvas').boundingBox())!;
      const at = (x: number) =>
        [box.x + ((x + 0.5) * box.width) / size, box.y + ((y + 0.5) * box.height) / size] as const;
      await page.mouse.move(...at(xs[0]!));
      await page.mouse.down();
      await page.mouse.move(...at(xs[xs.length - 1]!), { steps: 12 });
      await page.mouse.up();
      const guide = await page.evaluate(() => window.__tfjsSynthDemo.guide());
      const drawn = guide.flatMap((v, i) => (v > 0 ? [i] : []));
      assert(drawn.length > 0, 'the stroke drew no guide pixels');
      assert(
        drawn.every((i) => Math.floor(i / size) === y && mask[i]! > 0.5),
        `guide pixels outside row ${y} or the hole: ${drawn.join(',')}`,
      );
      // The stroke's fill (after pointerup; guideFill joins it or runs with the same guide).
      const stroked = await page.evaluate(() => window.__tfjsSynthDemo.guideFill());
      assert(maxAbsDiff(stroked.guide, guide) === 0, 'the fill used another guide than the drawn one');
      let insideDiff = 0;
      let outsideDiff = 0;
      const image = nodeModel.images.subarray(n * px * 3, (n + 1) * px * 3);
      for (let i = 0; i < px; i++) {
        for (let c = 0; c < 3; c++) {
          const k = 3 * i + c;
          if (mask[i]! > 0.5) insideDiff = Math.max(insideDiff, Math.abs(stroked.completed[k]! - empty.completed[k]!));
          else
            outsideDiff = Math.max(
              outsideDiff,
              Math.abs(stroked.completed[k]! - image[k]!),
              Math.abs(empty.completed[k]! - image[k]!),
            );
        }
      }
      assert(outsideDiff === 0, `outside the hole the fills differ from the crop by up to ${outsideDiff}`);
      assert(insideDiff > 1e-3, `inside the hole the stroke changed the fill by only ${insideDiff}`);
      // Node's fill of the same crop with the same guide.
      const session = await GuideFill.load(modelHeader, modelData, textures);
      let nodeStroked: Awaited<ReturnType<typeof session.fill>>;
      try {
        nodeStroked = await session.fill(n, Float32Array.from(guide));
      } finally {
        session.dispose();
      }
      const d = maxAbsDiff(stroked.completed, nodeStroked.completed);
      assert(d <= WASM_TOLERANCE, `the stroke's fill differs from Node's by up to ${d}`);
      // Use true edges: the crop's Canny edges inside the hole, and a lower hole L1 than the empty guide.
      // The longest gap between main-thread timer ticks during this fill (reported, not asserted).
      await page.evaluate(() => {
        const w = window as unknown as { __gap: number; __last: number; __tick: number };
        w.__gap = 0;
        w.__last = performance.now();
        w.__tick = window.setInterval(() => {
          const now = performance.now();
          w.__gap = Math.max(w.__gap, now - w.__last);
          w.__last = now;
        }, 4);
      });
      await page.click('#guide-true');
      const edges = await page.evaluate(() => window.__tfjsSynthDemo.guideFill());
      const gap = await page.evaluate(() => {
        const w = window as unknown as { __gap: number; __tick: number };
        clearInterval(w.__tick);
        return w.__gap;
      });
      const trueGuide = nodeModel.guides.subarray(n * px, (n + 1) * px);
      assert(maxAbsDiff(edges.guide, trueGuide) === 0, 'Use true edges did not set the true edges');
      assert(
        edges.holeL1 < empty.holeL1,
        `hole L1 with the true edges ${edges.holeL1} is not below the empty guide's ${empty.holeL1}`,
      );
      const status = (await page.textContent('#guide-status'))!;
      assert(status.includes(edges.holeL1.toFixed(3)), `status "${status}"`);
      // Back to the top: the next tests paint on the image canvas by page coordinates.
      await page.evaluate(() => window.scrollTo(0, 0));
      return `crop ${n + 1}: stroke of ${drawn.length} px changes the hole by up to ${insideDiff.toFixed(3)} (Node ${d.toExponential(2)}); hole L1 ${edges.holeL1.toFixed(4)} with the true edges, ${empty.holeL1.toFixed(4)} empty, ${stroked.holeL1.toFixed(4)} with the stroke; fill ${edges.ms.toFixed(0)} ms, longest main-thread gap ${gap.toFixed(0)} ms`;
    });

    await test('a mouse-painted stroke, then Fill, changes only the masked pixels', async () => {
      const beforePixels = await canvasPixels(page);
      const box = (await page.locator('#mask').boundingBox())!;
      const w = coffee.width;
      const h = coffee.height;
      // A stroke across the cup's saucer, in image pixels, mapped to page coordinates.
      const toPage = (x: number, y: number) => [box.x + (x * box.width) / w, box.y + (y * box.height) / h] as const;
      await page.fill('#brush', '30');
      await page.mouse.move(...toPage(120, 300));
      await page.mouse.down();
      await page.mouse.move(...toPage(250, 330), { steps: 12 });
      await page.mouse.move(...toPage(330, 280), { steps: 12 });
      await page.mouse.up();
      const mask = await page.evaluate(() => window.__tfjsSynthDemo.mask());
      const masked = mask.reduce((s, v) => s + v, 0);
      // Two segments of about 136 and 94 px at a 30 px brush: roughly 7000 px.
      assert(masked > 4000 && masked < 12000, `the stroke masked ${masked} px`);
      assert(mask[330 * w + 250] === 1 && mask[100 * w + 100] === 0, 'the mask is not where the stroke went');
      const workersBefore = fillWorkers.length;
      // The longest gap between timer ticks on the main thread during the fill (reported, not asserted).
      await page.evaluate(() => {
        const w = window as unknown as { __gap: number; __last: number; __tick: number };
        w.__gap = 0;
        w.__last = performance.now();
        w.__tick = window.setInterval(() => {
          const now = performance.now();
          w.__gap = Math.max(w.__gap, now - w.__last);
          w.__last = now;
        }, 4);
      });
      await page.click('#fill');
      await page.waitForFunction(
        () => /^(Filled|Fill failed)/.test(document.querySelector('#fill-status')!.textContent ?? ''),
        null,
        { timeout: 60_000 },
      );
      const gap = await page.evaluate(() => {
        const w = window as unknown as { __gap: number; __tick: number };
        clearInterval(w.__tick);
        return w.__gap;
      });
      const status = (await page.textContent('#fill-status'))!;
      assert(status.startsWith('Filled'), status);
      assert(
        fillWorkers.length === workersBefore && fillWorkers.length === 1,
        `${fillWorkers.length} fill workers started (expected the one started with the page)`,
      );
      const afterPixels = await canvasPixels(page);
      assert(afterPixels.length === w * h * 4, `canvas has ${afterPixels.length / 4} px after the fill`);
      let changedOutside = 0;
      let changedInside = 0;
      for (let i = 0; i < w * h; i++) {
        let same = true;
        for (let c = 0; c < 4; c++) same &&= beforePixels[i * 4 + c] === afterPixels[i * 4 + c];
        if (!same) {
          if (mask[i]) changedInside++;
          else changedOutside++;
        }
      }
      assert(changedOutside === 0, `${changedOutside} unmasked pixels changed`);
      assert(changedInside > masked / 2, `only ${changedInside} of ${masked} masked pixels changed`);
      const progress = await page.evaluate(() => document.querySelector<HTMLProgressElement>('#progress')!.value);
      assert(progress === 1, `progress bar at ${progress}`);
      // For the picture: a second stroke over the spoon's handle, left unfilled, shows the translucent mask.
      await page.mouse.move(...toPage(415, 70));
      await page.mouse.down();
      await page.mouse.move(...toPage(375, 230), { steps: 10 });
      await page.mouse.up();
      const shot = writeScreenshot ? join(root, 'docs/images/browser-demo.png') : join(userDataDir, 'browser-demo.png');
      await page.screenshot({ path: shot, fullPage: true });
      return `${status}; ${changedInside}/${masked} masked px changed, 0 outside; longest main-thread gap during the fill ${gap.toFixed(0)} ms; screenshot ${(await stat(shot)).size} bytes${writeScreenshot ? ' -> docs/images/browser-demo.png' : ''}`;
    });

    await test('painting during a fill changes nothing of that fill; the new stroke stays masked for the next one', async () => {
      await page.goto(url);
      await page.evaluate(() => window.__tfjsSynthDemo.ready);
      const w = coffee.width;
      const beforePixels = await canvasPixels(page);
      // A large hole, so the fill is still running when the stroke is painted.
      const rect = { x: 40, y: 40, width: 300, height: 200 };
      const box = (await page.locator('#mask').boundingBox())!;
      const toPage = (x: number, y: number) =>
        [box.x + (x * box.width) / w, box.y + (y * box.height) / coffee.height] as const;
      await page.evaluate((r) => window.__tfjsSynthDemo.setMaskRect(r), rect);
      await page.click('#fill');
      // A stroke far from the rectangle while the fill runs in the worker.
      await page.fill('#brush', '20');
      await page.mouse.move(...toPage(450, 320));
      await page.mouse.down();
      await page.mouse.move(...toPage(540, 340), { steps: 8 });
      await page.mouse.up();
      const during = (await page.textContent('#fill-status'))!;
      await page.waitForFunction(
        () => /^(Filled|Fill failed)/.test(document.querySelector('#fill-status')!.textContent ?? ''),
        null,
        { timeout: 60_000 },
      );
      const status = (await page.textContent('#fill-status'))!;
      const afterPixels = await canvasPixels(page);
      let changedOutside = 0;
      for (let i = 0; i < w * coffee.height; i++) {
        const [x, y] = [i % w, Math.floor(i / w)];
        const inRect = x >= rect.x && x < rect.x + rect.width && y >= rect.y && y < rect.y + rect.height;
        if (!inRect && [0, 1, 2, 3].some((c) => beforePixels[i * 4 + c] !== afterPixels[i * 4 + c])) changedOutside++;
      }
      assert(during.startsWith('Filling'), `the stroke was painted after the fill ended (status "${during}")`);
      assert(changedOutside === 0, `${changedOutside} pixels outside the filled rectangle changed`);
      const mask = await page.evaluate(() => window.__tfjsSynthDemo.mask());
      const remaining = mask.reduce((n, v) => n + v, 0);
      assert(
        mask[330 * w + 495] === 1 && mask[100 * w + 100] === 0,
        'the stroke painted during the fill is not in the mask (or the filled rectangle still is)',
      );
      assert(/painted since: press Fill$/.test(status), `after the fill: "${status}"`);
      return `status during the fill "${during}", after "${status}"; ${remaining} px of the new stroke still masked`;
    });

    await test("a hook fill of a rectangle equals Node's PatchMatch fill, byte for byte", async () => {
      const rect = { x: 400, y: 60, width: 50, height: 40 };
      const mask = new Uint8Array(coffee.width * coffee.height);
      for (let y = rect.y; y < rect.y + rect.height; y++)
        mask.fill(1, y * coffee.width + rect.x, y * coffee.width + rect.x + rect.width);
      const pm = await createPatchMatch();
      const nodeTimes: number[] = [];
      let expected: Uint8Array | Uint8ClampedArray = new Uint8Array(0);
      for (let i = 0; i < 3; i++) {
        const t = performance.now();
        expected = (await pm.inpaint(coffee, { width: coffee.width, height: coffee.height, data: mask })).data;
        nodeTimes.push(performance.now() - t);
      }
      const browserTimes: number[] = [];
      for (let i = 0; i < 3; i++) {
        // A fresh page each time: the fill replaces the image the next fill would start from.
        await page.goto(url);
        await page.evaluate(() => window.__tfjsSynthDemo.ready);
        const r = await page.evaluate((r) => window.__tfjsSynthDemo.fill(r), rect);
        assert(
          r.maskedPixels === rect.width * rect.height && r.backend === 'wasm',
          `fill reported ${JSON.stringify(r)}`,
        );
        browserTimes.push(r.ms);
        const got = await canvasPixels(page);
        const d = maxAbsDiff(got, expected);
        assert(d === 0, `fill ${i + 1} differs from Node's by up to ${d}`);
      }
      const b = median(browserTimes);
      const n = median(nodeTimes);
      return `${pm.backend} in Node and ${rect.width}x${rect.height} hole: median of 3 fills ${b.toFixed(0)} ms in Chromium, ${n.toFixed(0)} ms in Node (ratio ${(b / n).toFixed(2)})`;
    });

    await test("the file input loads another image and resets the previous fill's progress and status", async () => {
      // Left over from the previous fill: progress at 1 and a status about it; loading resets both.
      await page.evaluate((r) => window.__tfjsSynthDemo.fill(r), { x: 20, y: 20, width: 30, height: 30 });
      const progressBefore = await page.evaluate(() => document.querySelector<HTMLProgressElement>('#progress')!.value);
      assert(progressBefore === 1, `progress ${progressBefore} after a fill`);
      await page.setInputFiles('#file', join(root, 'examples/assets/chelsea.png'));
      await page.waitForFunction(
        () => (document.querySelector('#fill-status')!.textContent ?? '').startsWith('Loaded chelsea.png'),
        null,
        { timeout: 10_000 },
      );
      const progressAfter = await page.evaluate(() => document.querySelector<HTMLProgressElement>('#progress')!.value);
      assert(progressAfter === 0, `progress ${progressAfter} after loading a new image`);
      const size = await page.evaluate(() => [
        document.querySelector<HTMLCanvasElement>('#image')!.width,
        document.querySelector<HTMLCanvasElement>('#image')!.height,
      ]);
      assert(
        size[0] === 451 && size[1] === 300,
        `image canvas is ${size.join('x')} after loading chelsea.png (451x300)`,
      );
      const masked = (await page.evaluate(() => window.__tfjsSynthDemo.mask())).length;
      assert(masked === 451 * 300, `mask has ${masked} entries`);
      await page.goto(url);
      await page.evaluate(() => window.__tfjsSynthDemo.ready);
    });

    // Timing only (no assertion): the trained network on 8 held-out crops (model set-up + forward + read-back), median of 3.
    const timing = await page.evaluate(async () => {
      const hook = window.__tfjsSynthDemo;
      const out: Record<string, number[]> = {};
      for (const backend of ['wasm', 'cpu'] as const) {
        out[backend] = [];
        for (let i = 0; i < 3; i++) out[backend]!.push((await hook.runModel(backend)).ms);
      }
      return out;
    });
    const nodeWasm: number[] = [];
    for (let i = 0; i < 3; i++) {
      const t = performance.now();
      await runNodeModel();
      nodeWasm.push(performance.now() - t);
    }
    const [bw, bc, nw] = [median(timing.wasm!), median(timing.cpu!), median(nodeWasm)];
    console.log(
      `timing  trained network on ${nodeModel.count} crops of ${nodeModel.size}x${nodeModel.size}, median of 3: Chromium wasm ${bw.toFixed(1)} ms, Chromium cpu ${bc.toFixed(1)} ms (cpu/wasm ${(bc / bw).toFixed(1)}x), Node wasm ${nw.toFixed(1)} ms`,
    );

    // createParallelPatchMatch is deterministic for a seed and worker count (each band has its own
    // seeded generator, border rows are double-buffered so thread timing cannot matter, distances are
    // integer sums), so the browser's field must equal Node's for the same worker count exactly, and
    // with one worker it must equal the single-threaded createPatchMatch field exactly. Two bands do
    // not reproduce the single-threaded field, so against that only the mean distance is bounded.
    const workerEvents: { url: string; closed: boolean }[] = [];
    page.on('worker', (w) => {
      const entry = { url: w.url(), closed: false };
      workerEvents.push(entry);
      w.on('close', () => {
        entry.closed = true;
      });
    });
    const workersClosed = async (from: number): Promise<{ started: number; open: number }> => {
      const mine = () => workerEvents.slice(from).filter((e) => e.url.startsWith('blob:'));
      // 'close' arrives asynchronously after terminate(); give it up to 2 s.
      for (let i = 0; i < 40 && mine().some((e) => !e.closed); i++) await new Promise((r) => setTimeout(r, 50));
      return { started: mine().length, open: mine().filter((e) => !e.closed).length };
    };

    await test("createParallelPatchMatch({ workers: 2 }) in Chromium equals Node's two-worker field exactly, and terminates its workers", async () => {
      const from = workerEvents.length;
      const r = await page.evaluate(() => window.__tfjsSynthDemo.parallelField(2, 3));
      const problems = fieldDiff('browser vs Node (2 workers)', r, nodeTwo);
      assert(
        r.workers === 2 && r.width === nodeTwo.width && r.height === nodeTwo.height,
        `field ${r.width}x${r.height}, ${r.workers} workers`,
      );
      assert(problems.length === 0, problems.join('; '));
      assert(r.sameEachRun, 'three runs in the page gave different fields');
      const w = await workersClosed(from);
      assert(
        w.started === 2 && w.open === 0,
        `${w.started} blob: workers started, ${w.open} still open after terminate()`,
      );
      assert(
        /ParallelPatchMatch\.nnf: the engine was terminated/.test(r.afterTerminate),
        `nnf after terminate(): "${r.afterTerminate}"`,
      );
      const [mb, mn, ms] = [
        meanFieldDistance(r.distance),
        meanFieldDistance(nodeTwo.distance),
        meanFieldDistance(single.distance),
      ];
      assert(
        mb <= ms * PARALLEL_MEAN_RATIO,
        `mean distance ${mb.toFixed(1)} vs single-threaded ${ms.toFixed(1)} (limit x${PARALLEL_MEAN_RATIO})`,
      );
      const [b, n, s1] = [median(r.ms), median(nodeTwoTimes), median(singleTimes)];
      return (
        `${r.width}x${r.height} field equal (max abs diff 0, mean distance ${mb.toFixed(1)}, Node ${mn.toFixed(1)}; single-threaded ${ms.toFixed(1)}, ratio ${(mb / ms).toFixed(4)}); ` +
        `2 workers started and closed; median of 3: Chromium ${b.toFixed(0)} ms, Node 2 workers ${n.toFixed(0)} ms, Node single-threaded ${s1.toFixed(0)} ms`
      );
    });

    await test("createParallelPatchMatch({ workers: 1 }) in Chromium equals Node's single-threaded createPatchMatch field exactly", async () => {
      const from = workerEvents.length;
      const r = await page.evaluate(() => window.__tfjsSynthDemo.parallelField(1, 1));
      const problems = fieldDiff('browser 1 worker vs Node single-threaded', r, single);
      assert(problems.length === 0, problems.join('; '));
      const w = await workersClosed(from);
      assert(
        w.started === 1 && w.open === 0,
        `${w.started} blob: workers started, ${w.open} still open after terminate()`,
      );
    });

    await test("without COOP/COEP, createParallelPatchMatch and initBackend's threads reject with a clear error; no worker starts", async () => {
      const plainPage = await context.newPage();
      const plainWorkers: string[] = [];
      // Only createParallelPatchMatch's workers (the page's own fill worker starts either way).
      plainPage.on('worker', (w) => {
        if (!/fill-worker/.test(w.url())) plainWorkers.push(w.url());
      });
      try {
        const res = await plainPage.goto(plain.url);
        assert(res?.ok(), `GET ${plain.url} -> ${res?.status()}`);
        await plainPage.evaluate(() => window.__tfjsSynthDemo.ready);
        const isolated = await plainPage.evaluate(() => [self.crossOriginIsolated, typeof SharedArrayBuffer]);
        assert(
          isolated[0] === false && isolated[1] === 'undefined',
          `plain page: crossOriginIsolated ${isolated[0]}, SharedArrayBuffer ${isolated[1]}`,
        );
        const message = await plainPage.evaluate(() =>
          window.__tfjsSynthDemo.parallelField(2, 1).then(
            () => '',
            (e: Error) => e.message,
          ),
        );
        assert(
          /^createParallelPatchMatch: needs SharedArrayBuffer \(in browsers, a cross-origin-isolated page\)\.$/.test(
            message,
          ),
          `error: "${message}"`,
        );
        assert(plainWorkers.length === 0, `workers started: ${plainWorkers.join(', ')}`);
        // The wasm backend's threads need SharedArrayBuffer too: a clear error, the backend kept.
        const threadsMessage = await plainPage.evaluate(() =>
          window.__tfjsSynthDemo.threadsCheck(2).then(
            () => '',
            (e: Error) => e.message,
          ),
        );
        assert(
          threadsMessage ===
            'initBackend: options.threads needs SharedArrayBuffer (in browsers, a cross-origin-isolated page).',
          `threads error: "${threadsMessage}"`,
        );
        return `"${message}"; "${threadsMessage}"`;
      } finally {
        await plainPage.close();
      }
    });

    await test(`initBackend('wasm', { threads: 2 }) runs the threaded build with 2 threads in Chromium; its results equal the single-threaded build's and Node's (<= ${THREADS_RELATIVE_TOLERANCE} relative)`, async () => {
      const r = await page.evaluate(() => window.__tfjsSynthDemo.threadsCheck(2));
      assert(r.threads === 2, `getThreadsCount() is ${r.threads}`);
      assert(r.helperThreads === 1, `${r.helperThreads} helper threads for the library's passes, expected 1`);
      const toWorkload = (x: Record<keyof ThreadsWorkload, number[]>) =>
        Object.fromEntries(WORKLOAD_PARTS.map((p) => [p, Float32Array.from(x[p])])) as unknown as ThreadsWorkload;
      const vsNode = relativeDifferences(toWorkload(r.threaded), nodeThreadsWorkload);
      const singleVsNode = relativeDifferences(toWorkload(r.single), nodeThreadsWorkload);
      const problems = WORKLOAD_PARTS.flatMap((p) => [
        ...(r.relative[p] <= THREADS_RELATIVE_TOLERANCE ? [] : [`${p}: threaded vs single-threaded ${r.relative[p]}`]),
        ...(vsNode[p] <= THREADS_RELATIVE_TOLERANCE ? [] : [`${p}: threaded vs Node ${vsNode[p]}`]),
        ...(singleVsNode[p] <= THREADS_RELATIVE_TOLERANCE ? [] : [`${p}: single-threaded vs Node ${singleVsNode[p]}`]),
      ]);
      assert(problems.length === 0, problems.join('; '));
      const worst = Math.max(...WORKLOAD_PARTS.map((p) => Math.max(r.relative[p], vsNode[p])));
      // Timing only (no assertion): threads 1 and 2 interleaved.
      const [size, ngf, reps] = (threadsTimingSpec ?? '128,16,3').split(',').map(Number) as [number, number, number];
      const modes = threadsTimingSpec === undefined ? (['forward'] as const) : (['forward', 'step'] as const);
      const timings: string[] = [];
      for (const mode of modes) {
        const t = await page.evaluate(([m, s, n, k]) => window.__tfjsSynthDemo.threadsTiming(m, s, n, k), [
          mode,
          size,
          ngf,
          reps,
        ] as const);
        const [t1, t2] = [median(t.threads1), median(t.threads2)];
        timings.push(
          `${mode} (U-Net ${Math.log2(size)} levels, ngf ${ngf}, ${size}x${size}) median of ${reps}: 1 thread ${t1.toFixed(0)} ms, 2 threads ${t2.toFixed(0)} ms (${(t1 / t2).toFixed(2)}x)`,
        );
      }
      return `largest relative difference ${worst.toExponential(2)}; workload ${r.singleMs.toFixed(0)} ms single-threaded build, ${r.threadedMs.toFixed(0)} ms threaded; ${timings.join('; ')}; load ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`;
    });
    for (const mode of ['analogy', 'transfer'] as const) {
      await test(`the ${mode} mode of the methods panel equals Node's image byte for byte`, async () => {
        const r = await page.evaluate((m) => window.__tfjsSynthDemo.patchMethod(m), mode);
        const node = nodeMethods.get(mode)!;
        assert(r.backend === 'wasm', `backend ${r.backend}`);
        assert(r.data.length === node.data.length, `${r.data.length} bytes, Node ${node.data.length}`);
        let differing = 0;
        for (let i = 0; i < r.data.length; i++) if (r.data[i] !== node.data[i]) differing++;
        assert(differing === 0, `${differing} of ${r.data.length} bytes differ from Node's`);
        const status = await page.textContent('#method-status');
        assert(/ms\)\.$/.test(status ?? ''), `status "${status}"`);
        return `${r.width}x${r.height}, equal; Chromium ${r.ms.toFixed(0)} ms, Node ${node.ms.toFixed(0)} ms`;
      });
    }

    await test('the browser-only doc snippets (```ts browser) run in Chromium', () => runBrowserSnippets(context));

    await test('no console errors during the run', async () => {
      assert(consoleErrors.length === 0, consoleErrors.join(' | '));
    });
  } finally {
    await context.close();
    await new Promise((resolve) => server.close(resolve));
    await new Promise((resolve) => plain.server.close(resolve));
    await rm(userDataDir, { recursive: true, force: true });
  }
}

const started = performance.now();
try {
  await main();
} catch (err) {
  results.push({ name: 'set-up', ok: false, detail: String(err) });
  console.log(`FAIL set-up: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}
// The GPU backends (webgl, webgpu) against cpu, and initBackend's GPU errors.
try {
  await runGpuBackendTests(test);
} catch (err) {
  results.push({ name: 'GPU backends set-up', ok: false, detail: String(err) });
  console.log(`FAIL GPU backends set-up: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
}
// The packed package in fresh vite apps built from docs/browser.md's recipes.
await runPackedAppTests(test);
const skipped = results.filter((r) => r.skipped).length;
const passed = results.filter((r) => r.ok && !r.skipped).length;
const failed = results.length - passed - skipped;
console.log(`browser tests took ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
