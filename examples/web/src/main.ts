// The browser demo: PatchMatch inpainting of a painted mask (in a Web Worker), and a small
// user-guided gated-convolution inpainting network trained by `npm run demo`, on the wasm and cpu
// TensorFlow.js backends, with a mode to draw its guide strokes. Plain DOM, no framework.
import * as tf from '@tensorflow/tfjs-core';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { initBackend, type BackendName } from '../../../src/backend/init-backend';
import { passHelpersOf } from '../../../src/backend/kernels/pass-helpers';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { createParallelPatchMatch, createPatchMatch, type PatchMatch } from '../../../src/patchmatch/index';
import brickUrl from '../../assets/brick.png?url';
import chelseaUrl from '../../assets/chelsea.png?url';
import coffeeUrl from '../../assets/coffee.png?url';
import gravelUrl from '../../assets/gravel.png?url';
import modelBinUrl from '../model/inpainting-generator.bin?url';
import modelHeaderUrl from '../model/inpainting-generator.json?url';
import { TEXTURES, heldOutBatch, type GeneratorWeightsHeader } from '../../demo/inpainting-model';
import { FULL_SETTINGS } from '../../demo/settings';
import { imageToTensor } from '../../../src/node/image-to-tensor';
import { GuideFill, drawGuideLine, runDemoModel, type DemoModelResult, type GuideFillResult } from './demo-model';
import type { FillReply, FillRequest } from './fill-protocol';
import { PARALLEL_CASE, cropImage } from './parallel-field';
import { WORKLOAD_PARTS, relativeDifferences, runThreadsWorkload, type ThreadsWorkload } from './threads-check';
import { patchGANDiscriminator } from '../../../src/models/patchgan-discriminator';
import { unetGenerator } from '../../../src/models/unet-generator';
import { Pix2PixTrainer } from '../../../src/training/pix2pix-trainer';
import { type PatchMethodMode, runPatchMethod } from './patch-methods';

// tfjs-backend-wasm fetches its .wasm by file name; point each name at the file vite emitted.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});
// The page is served cross-origin isolated (for createParallelPatchMatch), where tfjs's own loader
// would pick its threaded binary, which never finishes starting in a minified build (see
// docs/browser.md). Every use of tfjs here goes through `initBackend` first: `initBackend('wasm')`
// keeps the single-threaded SIMD binary, as in Node, and
// `initBackend('wasm', { threads, threadedWasmUrl })` loads the threaded one (the threads check below).

/** Larger images are scaled down on load so a fill stays interactive. */
const MAX_SIDE = 800;
/** Rows of held-out crops the network panel shows (of the 8 it scores). */
const SHOWN_CROPS = 4;

/** A rectangle in image pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Result of one fill. */
export interface FillResult {
  backend: string;
  ms: number;
  maskedPixels: number;
}

/** Result of {@link DemoHook.parallelField}: the field of the first run, row-major. */
export interface ParallelFieldResult {
  workers: number;
  width: number;
  height: number;
  x: number[];
  y: number[];
  distance: number[];
  /** Whether every run gave exactly the first run's field. */
  sameEachRun: boolean;
  /** Milliseconds per `nnf` call. */
  ms: number[];
  /** The error of an `nnf` call after `terminate()` ('' if it did not reject). */
  afterTerminate: string;
}

/** What {@link DemoHook.runModel} returns: the network's fills and its scores. */
export interface ModelRunResult {
  /** Fills with an empty guide and with the true edges as guide. */
  completed: number[];
  guidedCompleted: number[];
  holeL1: number;
  guidedHoleL1: number;
  baselineL1: number;
  ms: number;
}

/** What {@link DemoHook.guideFill} returns: a fill of the guide-strokes mode, arrays as plain numbers. */
export interface GuideRunResult {
  crop: number;
  guide: number[];
  completed: number[];
  emptyCompleted: number[];
  edgesCompleted: number[];
  holeL1: number;
  emptyHoleL1: number;
  edgesHoleL1: number;
  /** Wall time of the fill (3 crops through the network, read back), ms. */
  ms: number;
}

/** What {@link DemoHook.threadsCheck} returns. */
export interface ThreadsCheckResult {
  /** `getThreadsCount()` on the threaded build. */
  threads: number;
  /** The helper threads the threaded build started for this library's own passes. */
  helperThreads: number;
  /** The workload's results on the single-threaded build and on the threaded one. */
  single: Record<keyof ThreadsWorkload, number[]>;
  threaded: Record<keyof ThreadsWorkload, number[]>;
  /** max |threaded - single| / max |single| per part. */
  relative: Record<keyof ThreadsWorkload, number>;
  /** Time of the workload on each (not compared: it is too small to gain from threads). */
  singleMs: number;
  threadedMs: number;
}

/** What {@link DemoHook.threadsTiming} returns: wall times in ms, per thread count, interleaved. */
export type ThreadsTimingResult = Record<'threads1' | 'threads2', number[]>;

