// The browser demo: PatchMatch inpainting of a painted mask, and a small gated-convolution network
// on the wasm and cpu TensorFlow.js backends. Plain DOM, no framework.
import { env } from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { initBackend, type BackendName } from '../../../src/backend/init-backend';
import { createParallelPatchMatch, createPatchMatch, type PatchMatch } from '../../../src/patchmatch/index';
import chelseaUrl from '../../assets/chelsea.png?url';
import coffeeUrl from '../../assets/coffee.png?url';
import { CROP_SIZE, cropOrigin, cropValues, demoNetworkOutput } from './demo-network';
import { PARALLEL_CASE, cropImage } from './parallel-field';

// tfjs-backend-wasm fetches its .wasm by file name; point each name at the file vite emitted.
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});
// The page is served cross-origin isolated (for createParallelPatchMatch), which makes tfjs pick
// its threaded binary; in this vite build that backend never finishes starting (its pthread
// workers do not come up), so the page keeps the single-threaded SIMD binary, as Node uses.
env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);

/** Larger images are scaled down on load so a fill stays interactive. */
const MAX_SIDE = 800;

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

/** The hook the browser tests drive the page with (`window.__tfjsSynthDemo`). */
export interface DemoHook {
  /** Resolves once the default image and the PatchMatch engine are loaded. */
  ready: Promise<void>;
  /** 'wasm' (SIMD) or 'js'. */
  patchMatchBackend(): string;
  /** The mask as 0/1 per pixel, row-major. */
  mask(): number[];
  /** Replaces the mask with one rectangle. */
  setMaskRect(rect: Rect): void;
  /** Fills the current mask (or `rect`, when given) as the Fill button does. */
  fill(rect?: Rect): Promise<FillResult>;
  /** The network's input values (centred crop in [-1, 1], h, w, c order). */
  cropInput(): number[];
  /** Runs the network on `backend` and returns its output values (h, w, c order). */
  runLayers(backend: BackendName): Promise<number[]>;
  /** `self.crossOriginIsolated`: SharedArrayBuffer (and so createParallelPatchMatch) needs it. */
  crossOriginIsolated(): boolean;
  /**
   * Runs createParallelPatchMatch({ workers }) `runs` times on PARALLEL_CASE (crops of the bundled
   * coffee and cat images, decoded here), then terminates it. Rejects with the engine's error on a
   * page that is not cross-origin isolated.
   */
  parallelField(workers: number, runs: number): Promise<ParallelFieldResult>;
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
let pm: PatchMatch | null = null;
// One operation at a time: fills and network runs are queued on this chain.
let queue: Promise<unknown> = Promise.resolve();
const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
  const next = queue.then(job);
  queue = next.catch(() => undefined);
  return next;
};

function currentImage(): ImageData {
  return imageCtx.getImageData(0, 0, imageCanvas.width, imageCanvas.height);
}

function showImage(source: CanvasImageSource, width: number, height: number): void {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  imageCanvas.width = maskCanvas.width = Math.round(width * scale);
  imageCanvas.height = maskCanvas.height = Math.round(height * scale);
  imageCtx.drawImage(source, 0, 0, imageCanvas.width, imageCanvas.height);
  clearMask();
  drawCrop();
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
  maskCtx.clearRect(0, 0, maskCanvas.width, maskCanvas.height);
}

function paintDot(cx: number, cy: number): void {
  const r = Number(brush.value) / 2;
  const w = maskCanvas.width;
  const h = maskCanvas.height;
  for (let y = Math.max(0, Math.floor(cy - r)); y <= Math.min(h - 1, Math.ceil(cy + r)); y++) {
    for (let x = Math.max(0, Math.floor(cx - r)); x <= Math.min(w - 1, Math.ceil(cx + r)); x++) {
      if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r) maskData[y * w + x] = 1;
    }
  }
  // The overlay is drawn opaque and made translucent by CSS, so overlapping dabs do not darken.
  maskCtx.fillStyle = '#ff2d55';
  maskCtx.beginPath();
  maskCtx.arc(cx, cy, r, 0, 2 * Math.PI);
  maskCtx.fill();
}

