// The GPU backends in headless Chromium: builds test/browser/gpu (the page runs every public layer's
// output and gradients, every network's forward pass and one step of each trainer on cpu and on the
// GPU backend, in the same page) with vite, serves it on 127.0.0.1 and checks every result within
// GPU_TOLERANCE of cpu's; ResizeBilinearGrad on each GPU backend against PyTorch's bilinear backward
// (test/fixtures/backend/resize_bilinear_grad.json, the package's own kernel reported beside it);
// then initBackend's GPU errors: half-precision WebGL (tfjs's
// WEBGL_FORCE_F16_TEXTURES flag forced) and WebGPU without an adapter.
// Called by test/browser/run.ts (`npm run test:browser`).
//
// Chromium (Debian's, 120 and later) gives WebGL 2 headless on SwiftShader, its software Vulkan
// device under ANGLE, with no flag; `--enable-unsafe-webgpu` adds a WebGPU adapter on the same
// SwiftShader device. Without that flag `navigator.gpu` is there but `requestAdapter()` gives null,
// which is the no-adapter case. When the flagged browser still has no adapter, the WebGPU
// comparison is reported as skipped, not passed.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { runCspTests } from './csp';
import type { CaseResult } from './gpu/main';

type TestFn = (name: string, body: () => Promise<string | void>) => Promise<void>;

/** Thrown by a test body that could not run here; run.ts reports it as skipped, never as passed. */
export class SkipTest extends Error {
  override name = 'SkipTest';
}

/**
 * Which cases `npm run test:browser` compares by default, to keep CI short: on webgl every layer,
 * every network and the DCGAN trainer's step; on webgpu every layer and the DCGAN step. With
 * `--gpu-full` (or GPU_TESTS=full) both backends run every case, each trainer's step included.
 */
const DEFAULT_SCOPE: Record<'webgl' | 'webgpu', (c: { name: string; kind: string }) => boolean> = {
  webgl: (c) => c.kind !== 'trainer' || c.name.startsWith('DCGANTrainer'),
  webgpu: (c) => c.kind === 'layer' || c.name.startsWith('DCGANTrainer'),
};
const FULL = process.argv.includes('--gpu-full') || process.env.GPU_TESTS === 'full';

/** Largest accepted max |gpu - cpu| / max |cpu| of any compared tensor (outputs, gradients, weights, losses). */
export const GPU_TOLERANCE = 1e-4;

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/** SwiftShader for WebGL (ANGLE) spelled out, and WebGPU on it. */
const GPU_ARGS = ['--use-angle=swiftshader', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu'];

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

function describeResults(results: CaseResult[]): string {
  const worst = results.reduce((a, b) => (b.relative > a.relative ? b : a));
  return `${results.length} cases, worst ${worst.name} "${worst.worstKey}" ${worst.relative.toExponential(2)} (max abs ${worst.maxAbs.toExponential(2)}, scale ${worst.scale.toExponential(2)})`;
}

/** One case in the log: its worst relative difference, the weights' (trainers), and the times. */
function caseLine(r: CaseResult): string {
  const w = r.weightsRelative == null ? '' : `, weights ${r.weightsRelative.toExponential(1)}`;
  return `${r.name} ${r.relative.toExponential(1)}${w} (cpu ${r.cpuMs.toFixed(0)} ms, gpu ${r.gpuMs.toFixed(0)} ms)`;
}

function logResults(backend: string, results: CaseResult[]): void {
  for (const kind of ['layer', 'network', 'trainer'] as const) {
    const r = results.filter((x) => x.kind === kind);
    if (r.length > 0) console.log(`     ${backend} ${kind}s: ${r.map(caseLine).join('; ')}`);
  }
}

function failures(results: CaseResult[]): string[] {
  return results
    .filter((r) => r.error != null || !(r.relative <= GPU_TOLERANCE))
    .map((r) =>
      r.error != null
        ? `${r.name}: ${r.error}`
        : `${r.name} "${r.worstKey}": ${r.relative.toExponential(2)} (max abs ${r.maxAbs.toExponential(2)}, scale ${r.scale.toExponential(2)})`,
    );
}

async function buildPage(): Promise<string> {
  const dir = join(root, 'test', 'browser', '.tmp', 'gpu');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./entry.ts"></script>\n',
  );
  writeFileSync(join(dir, 'entry.ts'), "import { install } from '../../gpu/main';\ninstall();\n");
  const out = join(dir, 'dist');
  await build({
    root: dir,
    configFile: false,
    logLevel: 'warn',
    base: '/',
    build: { outDir: out, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 8192 },
  });
  return out;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.wasm': 'application/wasm',
};