/** What {@link DemoHook.patchMethod} returns: the result image and the time it took. */
export interface PatchMethodResult {
  mode: PatchMethodMode;
  backend: string;
  width: number;
  height: number;
  data: number[];
  ms: number;
}

/** The hook the browser tests drive the page with (`window.__tfjsSynthDemo`). */
export interface DemoHook {
  /** Resolves once the default image and the PatchMatch worker are loaded. */
  ready: Promise<void>;
  /** 'wasm' (SIMD) or 'js', as the fill worker reports it. */
  patchMatchBackend(): string;
  /** The mask as 0/1 per pixel, row-major. */
  mask(): number[];
  /** Replaces the mask with one rectangle. */
  setMaskRect(rect: Rect): void;
  /** Fills the current mask (or `rect`, when given) as the Fill button does. */
  fill(rect?: Rect): Promise<FillResult>;
  /** The network's held-out input crops decoded in the page ([-1, 1], n, h, w, c order). */
  modelInput(): Promise<number[]>;
  /** Runs the trained network on `backend`, draws its panel and returns its fills. */
  runModel(backend: BackendName): Promise<ModelRunResult>;
  /** Loads the guide-strokes mode (as a first click on it does) and resolves after its first fill. */
  guideReady(): Promise<void>;
  /** Shows held-out crop `n` in the guide-strokes mode, with an empty guide (as the crop menu does). */
  selectGuideCrop(n: number): Promise<void>;
  /** The guide-strokes mode's current guide, [64 * 64] row-major. */
  guide(): number[];
  /** Fills the current crop with the current guide (as after a stroke) and returns the result. */
  guideFill(): Promise<GuideRunResult>;
  /** `self.crossOriginIsolated`: SharedArrayBuffer (and so createParallelPatchMatch) needs it. */
  crossOriginIsolated(): boolean;
  /**
   * Runs createParallelPatchMatch({ workers }) `runs` times on PARALLEL_CASE (crops of the bundled
   * coffee and cat images, decoded here), then terminates it. Rejects with the engine's error on a
   * page that is not cross-origin isolated.
   */
  parallelField(workers: number, runs: number): Promise<ParallelFieldResult>;
  /**
   * Runs the threads workload (threads-check.ts) on the page's wasm backend (the single-threaded
   * SIMD build: call this before anything else chooses threads), then on
   * `initBackend('wasm', { threads, threadedWasmUrl })`, which stays the page's wasm backend.
   */
  threadsCheck(threads: number): Promise<ThreadsCheckResult>;
  /**
   * Times a U-Net forward pass (`mode` 'forward') or a pix2pix step ('step', with the 3-layer
   * PatchGAN) at `size` with `ngf` filters on the threaded build with 1 and 2 threads, `reps`
   * rounds, switching the backend before each timed call (after one untimed warm-up call).
   */
  threadsTiming(mode: 'forward' | 'step', size: number, ngf: number, reps: number): Promise<ThreadsTimingResult>;
  /** Runs the methods panel in `mode` (as its Run button does), draws the grid and returns the result. */
  patchMethod(mode: PatchMethodMode): Promise<PatchMethodResult>;
}

declare global {
  interface Window {
    __tfjsSynthDemo: DemoHook;
  }
}

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`demo: missing element #${id}`);
  return el as T;
};

const imageCanvas = $<HTMLCanvasElement>('image');
const maskCanvas = $<HTMLCanvasElement>('mask');
const imageCtx = imageCanvas.getContext('2d', { willReadFrequently: true })!;
const maskCtx = maskCanvas.getContext('2d')!;
const brush = $<HTMLInputElement>('brush');
const fillButton = $<HTMLButtonElement>('fill');
const progress = $<HTMLProgressElement>('progress');
const fillStatus = $('fill-status');

let maskData = new Uint8Array(0);
/** Pixels masked now (kept up to date while painting). */
let maskedCount = 0;
/** Counts image loads: a fill started on an older image is dropped when it ends. */
let imageGeneration = 0;
let filling = false;
/** The last message about a fill or a load; shown until the mask changes. */
let lastEvent = '';
// One network run at a time: they are queued on this chain.
let modelQueue: Promise<unknown> = Promise.resolve();
const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
  const next = modelQueue.then(job);
  modelQueue = next.catch(() => undefined);
  return next;
};

/** The fill status line, from the state: a fill running, the last event, or what to do next. */
function showStatus(): void {
  let text: string;
  if (filling) text = `Filling… ${Math.round(progress.value * 100)}%`;
  else if (lastEvent) text = lastEvent;
  else if (maskedCount === 0) text = 'Paint over what should disappear, then press Fill';
  else text = `${maskedCount} px masked: press Fill`;
  fillStatus.textContent = text;
  fillButton.disabled = filling || pmBackend === null;
}

function currentImage(): ImageData {
  return imageCtx.getImageData(0, 0, imageCanvas.width, imageCanvas.height);
}