function redrawMask(): void {
  const overlay = maskCtx.createImageData(maskCanvas.width, maskCanvas.height);
  for (let i = 0; i < maskData.length; i++) {
    if (maskData[i] !== 0) overlay.data.set([255, 45, 85, 255], i * 4);
  }
  maskCtx.putImageData(overlay, 0, 0);
}

function eventPoint(e: PointerEvent): [number, number] {
  const box = maskCanvas.getBoundingClientRect();
  return [((e.clientX - box.left) * maskCanvas.width) / box.width, ((e.clientY - box.top) * maskCanvas.height) / box.height];
}

let last: [number, number] | null = null;
maskCanvas.addEventListener('pointerdown', (e) => {
  maskCanvas.setPointerCapture(e.pointerId);
  last = eventPoint(e);
  paintDot(...last);
});
maskCanvas.addEventListener('pointermove', (e) => {
  if (last === null) return;
  const p = eventPoint(e);
  // Dabs every quarter brush along the segment, so fast strokes stay continuous.
  const step = Math.max(1, Number(brush.value) / 4);
  const n = Math.ceil(Math.hypot(p[0] - last[0], p[1] - last[1]) / step);
  for (let i = 1; i <= n; i++) paintDot(last[0] + ((p[0] - last[0]) * i) / n, last[1] + ((p[1] - last[1]) * i) / n);
  last = p;
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
    fillStatus.textContent = `Loaded ${file.name}`;
  } catch (err) {
    fillStatus.textContent = `Could not read ${file.name}: ${String(err)}`;
  }
});

// ---- PatchMatch fill ----

function fill(): Promise<FillResult> {
  return enqueue(async () => {
    if (pm === null) throw new Error('demo: PatchMatch is not loaded yet');
    let masked = 0;
    for (let i = 0; i < maskData.length; i++) masked += maskData[i]!;
    if (masked === 0) {
      fillStatus.textContent = 'Paint a mask first';
      return { backend: pm.backend, ms: 0, maskedPixels: 0 };
    }
    fillButton.disabled = true;
    progress.value = 0;
    fillStatus.textContent = 'Filling…';
    try {
      const image = currentImage();
      const t0 = performance.now();
      const result = await pm.inpaint(image, { width: image.width, height: image.height, data: maskData }, {
        onProgress: (p) => {
          progress.value = p.fraction;
        },
      });
      const ms = performance.now() - t0;
      imageCtx.putImageData(new ImageData(new Uint8ClampedArray(result.data), result.width, result.height), 0, 0);
      clearMask();
      drawCrop();
      progress.value = 1;
      fillStatus.textContent = `Filled ${masked} px in ${ms.toFixed(0)} ms`;
      return { backend: pm.backend, ms, maskedPixels: masked };
    } catch (err) {
      fillStatus.textContent = `Fill failed: ${String(err)}`;
      throw err;
    } finally {
      fillButton.disabled = false;
    }
  });
}
fillButton.addEventListener('click', () => {
  fill().catch(() => undefined);
});

// ---- gated convolutions ----

const results: Partial<Record<BackendName, Float32Array>> = {};

function drawCrop(): void {
  const ctx = $<HTMLCanvasElement>('crop').getContext('2d')!;
  if (imageCanvas.width < CROP_SIZE || imageCanvas.height < CROP_SIZE) {
    ctx.clearRect(0, 0, CROP_SIZE, CROP_SIZE);
    $('layers-status').textContent = `The network needs an image of at least ${CROP_SIZE}x${CROP_SIZE} pixels.`;
    return;
  }
  const [x0, y0] = cropOrigin(imageCanvas);
  ctx.putImageData(imageCtx.getImageData(x0, y0, CROP_SIZE, CROP_SIZE), 0, 0);
}