async function serve(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
      const file = normalize(join(dir, path.endsWith('/') ? `${path}index.html` : path));
      if (!file.startsWith(dir + sep) || !(await stat(file)).isFile()) throw new Error('not found');
      const type = MIME[extname(file)] ?? 'text/javascript; charset=utf-8';
      // The page's Content-Security-Policy, when its URL asks for one (csp.ts).
      const policy = new URL(req.url ?? '/', 'http://localhost').searchParams.get('csp');
      res.writeHead(200, {
        'content-type': type,
        'cache-control': 'no-store',
        ...(policy != null && type.startsWith('text/html') ? { 'content-security-policy': policy } : {}),
      });
      res.end(await readFile(file));
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` };
}

/** A fresh page of the test build; console errors and uncaught errors are collected into `errors`. */
async function openPage(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const page = await browser.newPage();
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
  const res = await page.goto(url);
  assert(res?.ok(), `GET ${url} -> ${res?.status()}`);
  await page
    .waitForFunction(() => window.__gpu != null, null, { timeout: 30_000 })
    .catch((e: Error) => {
      throw new Error(`the GPU test page did not start: ${errors.join(' | ') || e.message}`);
    });
  return page;
}

export async function runGpuBackendTests(test: TestFn): Promise<void> {
  const t0 = performance.now();
  const dist = await buildPage();
  const buildMs = performance.now() - t0;
  const { server, url } = await serve(dist);
  const browsers: Browser[] = [];
  const launch = async (args: string[]): Promise<Browser> => {
    const b = await chromium.launch({ executablePath: chromiumPath, headless: true, args: [...BASE_ARGS, ...args] });
    browsers.push(b);
    return b;
  };
  try {
    const gpu = await launch(GPU_ARGS);
    const errors: string[] = [];
    const page = await openPage(gpu, url, errors);
    console.log(`built the GPU test page in ${buildMs.toFixed(0)} ms`);

    const cases = await page.evaluate(() => window.__gpu.cases());
    const pick = (backend: 'webgl' | 'webgpu'): string[] =>
      cases.filter((c) => FULL || DEFAULT_SCOPE[backend](c)).map((c) => c.name);
    const scope = (names: string[]): string => {
      const n = (k: string) => cases.filter((c) => c.kind === k && names.includes(c.name)).length;
      return `${n('layer')} layers (outputs and gradients), ${n('network')} networks (forward), ${n('trainer')} trainer step${n('trainer') === 1 ? '' : 's'}`;
    };

    const webglNames = pick('webgl');
    await test(`webgl (SwiftShader) equals cpu within ${GPU_TOLERANCE} relative: ${scope(webglNames)}`, async () => {
      const flags = await page.evaluate(async () => {
        await window.__gpu.initBackend('webgl');
        const f = window.__gpu.flags();
        return { version: f.WEBGL_VERSION, float32: f.WEBGL_RENDER_FLOAT32_ENABLED };
      });
      assert(flags.version === 2 && flags.float32 === true, `webgl flags ${JSON.stringify(flags)}`);
      const results = await page.evaluate((names) => window.__gpu.compare('webgl', names), webglNames);
      logResults('webgl', results);
      const bad = failures(results);
      assert(bad.length === 0, bad.join('; '));
      const leaked = await page.evaluate(() => window.__gpu.leakedTensors());
      assert(leaked === 0, `${leaked} tensors left after the comparisons`);
      return describeResults(results);
    });

    const webgpuNames = pick('webgpu');
    await test(`webgpu (SwiftShader) equals cpu within ${GPU_TOLERANCE} relative: ${scope(webgpuNames)}`, async () => {
      const adapter = await page.evaluate(async () => (await navigator.gpu?.requestAdapter()) != null);
      if (!adapter) throw new SkipTest('skipped: no WebGPU adapter');
      const results = await page.evaluate((names) => window.__gpu.compare('webgpu', names), webgpuNames);
      logResults('webgpu', results);
      const bad = failures(results);
      assert(bad.length === 0, bad.join('; '));
      return describeResults(results);
    });

    for (const backend of ['webgl', 'webgpu'] as const) {
      await test(`ResizeBilinearGrad on ${backend} (initBackend's kernel) matches PyTorch's bilinear backward within ${GPU_TOLERANCE} relative: 10 fixture cases, align_corners True and False`, async () => {
        if (backend === 'webgpu' && !(await page.evaluate(async () => (await navigator.gpu?.requestAdapter()) != null)))
          throw new SkipTest('skipped: no WebGPU adapter');
        const r = await page.evaluate((b) => window.__gpu.resizeBilinearFixture(b), backend);
        const bad = r.cases
          .filter((c) => !(c.y <= GPU_TOLERANCE && c.dx <= GPU_TOLERANCE))
          .map(
            (c) => `${c.name} align_corners ${c.alignCorners}: y ${c.y.toExponential(2)}, dx ${c.dx.toExponential(2)}`,
          );
        assert(r.cases.length === 10, `${r.cases.length} cases`);
        assert(bad.length === 0, bad.join('; '));
        assert(r.leaked === 0, `${r.leaked} tensors left behind`);
        const worst = (k: 'y' | 'dx' | 'stockDx', ac: boolean) =>
          Math.max(...r.cases.filter((c) => c.alignCorners === ac).map((c) => c[k])).toExponential(1);
        return `worst dx ${worst('dx', false)} (align_corners False), ${worst('dx', true)} (True); the package's own kernel: ${worst('stockDx', false)} and ${worst('stockDx', true)}; ${r.ms.toFixed(0)} ms (the package's kernel ${r.stockMs.toFixed(0)} ms)`;
      });
    }

    await test('half-precision WebGL (WEBGL_FORCE_F16_TEXTURES): initBackend throws and names the option and the alternatives; allowHalfPrecision runs it, off by more than the tolerance', async () => {
      const f16 = await openPage(gpu, `${url}?f16=1`, errors);
      try {
        const message = await f16.evaluate(() =>
          window.__gpu.initBackend('webgl').then(
            () => '',
            (e: Error) => e.message,
          ),
        );
        assert(
          /^initBackend: the 'webgl' backend would compute in half precision here \(WEBGL_FORCE_F16_TEXTURES is set\): .*Pass \{ allowHalfPrecision: true \} to use it anyway, or use 'webgpu', 'wasm' and 'cpu'\.$/.test(
            message,
          ),
          `error: "${message}"`,
        );
        const after = await f16.evaluate(() => window.__gpu.backend());
        assert(after !== 'webgl', `the backend is ${after} after the failed call`);
        const r = await f16.evaluate(() =>
          window.__gpu.compare('webgl', ['InstanceNormalization (affine)'], { allowHalfPrecision: true }),
        );
        assert(r.length === 1 && r[0]!.error == null, `allowHalfPrecision: ${JSON.stringify(r)}`);
        const flags = await f16.evaluate(() => window.__gpu.flags());
        assert(flags.WEBGL_RENDER_FLOAT32_ENABLED === false, 'float32 textures were not turned off');
        assert(r[0]!.relative > GPU_TOLERANCE, `half precision is within the tolerance: ${r[0]!.relative}`);
        return `"${message.slice(0, 90)}..."; with allowHalfPrecision, InstanceNormalization is off by ${r[0]!.relative.toExponential(2)} relative`;
      } finally {
        await f16.close();
      }
    });

    await test("initBackend('webgpu') where there is no adapter: an Error that says so and names the alternatives; the backend stays", async () => {
      const plain = await launch([]);
      const p = await openPage(plain, url, errors);
      const r = await p.evaluate(async () => {
        const hasGpu = navigator.gpu != null;
        const adapter = hasGpu ? (await navigator.gpu.requestAdapter()) != null : false;
        await window.__gpu.initBackend('cpu');
        const message = await window.__gpu.initBackend('webgpu').then(
          () => '',
          (e: Error) => e.message,
        );
        return { hasGpu, adapter, message, backend: window.__gpu.backend() };
      });
      assert(!r.adapter, 'this browser has a WebGPU adapter: the no-adapter case cannot be tested');
      const expected = r.hasGpu
        ? /^initBackend: the 'webgpu' backend cannot start: no WebGPU adapter \(navigator\.gpu\.requestAdapter\(\) returned null\)\. The alternatives are 'webgl', 'wasm' and 'cpu'\.$/
        : /^initBackend: the 'webgpu' backend cannot start: this runtime has no WebGPU/;
      assert(expected.test(r.message), `error: "${r.message}"`);
      assert(r.backend === 'cpu', `backend ${r.backend} after the failed call`);
      return `"${r.message}"`;
    });

    await runCspTests(test, gpu, url);

    await test('no console errors in the GPU test pages', async () => {
      assert(errors.length === 0, errors.join(' | '));
    });
  } finally {
    for (const b of browsers) await b.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(join(root, 'test', 'browser', '.tmp'), { recursive: true, force: true });
  }
}