function showImage(source: CanvasImageSource, width: number, height: number): void {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  imageCanvas.width = maskCanvas.width = Math.round(width * scale);
  imageCanvas.height = maskCanvas.height = Math.round(height * scale);
  imageCtx.drawImage(source, 0, 0, imageCanvas.width, imageCanvas.height);
  imageGeneration++;
  // Nothing of the previous image stays on screen: mask, progress, fill timings.
  clearMask();
  progress.value = 0;
  filling = false;
}

async function loadUrl(url: string): Promise<void> {
  const img = new Image();
  img.src = url;
  await img.decode();
  showImage(img, img.naturalWidth, img.naturalHeight);
}

// ---- mask painting ----

function clearMask(): void {
  maskData = new Uint8Array(maskCanvas.width * maskCanvas.height);
  maskedCount = 0;
  maskCtx.clearRect(0, 0, maskCanvas.width, maskCanvas.height);
  lastEvent = '';
  showStatus();
}

function paintDot(cx: number, cy: number): void {
  const r = Number(brush.value) / 2;
  const w = maskCanvas.width;
  const h = maskCanvas.height;
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(h - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(w - 1, Math.ceil(cx + r)); x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r && maskData[y * w + x] === 0) {
        maskData[y * w + x] = 1;
        maskedCount++;
      }
    }
  }
  // The overlay is drawn opaque and made translucent by CSS (#mask opacity), so overlapping dabs do not darken.
  maskCtx.fillStyle = '#ff2d55';
  maskCtx.beginPath();
  maskCtx.arc(cx, cy, r, 0, 2 * Math.PI);
  maskCtx.fill();
}

/** Draws the overlay from maskData (after a rectangle is set or a fill consumed part of the mask). */
function redrawMask(): void {
  const overlay = maskCtx.createImageData(maskCanvas.width, maskCanvas.height);
  for (let i = 0; i < maskData.length; i++) {
    if (maskData[i] !== 0) overlay.data.set([255, 45, 85, 255], i * 4);
  }
  maskCtx.putImageData(overlay, 0, 0);
}

function eventPoint(e: PointerEvent): [number, number] {
  const box = maskCanvas.getBoundingClientRect();
  return [
    ((e.clientX - box.left) * maskCanvas.width) / box.width,
    ((e.clientY - box.top) * maskCanvas.height) / box.height,
  ];
}

let last: [number, number] | null = null;
maskCanvas.addEventListener('pointerdown', (e) => {
  maskCanvas.setPointerCapture(e.pointerId);
  last = eventPoint(e);
  paintDot(...last);
  lastEvent = '';
  showStatus();
});
maskCanvas.addEventListener('pointermove', (e) => {
  if (last === null) return;
  const p = eventPoint(e);
  // Dabs every quarter brush along the segment, so fast strokes stay continuous.
  const step = Math.max(1, Number(brush.value) / 4);
  const n = Math.ceil(Math.hypot(p[0] - last[0], p[1] - last[1]) / step);
  for (let i = 1; i <= n; i++) paintDot(last[0] + ((p[0] - last[0]) * i) / n, last[1] + ((p[1] - last[1]) * i) / n);
  last = p;
  showStatus();
});
const endStroke = () => {
  last = null;
};
maskCanvas.addEventListener('pointerup', endStroke);
maskCanvas.addEventListener('pointercancel', endStroke);

brush.addEventListener('input', () => {
  $('brush-value').textContent = brush.value;
});
$('clear').addEventListener('click', clearMask);
$<HTMLInputElement>('file').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (file === undefined) return;
  try {
    const bitmap = await createImageBitmap(file);
    showImage(bitmap, bitmap.width, bitmap.height);
    bitmap.close();
    lastEvent = `Loaded ${file.name}: paint over what should disappear, then press Fill`;
  } catch (err) {
    lastEvent = `Could not read ${file.name}: ${String(err)}`;
  }
  showStatus();
});

// ---- PatchMatch fill, in a worker ----

const fillWorker = new Worker(new URL('./fill-worker.ts', import.meta.url), { type: 'module' });
let pmBackend: 'wasm' | 'js' | null = null;
let nextFillId = 1;
const pendingFills = new Map<
  number,
  {
    resolve: (r: { width: number; height: number; data: Uint8ClampedArray<ArrayBuffer> }) => void;
    reject: (e: Error) => void;
  }
>();
const workerReady = new Promise<void>((resolve, reject) => {
  fillWorker.addEventListener('message', (event: MessageEvent<FillReply>) => {
    const reply = event.data;
    if (reply.type === 'ready') {
      pmBackend = reply.backend;
      resolve();
    } else if (reply.type === 'progress') {
      if (pendingFills.has(reply.id)) {
        progress.value = reply.fraction;
        showStatus();
      }
    } else if (reply.type === 'done') {
      pendingFills.get(reply.id)?.resolve(reply);
      pendingFills.delete(reply.id);
    } else if (reply.id === 0) {
      reject(new Error(reply.message));
    } else {
      pendingFills.get(reply.id)?.reject(new Error(reply.message));
      pendingFills.delete(reply.id);
    }
  });
  fillWorker.addEventListener('error', (event) => reject(new Error(`the fill worker failed: ${event.message}`)));
});