/** Draws network output with a global min-max stretch (random weights give a narrow range). */
function drawOutput(canvas: HTMLCanvasElement, values: Float32Array): void {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const scale = hi > lo ? 255 / (hi - lo) : 0;
  const img = new ImageData(CROP_SIZE, CROP_SIZE);
  for (let i = 0; i < CROP_SIZE * CROP_SIZE; i++) {
    for (let c = 0; c < 3; c++) img.data[i * 4 + c] = (values[i * 3 + c]! - lo) * scale;
    img.data[i * 4 + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(img, 0, 0);
}

function runLayers(backend: BackendName): Promise<number[]> {
  return enqueue(async () => {
    const status = $('layers-status');
    status.textContent = `Running on ${backend}…`;
    try {
      await initBackend(backend);
      const t0 = performance.now();
      const values = await demoNetworkOutput(currentImage());
      const ms = performance.now() - t0;
      results[backend] = values;
      drawOutput($<HTMLCanvasElement>(`out-${backend}`), values);
      $(`time-${backend}`).textContent = `${ms.toFixed(1)} ms`;
      const { wasm, cpu } = results;
      let text = `Ran on ${backend} in ${ms.toFixed(1)} ms.`;
      if (wasm !== undefined && cpu !== undefined) {
        let diff = 0;
        for (let i = 0; i < wasm.length; i++) diff = Math.max(diff, Math.abs(wasm[i]! - cpu[i]!));
        text += ` Max |wasm − cpu| = ${diff.toExponential(2)}.`;
      }
      status.textContent = text;
      return Array.from(values);
    } catch (err) {
      status.textContent = `Failed on ${backend}: ${String(err)}`;
      throw err;
    }
  });
}
$('run-wasm').addEventListener('click', () => {
  runLayers('wasm').catch(() => undefined);
});
$('run-cpu').addEventListener('click', () => {
  runLayers('cpu').catch(() => undefined);
});

// ---- multi-threaded PatchMatch field ----

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
      else sameEachRun &&= ['x', 'y', 'distance'].every((k) => nnf[k as 'x'].every((v, j) => v === first![k as 'x'][j]));
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
    workers: ppm.workers, width: first.width, height: first.height,
    x: Array.from(first.x), y: Array.from(first.y), distance: Array.from(first.distance),
    sameEachRun, ms, afterTerminate,
  };
}

// ---- start-up and test hook ----

const ready = (async () => {
  await loadUrl(coffeeUrl);
  pm = await createPatchMatch();
  $('pm-backend').textContent = pm.backend === 'wasm' ? 'wasm (SIMD)' : 'js (no WebAssembly SIMD here)';
  // Multi-threaded PatchMatch (createParallelPatchMatch) needs SharedArrayBuffer, i.e. COOP/COEP headers.
  $('isolated').textContent = self.crossOriginIsolated ? 'yes' : 'no';
})();
ready.catch((err) => {
  fillStatus.textContent = `Start-up failed: ${String(err)}`;
});

window.__tfjsSynthDemo = {
  ready,
  patchMatchBackend: () => pm?.backend ?? 'none',
  mask: () => Array.from(maskData),
  setMaskRect(rect: Rect) {
    clearMask();
    const w = maskCanvas.width;
    for (let y = Math.max(0, rect.y); y < Math.min(maskCanvas.height, rect.y + rect.height); y++) {
      for (let x = Math.max(0, rect.x); x < Math.min(w, rect.x + rect.width); x++) maskData[y * w + x] = 1;
    }
    redrawMask();
  },
  fill(rect?: Rect) {
    if (rect !== undefined) this.setMaskRect(rect);
    return fill();
  },
  cropInput: () => Array.from(cropValues(currentImage())),
  runLayers,
  crossOriginIsolated: () => self.crossOriginIsolated,
  parallelField,
};
