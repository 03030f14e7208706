// The package as a user gets it, in a bundled browser app: packs the repository (`npm pack`),
// writes two fresh vite apps from exactly the code blocks docs/browser.md gives (the blocks marked
// `<!-- browser-only: built and run by test/browser/packed-apps.ts as <app>/<file> -->`), installs
// the tarball into each with npm (from npm's cache, the registry for what it lacks), builds them
// with `vite build`, serves them with `vite preview` on 127.0.0.1 and runs them in headless Chromium:
// - main: the main entry with its tfjs peers and the `setWasmPaths` + `?url` recipe;
// - patchmatch: `tfjs-synth/patchmatch` alone, which must install no TensorFlow.js.
// Called by test/browser/run.ts (`npm run test:browser`).
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';
import { createPatchMatch } from '../../src/patchmatch/index';

type TestFn = (name: string, body: () => Promise<string | void>) => Promise<void>;

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const MARKER =
  /<!-- browser-only: built and run by test\/browser\/packed-apps\.ts as (\w+)\/([\w.]+) -->\n```\w+(?: packed-app)?\n([\s\S]*?)\n```/g;
/** Largest deviation accepted from instance norm's exact per-channel mean 0 and variance 1 (eps 1e-5, float32). */
const MOMENT_TOLERANCE = 1e-3;

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** `<app>` -> file name -> contents, from docs/browser.md. */
function documentedApps(): Map<string, Map<string, string>> {
  const apps = new Map<string, Map<string, string>>();
  for (const [, app, file, code] of readFileSync(join(root, 'docs/browser.md'), 'utf8').matchAll(MARKER)) {
    if (!apps.has(app!)) apps.set(app!, new Map());
    apps.get(app!)!.set(file!, `${code}\n`);
  }
  return apps;
}

/** Newest modification time of the files under `path` (a file or a folder). */
function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))));
}

/** Total size in bytes of the files under `path`, symlinks not followed. */
function sizeOf(path: string): number {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) return 0;
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