function fill(): Promise<FillResult> {
  if (pmBackend === null) return Promise.reject(new Error('demo: PatchMatch is not loaded yet'));
  const backend = pmBackend;
  if (filling) return Promise.reject(new Error('demo: a fill is running'));
  if (maskedCount === 0) {
    lastEvent = 'Paint a mask first';
    showStatus();
    return Promise.resolve({ backend, ms: 0, maskedPixels: 0 });
  }
  // Copies taken now: painting (or loading another image) during the fill changes neither.
  const image = currentImage();
  const mask = maskData.slice();
  const masked = maskedCount;
  const generation = imageGeneration;
  const id = nextFillId++;
  filling = true;
  progress.value = 0;
  lastEvent = '';
  showStatus();
  const t0 = performance.now();
  // The worker gets its own copy of the mask (transferred); `mask` stays here to clear the filled pixels.
  const request: FillRequest = {
    id,
    image: { width: image.width, height: image.height, data: image.data },
    mask: { width: image.width, height: image.height, data: mask.slice() },
  };
  const done = new Promise<{ width: number; height: number; data: Uint8ClampedArray<ArrayBuffer> }>((resolve, reject) =>
    pendingFills.set(id, { resolve, reject }),
  );
  fillWorker.postMessage(request, [image.data.buffer, request.mask.data.buffer]);
  return done.then(
    (result) => {
      const ms = performance.now() - t0;
      if (generation === imageGeneration) {
        filling = false;
        imageCtx.putImageData(new ImageData(result.data, result.width, result.height), 0, 0);
        // The filled pixels leave the mask; strokes painted during the fill stay for the next one.
        for (let i = 0; i < maskData.length; i++) {
          if (mask[i] !== 0 && maskData[i] !== 0) {
            maskData[i] = 0;
            maskedCount--;
          }
        }
        redrawMask();
        progress.value = 1;
        lastEvent =
          maskedCount > 0
            ? `Filled ${masked} px in ${ms.toFixed(0)} ms; ${maskedCount} px painted since: press Fill`
            : `Filled ${masked} px in ${ms.toFixed(0)} ms`;
        showStatus();
      }
      return { backend, ms, maskedPixels: masked };
    },
    (err: Error) => {
      if (generation === imageGeneration) {
        filling = false;
        lastEvent = `Fill failed: ${err.message}`;
        showStatus();
      }
      throw err;
    },
  );
}
fillButton.addEventListener('click', () => {
  fill().catch(() => undefined);
});

// ---- the trained network ----

async function decodeUrl(url: string): Promise<ImageData> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth;
  canvas.height = img.naturalHeight;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(img, 0, 0);
  return ctx.getImageData(0, 0, canvas.width, canvas.height);
}

/** The weights (fetched once) and the decoded textures. */
let modelAssets: Promise<{ header: string; data: ArrayBuffer; textures: ImageData[] }> | undefined;
function loadModelAssets() {
  modelAssets ??= (async () => {
    const [header, data, textures] = await Promise.all([
      fetch(modelHeaderUrl).then((r) => r.text()),
      fetch(modelBinUrl).then((r) => r.arrayBuffer()),
      Promise.all([decodeUrl(brickUrl), decodeUrl(gravelUrl)]),
    ]);
    return { header, data, textures };
  })();
  return modelAssets;
}

const modelResults: Partial<Record<BackendName, Float32Array>> = {};

/** One crop of an NHWC batch ([-1, 1]) as RGBA pixels; `holes` paints the mask's holes white. */
function cropPixels(values: Float32Array, r: DemoModelResult, n: number, holes?: Float32Array): ImageData {
  const img = new ImageData(r.size, r.size);
  const px = r.size * r.size;
  for (let i = 0; i < px; i++) {
    const hole = holes !== undefined && holes[n * px + i]! > 0.5;
    for (let c = 0; c < 3; c++)
      img.data[4 * i + c] = hole ? 255 : Math.round((values[(n * px + i) * 3 + c]! + 1) * 127.5);
    img.data[4 * i + 3] = 255;
  }
  return img;
}

/** One crop's 1-channel guide drawn over `img` (in place) in the given colour where it is 1. */
function paintGuide(img: ImageData, guides: Float32Array, n: number, rgb: [number, number, number]): ImageData {
  const px = img.width * img.height;
  for (let i = 0; i < px; i++) if (guides[n * px + i]! > 0.5) img.data.set(rgb, 4 * i);
  return img;
}

