/**
 * Runs the browser-only documentation snippets (```ts browser fences) in Chromium, as written:
 * they are bundled by vite with `tfjs-synth` imports pointing at the sources, served on
 * localhost beside the files they fetch (the tfjs-backend-wasm `.wasm` files under
 * `/assets/tfjs-wasm/`, as docs/getting-started.md serves them), and each one runs in a fresh
 * page that must load it without an error or a console error. A snippet tagged `isolated` gets a
 * cross-origin-isolated page (its document is served with COOP/COEP headers, `?isolated=1`).
 * A snippet that has not finished within {@link snippetTimeoutMs} (120 s, or
 * DOC_SNIPPET_TIMEOUT_MS) fails with its file and line, and the next one runs.
 * Called by test/browser/run.ts.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { build } from 'vite';
import { collectSnippets, ROOT, toModule, where } from './snippets';
import { snippetTimeoutMs, withTimeout } from './with-timeout';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
};

declare global {
  interface Window {
    /** Settles when the page's snippet has run: '' on success, else the error. */
    __docSnippet: Promise<string>;
  }
}

/** Builds, serves and runs every browser-only snippet; returns a summary, throws on a failure. */
export async function runBrowserSnippets(context: BrowserContext): Promise<string> {
  const snippets = collectSnippets().filter((s) => s.tags.includes('browser'));
  if (snippets.length === 0) return 'no browser-only snippets';
  const timeoutMs = snippetTimeoutMs();
  const dir = join(ROOT, 'test', 'docs', '.tmp', 'browser');
  const out = join(dir, 'dist');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  try {
    snippets.forEach((s, i) => {
      const file = join(dir, `snippet-${i}.ts`);
      writeFileSync(file, toModule(s, file, '__docSnippetDone'));
    });
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="./main.ts"></script>\n',
    );
    writeFileSync(
      join(dir, 'main.ts'),
      [
        "const snippets = import.meta.glob('./snippet-*.ts');",
        "const name = new URLSearchParams(location.search).get('snippet');",
        'window.__docSnippet = snippets[`./${name}.ts`]!().then(',
        "  () => ((globalThis as Record<string, unknown>).__docSnippetDone === true ? '' : 'the snippet did not run to its end'),",
        "  (e: unknown) => (e instanceof Error ? `${e.message}\\n${e.stack ?? ''}` : String(e)),",
        ');',
        '',
      ].join('\n'),
    );
    const t0 = performance.now();
    await build({
      root: dir,
      configFile: false,
      logLevel: 'warn',
      base: '/',
      build: {
        outDir: out,
        emptyOutDir: true,
        target: 'es2022',
        chunkSizeWarningLimit: 8192,
        // No tree shaking: the snippets sit inside this package, whose `"sideEffects": false` would
        // otherwise let the bundler drop their calls (setWasmPaths, initBackend) as unused.
        rollupOptions: { treeshake: false },
      },
    });
    // The files the snippets fetch: tfjs-backend-wasm's binaries where setWasmPaths points.
    const wasmDir = join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
    mkdirSync(join(out, 'assets', 'tfjs-wasm'), { recursive: true });
    for (const f of readdirSync(wasmDir).filter((n) => n.endsWith('.wasm')))
      copyFileSync(join(wasmDir, f), join(out, 'assets', 'tfjs-wasm', f));

    const server = createServer(async (req, res) => {
      try {
        const requested = new URL(req.url ?? '/', 'http://localhost');
        const path = decodeURIComponent(requested.pathname);
        const isolation =
          requested.searchParams.get('isolated') === '1'
            ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
            : {};
        const file = normalize(join(out, path.endsWith('/') ? `${path}index.html` : path));
        if (!file.startsWith(out + sep) || !(await stat(file)).isFile()) throw new Error('not found');
        res.writeHead(200, {
          'content-type': MIME[extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-store',
          ...isolation,
        });
        res.end(await readFile(file));
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const buildMs = performance.now() - t0;
    const t1 = performance.now();
    const failures: string[] = [];
    try {
      for (const [i, s] of snippets.entries()) {
        const page = await context.newPage();
        const errors: string[] = [];
        page.on('console', (msg) => {
          if (msg.type() === 'error') errors.push(msg.text());
        });
        page.on('pageerror', (err) => errors.push(`uncaught: ${err.message}`));
        page.on('response', (r) => {
          if (r.status() >= 400) errors.push(`HTTP ${r.status()} for ${r.url()}`);
        });
        const run = async () => {
          await page.goto(`${url}?snippet=snippet-${i}${s.tags.includes('isolated') ? '&isolated=1' : ''}`, {
            timeout: 0, // the whole snippet's limit below covers the navigation too
          });
          return page.evaluate(() => window.__docSnippet);
        };
        try {
          const error = await withTimeout(run(), timeoutMs, 'the snippet');
          if (error) errors.push(error);
        } catch (e) {
          errors.push(e instanceof Error ? e.message : String(e));
        } finally {
          // Closing the page also ends a snippet that is still running.
          await page.close();
        }
        if (errors.length) failures.push(`${where(s)}: ${errors.join(' | ')}`);
      }
    } finally {
      // The pages' keep-alive connections would hold close() open for minutes.
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    if (failures.length) throw new Error(failures.join('\n'));
    return `${snippets.length} ran: ${snippets.map(where).join(', ')} (vite build ${(buildMs / 1000).toFixed(1)} s, run ${((performance.now() - t1) / 1000).toFixed(1)} s)`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