const npm = (args: string[], cwd: string): string =>
  execFileSync('npm', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();

/** The installed version of a package in this repository, so the app's install hits npm's cache. */
const repoVersion = (name: string): string =>
  JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version as string;

/** The reference for the PatchMatch app: the documented image and hole, filled in Node. */
async function nodePatchMatchReference(): Promise<{ backend: string; data: number[] }> {
  const [width, height] = [64, 48];
  const image = { width, height, data: new Uint8ClampedArray(width * height * 4) };
  for (let i = 0; i < width * height; i++)
    image.data.set((i % width) % 8 < 4 ? [200, 60, 40, 255] : [40, 60, 200, 255], 4 * i);
  const mask = { width, height, data: new Uint8Array(width * height) };
  for (let y = 18; y < 30; y++) mask.data.fill(1, y * width + 26, y * width + 38);
  const pm = await createPatchMatch();
  const filled = await pm.inpaint(image, mask, { patchSize: 7, seed: 1 });
  return { backend: pm.backend, data: Array.from(filled.data) };
}

interface AppCheck {
  /** npm install arguments after the tarball. */
  peers: string[];
  check(result: Record<string, unknown>, appDir: string): Promise<string>;
}

const CHECKS: Record<string, AppCheck> = {
  main: {
    peers: [
      '@tensorflow/tfjs-core',
      '@tensorflow/tfjs-layers',
      '@tensorflow/tfjs-backend-cpu',
      '@tensorflow/tfjs-backend-wasm',
    ].map((name) => `${name}@${repoVersion(name)}`),
    async check(r) {
      assert(r.backend === 'wasm', `initBackend() gave ${JSON.stringify(r.backend)}`);
      const mean = r.mean as number[];
      const variance = r.variance as number[];
      assert(mean.length === 3 && variance.length === 3, `moments ${JSON.stringify(r)}`);
      const worst = Math.max(...mean.map(Math.abs), ...variance.map((v) => Math.abs(v - 1)));
      assert(worst <= MOMENT_TOLERANCE, `instance norm moments ${JSON.stringify(r)} (tolerance ${MOMENT_TOLERANCE})`);
      return `backend wasm; instance-norm moments within ${worst.toExponential(1)} of 0 / 1`;
    },
  },
  patchmatch: {
    peers: [],
    async check(r, appDir) {
      const tfjs = join(appDir, 'node_modules/@tensorflow');
      assert(
        !existsSync(tfjs),
        `a PatchMatch-only app installed ${existsSync(tfjs) ? readdirSync(tfjs).join(', ') : ''}`,
      );
      const ref = await nodePatchMatchReference();
      assert(
        r.backend === 'wasm' && ref.backend === 'wasm',
        `pm.backend: browser ${String(r.backend)}, Node ${ref.backend}`,
      );
      assert(r.width === 64 && r.height === 48, `filled image ${String(r.width)}x${String(r.height)}`);
      const data = r.data as number[];
      let differ = 0;
      for (let i = 0; i < ref.data.length; i++) if (data[i] !== ref.data[i]) differ++;
      assert(data.length === ref.data.length && differ === 0, `${differ} bytes differ from Node's fill`);
      const mb = (sizeOf(join(appDir, 'node_modules')) / 1e6).toFixed(1);
      return `backend wasm; fill equals Node's byte for byte; node_modules ${mb} MB, no @tensorflow`;
    },
  },
};

/** Runs the packed-app tests through run.ts's `test` (which records and prints each result). */
export async function runPackedAppTests(test: TestFn): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'tfjs-synth-packed-apps-'));
  const servers: PreviewServer[] = [];
  let browser: Browser | undefined;
  try {
    const apps = documentedApps();
    let tarball = '';
    await test('npm pack gives a tarball with the built entries', async () => {
      assert(
        [...apps.keys()].sort().join() === Object.keys(CHECKS).sort().join() &&
          [...apps.values()].every((f) => f.has('index.html') && f.has('main.ts')),
        `docs/browser.md marks apps ${JSON.stringify([...apps].map(([a, f]) => `${a}: ${[...f.keys()].join(', ')}`))}`,
      );
      // `npm pack` runs `prepack` (the build); skip it when dist/ is newer than every input.
      const inputs = Math.max(
        newest(join(root, 'src')),
        newest(join(root, 'package.json')),
        newest(join(root, 'tsup.config.ts')),
      );
      const fresh = existsSync(join(root, 'dist/index.js')) && statSync(join(root, 'dist/index.js')).mtimeMs > inputs;
      const out = npm(['pack', '--silent', '--pack-destination', work, ...(fresh ? ['--ignore-scripts'] : [])], root);
      tarball = join(work, out.trim().split('\n').pop()!);
      assert(existsSync(tarball), `npm pack printed ${out}`);
      const listing = execFileSync('tar', ['-tzf', tarball]).toString();
      for (const f of [
        'package/dist/index.js',
        'package/dist/index.d.ts',
        'package/dist/patchmatch.js',
        'package/dist/node.cjs',
      ]) {
        assert(listing.includes(f), `the tarball lacks ${f}`);
      }
      return `${(statSync(tarball).size / 1e3).toFixed(0)} kB${fresh ? ' (dist/ up to date, not rebuilt)' : ' (built by prepack)'}`;
    });
    if (!tarball) return;

    for (const [name, files] of apps) {
      const check = CHECKS[name]!;
      const appDir = join(work, name);
      let url = '';
      await test(`${name} app: installs the tarball, builds with vite and serves with vite preview`, async () => {
        await mkdir(appDir);
        await writeFile(
          join(appDir, 'package.json'),
          JSON.stringify({ name: `packed-${name}`, private: true, type: 'module' }),
        );
        for (const [file, code] of files) await writeFile(join(appDir, file), code);
        npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...check.peers], appDir);
        // This repository's vite (the version a user's `npm install -D vite` gets), no config file.
        await build({ root: appDir, configFile: false, logLevel: 'error' });
        const server = await preview({
          root: appDir,
          configFile: false,
          logLevel: 'error',
          preview: { host: '127.0.0.1', port: 0, strictPort: true },
        });
        servers.push(server);
        const port = (server.httpServer.address() as AddressInfo).port;
        url = `http://127.0.0.1:${port}/`;
        return url;
      });
      if (!url) continue;
      await test(`${name} app: runs in Chromium`, async () => {
        browser ??= await chromium.launch({ executablePath: chromiumPath, headless: true, args: CHROMIUM_ARGS });
        const page = await browser.newPage();
        const problems: string[] = [];
        const wasmTypes: string[] = [];
        // A browser asks every page for /favicon.ico; these apps have none, which is not an error.
        const favicon = (u: string): boolean => new URL(u, url).pathname === '/favicon.ico';
        page.on('console', (m) => {
          if (m.type() === 'error' && !favicon(m.location().url)) problems.push(m.text());
        });
        // An error the page does not catch (a failed initBackend) ends the wait at once.
        let pageFailed: (e: Error) => void = () => {};
        const failure = new Promise<never>((_, reject) => (pageFailed = reject));
        failure.catch(() => {});
        page.on('pageerror', (e) => {
          problems.push(`uncaught: ${e.message}`);
          pageFailed(new Error(`uncaught in the page: ${e.message}; console errors: ${problems.join(' | ')}`));
        });
        page.on('response', (res) => {
          if (res.status() >= 400 && !favicon(res.url())) problems.push(`HTTP ${res.status()} for ${res.url()}`);
          if (res.url().endsWith('.wasm')) wasmTypes.push(res.headers()['content-type'] ?? '');
        });
        try {
          const res = await page.goto(url);
          assert(res?.ok(), `GET ${url} -> ${res?.status()}`);
          await Promise.race([
            page.waitForFunction(() => document.querySelector('#out')?.textContent !== 'running...', null, {
              timeout: 60_000,
            }),
            failure,
          ]);
          const text = (await page.textContent('#out')) ?? '';
          assert(problems.length === 0, `page problems: ${problems.join(' | ')}`);
          assert(
            wasmTypes.every((t) => t === 'application/wasm'),
            `.wasm served as ${wasmTypes.join(', ')}`,
          );
          const detail = await check.check(JSON.parse(text) as Record<string, unknown>, appDir);
          return `${detail}${wasmTypes.length ? `; ${wasmTypes.length} .wasm file(s) as application/wasm` : ''}`;
        } finally {
          await page.close();
        }
      });
    }
  } finally {
    await browser?.close();
    for (const s of servers) await s.close();
    await rm(work, { recursive: true, force: true });
  }
}