/** Rows of masked with its true edges | empty guide | true edges | mean grey | original, 4 px apart. */
function drawModelGrid(r: DemoModelResult): void {
  const canvas = $<HTMLCanvasElement>('model-grid');
  const gap = 4;
  canvas.width = 5 * r.size + 4 * gap;
  canvas.height = SHOWN_CROPS * r.size + (SHOWN_CROPS - 1) * gap;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = 'white';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let n = 0; n < Math.min(SHOWN_CROPS, r.count); n++) {
    const cols = [
      paintGuide(cropPixels(r.images, r, n, r.masks), r.guides, n, [0, 0, 0]),
      cropPixels(r.completed, r, n),
      cropPixels(r.guidedCompleted, r, n),
      cropPixels(r.meanFilled, r, n),
      cropPixels(r.images, r, n),
    ];
    cols.forEach((img, k) => ctx.putImageData(img, k * (r.size + gap), n * (r.size + gap)));
  }
}

function runModel(backend: BackendName): Promise<ModelRunResult> {
  return enqueue(async () => {
    const status = $('model-status');
    status.textContent = `Running on ${backend}…`;
    try {
      const assets = await loadModelAssets();
      await initBackend(backend);
      const t0 = performance.now();
      const r = await runDemoModel(assets.header, assets.data, assets.textures);
      const ms = performance.now() - t0;
      modelResults[backend] = r.completed;
      drawModelGrid(r);
      $(`time-${backend}`).textContent = `${ms.toFixed(0)} ms`;
      const { wasm, cpu } = modelResults;
      let text =
        `After ${r.steps} training steps, the network's fills differ from the originals by ${r.guidedHoleL1.toFixed(3)} on average inside the holes of ` +
        `${r.count} held-out crops with their true edges as guide, by ${r.holeL1.toFixed(3)} with an empty guide; ` +
        `a mean-grey fill differs by ${r.baselineL1.toFixed(3)} (values in [-1, 1]). Ran on ${backend} in ${ms.toFixed(0)} ms.`;
      if (wasm !== undefined && cpu !== undefined) {
        let diff = 0;
        for (let i = 0; i < wasm.length; i++) diff = Math.max(diff, Math.abs(wasm[i]! - cpu[i]!));
        text += ` Max |wasm − cpu| = ${diff.toExponential(2)}.`;
      }
      status.textContent = text;
      return {
        completed: Array.from(r.completed),
        guidedCompleted: Array.from(r.guidedCompleted),
        holeL1: r.holeL1,
        guidedHoleL1: r.guidedHoleL1,
        baselineL1: r.baselineL1,
        ms,
      };
    } catch (err) {
      status.textContent = `Failed on ${backend}: ${String(err)}`;
      throw err;
    }
  });
}
$('run-wasm').addEventListener('click', () => {
  runModel('wasm').catch(() => undefined);
});
$('run-cpu').addEventListener('click', () => {
  runModel('cpu').catch(() => undefined);
});

async function modelInput(): Promise<number[]> {
  const { header, textures } = await loadModelAssets();
  await initBackend('cpu');
  const { size } = (JSON.parse(header) as GeneratorWeightsHeader).settings;
  const tensors = textures.map((t) => imageToTensor(t, { range: [-1, 1], channels: 3 }));
  const [images, masks] = heldOutBatch(tensors, { ...FULL_SETTINGS.inpainting, size });
  const values = Array.from(await images.data());
  tf.dispose([...tensors, images, masks]);
  return values;
}

// ---- the network's guide strokes ----
// The fills run on this thread, as the panel's runs do: one is three 64x64 crops through a
// 115k-parameter network (tens of ms on wasm), queued with the other network runs, and at most one
// waits behind the running one however many strokes end meanwhile.

const guideCanvas = $<HTMLCanvasElement>('guide-canvas');
const guideCtx = guideCanvas.getContext('2d')!;
const guideCrop = $<HTMLSelectElement>('guide-crop');
const guideStatus = $('guide-status');
/** Pixels of the hole shown in this colour on the guide canvas; strokes are white. */
const HOLE_RGB: [number, number, number] = [40, 52, 96];

let guideSession: { fill: GuideFill; backend: object } | undefined;
let guideCropIndex = 0;
let guideData: Float32Array = new Float32Array(0);
/** The fill queued behind the running job, if any: new strokes join it instead of queuing more. */
let queuedGuideFill: Promise<GuideRunResult> | null = null;

/**
 * Frees the session's weights (the threads check must not find tensors on the wasm backend it
 * replaces); the next guided fill loads it again.
 */
function releaseGuideSession(): void {
  guideSession?.fill.dispose();
  guideSession = undefined;
}

/** The session on the page's wasm backend (loaded again if a backend switch replaced it). */
async function guideFillSession(): Promise<GuideFill> {
  await initBackend('wasm');
  const backend = tf.engine().backend as object;
  if (guideSession === undefined || guideSession.backend !== backend) {
    // A new backend instance (the threads check re-registers wasm): the old one and its tensors are gone.
    try {
      guideSession?.fill.dispose();
    } catch {
      // its backend was removed with its memory
    }
    guideSession = undefined;
    const { header, data, textures } = await loadModelAssets();
    guideSession = { fill: await GuideFill.load(header, data, textures), backend };
  }
  return guideSession.fill;
}

/** A crop of [size, size, 3] values in [-1, 1] as RGBA pixels. */
function rgbPixels(values: Float32Array, size: number): ImageData {
  const img = new ImageData(size, size);
  for (let i = 0; i < size * size; i++) {
    for (let c = 0; c < 3; c++) img.data[4 * i + c] = Math.round((values[3 * i + c]! + 1) * 127.5);
    img.data[4 * i + 3] = 255;
  }
  return img;
}

/** The crop with its hole in HOLE_RGB and the guide in white. */
function drawGuideCanvas(session: GuideFill): void {
  const { image, mask } = session.crop(guideCropIndex);
  const img = rgbPixels(image, session.size);
  for (let i = 0; i < mask.length; i++) {
    if (guideData[i]! > 0.5) img.data.set([255, 255, 255], 4 * i);
    else if (mask[i]! > 0.5) img.data.set(HOLE_RGB, 4 * i);
  }
  guideCtx.putImageData(img, 0, 0);
}

function putCrop(id: string, values: Float32Array, size: number): void {
  const canvas = $<HTMLCanvasElement>(id);
  canvas.width = canvas.height = size;
  canvas.getContext('2d')!.putImageData(rgbPixels(values, size), 0, 0);
}

/** Loads the session if needed and shows crop `n` with an empty guide. */
async function selectGuideCrop(n: number): Promise<void> {
  const session = await guideFillSession();
  if (!Number.isInteger(n) || n < 0 || n >= session.count)
    throw new Error(`demo: crop must be an integer in [0, ${session.count - 1}], got ${String(n)}`);
  guideCropIndex = n;
  guideCrop.value = String(n);
  guideCanvas.width = guideCanvas.height = session.size;
  guideData = new Float32Array(session.size * session.size);
  drawGuideCanvas(session);
  const { image } = session.crop(n);
  putCrop('guide-original', image, session.size);
  for (const id of ['guide-result', 'guide-empty']) {
    const c = $<HTMLCanvasElement>(id);
    c.getContext('2d')!.clearRect(0, 0, c.width, c.height);
  }
  guideStatus.textContent = 'Draw edges inside the dark blue hole: the network fills it after each stroke.';
}

/** Fills the current crop with the guide as it is when the fill starts; see queuedGuideFill. */
function guideFill(): Promise<GuideRunResult> {
  if (queuedGuideFill !== null) return queuedGuideFill;
  const run = enqueue(async () => {
    queuedGuideFill = null;
    try {
      const session = await guideFillSession();
      const t0 = performance.now();
      const r: GuideFillResult = await session.fill(guideCropIndex, guideData.slice());
      const ms = performance.now() - t0;
      putCrop('guide-result', r.completed, session.size);
      putCrop('guide-empty', r.emptyCompleted, session.size);
      const strokes = r.guide.reduce((k, v) => k + (v > 0 ? 1 : 0), 0);
      guideStatus.textContent =
        `Crop ${r.crop + 1}, ${strokes} guide pixels: error inside the hole ${r.holeL1.toFixed(3)} with your guide, ` +
        `${r.emptyHoleL1.toFixed(3)} with an empty guide, ${r.edgesHoleL1.toFixed(3)} with the true edges (${ms.toFixed(0)} ms on wasm).`;
      return {
        crop: r.crop,
        guide: Array.from(r.guide),
        completed: Array.from(r.completed),
        emptyCompleted: Array.from(r.emptyCompleted),
        edgesCompleted: Array.from(r.edgesCompleted),
        holeL1: r.holeL1,
        emptyHoleL1: r.emptyHoleL1,
        edgesHoleL1: r.edgesHoleL1,
        ms,
      };
    } catch (err) {
      guideStatus.textContent = `Guided fill failed: ${String(err)}`;
      throw err;
    }
  });
  queuedGuideFill = run;
  return run;
}

function guidePoint(e: PointerEvent): [number, number] {
  const box = guideCanvas.getBoundingClientRect();
  return [
    Math.floor(((e.clientX - box.left) * guideCanvas.width) / box.width),
    Math.floor(((e.clientY - box.top) * guideCanvas.height) / box.height),
  ];
}

let guideLast: [number, number] | null = null;
function guideStroke(p: [number, number]): void {
  const session = guideSession?.fill;
  if (session === undefined || guideLast === null) return;
  drawGuideLine(guideData, session.crop(guideCropIndex).mask, session.size, ...guideLast, ...p);
  guideLast = p;
  drawGuideCanvas(session);
}
/**
 * Loads the session on first use (or again after the threads check freed it), showing the crop
 * menu's crop unless a guide is already drawn, then applies `action` and fills. Nothing of the
 * network loads before the user (or the test hook) turns to this mode, so page start-up stays light.
 */
async function guideAction(action?: (session: GuideFill) => void): Promise<void> {
  try {
    const session = await enqueue(guideFillSession);
    if (guideData.length !== session.size * session.size) await enqueue(() => selectGuideCrop(Number(guideCrop.value)));
    action?.(session);
    drawGuideCanvas(session);
    await guideFill();
  } catch (err) {
    guideStatus.textContent = `Guided fill failed: ${String(err)}`;
    throw err;
  }
}

guideCrop.replaceChildren(
  ...Array.from(
    { length: FULL_SETTINGS.inpainting.heldOut },
    (_, n) => new Option(`${n + 1} (${TEXTURES[n % TEXTURES.length]!.replace('.png', '')})`, String(n)),
  ),
);
guideStatus.textContent = 'Pick a crop, or click the picture, to load the network.';
guideCanvas.addEventListener('pointerdown', (e) => {
  if (guideSession === undefined || guideData.length === 0) {
    guideAction().catch(() => undefined);
    return;
  }
  guideCanvas.setPointerCapture(e.pointerId);
  guideLast = guidePoint(e);
  guideStroke(guideLast);
});
guideCanvas.addEventListener('pointermove', (e) => {
  if (guideLast !== null) guideStroke(guidePoint(e));
});
guideCanvas.addEventListener('pointerup', () => {
  if (guideLast === null) return;
  guideLast = null;
  guideFill().catch(() => undefined);
});
guideCanvas.addEventListener('pointercancel', () => {
  guideLast = null;
});
guideCrop.addEventListener('change', () => {
  guideData = new Float32Array(0); // a new crop starts with an empty guide
  guideAction().catch(() => undefined);
});
$('guide-true').addEventListener('click', () => {
  guideAction((session) => {
    guideData = session.crop(guideCropIndex).trueGuide;
  }).catch(() => undefined);
});
$('guide-clear').addEventListener('click', () => {
  guideAction((session) => {
    guideData = new Float32Array(session.size * session.size);
  }).catch(() => undefined);
});

// ---- multi-threaded PatchMatch field ----

async function parallelField(workers: number, runs: number): Promise<ParallelFieldResult> {
  const [coffee, chelsea] = await Promise.all([decodeUrl(coffeeUrl), decodeUrl(chelseaUrl)]);
  const target = cropImage(coffee, PARALLEL_CASE.target);
  const source = cropImage(chelsea, PARALLEL_CASE.source);
  const ppm = await createParallelPatchMatch({ workers });
  const ms: number[] = [];
  let first: Awaited<ReturnType<typeof ppm.nnf>> | undefined;
  let sameEachRun = true;
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const nnf = await ppm.nnf(target, source, PARALLEL_CASE.options);
      ms.push(performance.now() - t0);
      if (first === undefined) first = nnf;
      else
        sameEachRun &&= ['x', 'y', 'distance'].every((k) => nnf[k as 'x'].every((v, j) => v === first![k as 'x'][j]));
    }
  } finally {
    await ppm.terminate();
  }
  const afterTerminate = await ppm.nnf(target, source, PARALLEL_CASE.options).then(
    () => '',
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  if (first === undefined) throw new Error(`demo: parallelField needs runs >= 1, got ${runs}`);
  return {
    workers: ppm.workers,
    width: first.width,
    height: first.height,
    x: Array.from(first.x),
    y: Array.from(first.y),
    distance: Array.from(first.distance),
    sameEachRun,
    ms,
    afterTerminate,
  };
}

// ---- the wasm backend's threaded build ----

const asArrays = (w: ThreadsWorkload) =>
  Object.fromEntries(WORKLOAD_PARTS.map((p) => [p, Array.from(w[p])])) as Record<keyof ThreadsWorkload, number[]>;

function threadsCheck(threads: number): Promise<ThreadsCheckResult> {
  return enqueue(async () => {
    releaseGuideSession();
    await initBackend('wasm');
    let t0 = performance.now();
    const single = await runThreadsWorkload();
    const singleMs = performance.now() - t0;
    await initBackend('wasm', { threads, threadedWasmUrl: wasmThreadedSimdUrl });
    t0 = performance.now();
    const threaded = await runThreadsWorkload();
    const threadedMs = performance.now() - t0;
    return {
      threads: getThreadsCount(),
      helperThreads: passHelpersOf(tf.backend() as BackendWasm)?.count ?? 0,
      single: asArrays(single),
      threaded: asArrays(threaded),
      relative: relativeDifferences(threaded, single),
      singleMs,
      threadedMs,
    };
  });
}

function threadsTiming(
  mode: 'forward' | 'step',
  size: number,
  ngf: number,
  reps: number,
): Promise<ThreadsTimingResult> {
  return enqueue(async () => {
    releaseGuideSession();
    const out: ThreadsTimingResult = { threads1: [], threads2: [] };
    for (let r = 0; r < reps; r++) {
      for (const threads of [1, 2] as const) {
        await initBackend('wasm', { threads, threadedWasmUrl: wasmThreadedSimdUrl });
        const generator = unetGenerator({ numDowns: Math.log2(size), ngf, norm: 'batch', dropout: false, seed: 1 });
        const discriminator =
          mode === 'step'
            ? patchGANDiscriminator({ inputChannels: 6, ndf: ngf, nLayers: 3, norm: 'batch', seed: 2 })
            : null;
        const trainer = discriminator === null ? null : new Pix2PixTrainer({ generator, discriminator });
        const a = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
        const b = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
        const call = async () => {
          if (trainer !== null) return void (await trainer.step(a, b));
          const y = generator.predict(a) as tf.Tensor;
          await y.data();
          y.dispose();
        };
        try {
          await call();
          const t0 = performance.now();
          await call();
          out[`threads${threads}`].push(performance.now() - t0);
        } finally {
          trainer?.dispose();
          discriminator?.dispose();
          generator.dispose();
          tf.dispose([a, b]);
        }
      }
    }
    return out;
  });
}
// ---- image analogies and texture transfer (main thread) ----

let methodEngine: Promise<PatchMatch> | undefined;
let methodRunning = false;

async function patchMethod(mode: PatchMethodMode): Promise<PatchMethodResult> {
  const status = $('method-status');
  const button = $<HTMLButtonElement>('run-method');
  if (methodRunning) throw new Error('demo: a method is already running');
  methodRunning = true;
  button.disabled = true;
  status.textContent = mode === 'analogy' ? 'Painting the waves…' : 'Rendering the cat in gravel…';
  try {
    methodEngine ??= createPatchMatch();
    const pm = await methodEngine;
    const [coffee, chelsea, gravel] = await Promise.all([
      decodeUrl(coffeeUrl),
      decodeUrl(chelseaUrl),
      decodeUrl(gravelUrl),
    ]);
    const t0 = performance.now();
    const { inputs, result } = await runPatchMethod(pm, mode, { coffee, chelsea, gravel });
    const ms = performance.now() - t0;
    const canvas = $<HTMLCanvasElement>('method-grid');
    const gap = 6;
    const shown = [...inputs, result];
    canvas.width = shown.reduce((w, im) => w + im.width, 0) + gap * (shown.length - 1);
    canvas.height = Math.max(...shown.map((im) => im.height));
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = 'white';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    let x = 0;
    for (const im of shown) {
      ctx.putImageData(new ImageData(new Uint8ClampedArray(im.data), im.width, im.height), x, 0);
      x += im.width + gap;
    }
    const shownText =
      mode === 'analogy'
        ? 'Labels, photograph, new labels, painted result'
        : 'Gravel sample, target, the target rendered in gravel';
    status.textContent = `${shownText} (${pm.backend}, ${ms.toFixed(0)} ms).`;
    return { mode, backend: pm.backend, width: result.width, height: result.height, data: Array.from(result.data), ms };
  } catch (err) {
    status.textContent = `Failed: ${String(err)}`;
    throw err;
  } finally {
    methodRunning = false;
    button.disabled = false;
  }
}
$('run-method').addEventListener('click', () => {
  patchMethod($<HTMLSelectElement>('method').value as PatchMethodMode).catch(() => undefined);
});

// ---- start-up and test hook ----

const ready = (async () => {
  await loadUrl(coffeeUrl);
  await workerReady;
  $('pm-backend').textContent =
    pmBackend === 'wasm' ? 'wasm (SIMD), in a worker' : 'js (no WebAssembly SIMD here), in a worker';
  // Multi-threaded PatchMatch (createParallelPatchMatch) needs SharedArrayBuffer, i.e. COOP/COEP headers.
  $('isolated').textContent = self.crossOriginIsolated ? 'yes' : 'no';
  showStatus();
})();
ready.catch((err) => {
  fillStatus.textContent = `Start-up failed: ${String(err)}`;
});

window.__tfjsSynthDemo = {
  ready,
  patchMatchBackend: () => pmBackend ?? 'none',
  mask: () => Array.from(maskData),
  setMaskRect(rect: Rect) {
    clearMask();
    const w = maskCanvas.width;
    for (let y = Math.max(0, rect.y); y < Math.min(maskCanvas.height, rect.y + rect.height); y++) {
      for (let x = Math.max(0, rect.x); x < Math.min(w, rect.x + rect.width); x++) maskData[y * w + x] = 1;
    }
    maskedCount = maskData.reduce((n, v) => n + v, 0);
    redrawMask();
    showStatus();
  },
  fill(rect?: Rect) {
    if (rect !== undefined) this.setMaskRect(rect);
    return fill();
  },
  modelInput,
  runModel,
  guideReady: () => guideAction(),
  selectGuideCrop: (n: number) => enqueue(() => selectGuideCrop(n)),
  guide: () => Array.from(guideData),
  guideFill,
  crossOriginIsolated: () => self.crossOriginIsolated,
  parallelField,
  threadsCheck,
  threadsTiming,
  patchMethod,
};
