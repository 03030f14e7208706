// The backend test page (test/browser/gpu, built and served by gpu-backends.ts, whose server sends
// the Content-Security-Policy given in the page URL's `csp` parameter) under policies, against the
// same page without one. Chromium refuses every WebAssembly compilation, tfjs-backend-wasm's
// streaming compile of its .wasm file included, under a script-src without 'wasm-unsafe-eval'. So:
// - script-src 'self': initBackend('wasm') throws and says why; the library runs on cpu, whose
//   fused Adam update (a JavaScript loop) gives the bits of the wasm SIMD update; createPatchMatch()
//   falls back to its 'js' kernel (its module is refused), as createPatchMatch({ backend: 'js' });
// - script-src 'self' 'wasm-unsafe-eval': the wasm backend starts and WebAssembly compiles; then
//   the strict policy is added (a meta tag): the backend's module is compiled already, the fused
//   Adam kernel's own module is refused, and its JavaScript loop gives the SIMD module's bits.
// Called by gpu-backends.ts.
import type { Browser } from 'playwright-core';
import type { AdamCheck } from './gpu/csp-checks';

type TestFn = (name: string, body: () => Promise<string | void>) => Promise<void>;

const STRICT = "script-src 'self'";
const WASM_ALLOWED = "script-src 'self' 'wasm-unsafe-eval'";

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** How many values differ between `a` and `b` (bit for bit as float32; NaN equals NaN). */
function differing(a: number[], b: number[]): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** Checks `got` against `want` (the page without a policy): the same bits, nothing leaked. */
function sameAs(got: AdamCheck, want: AdamCheck, what: string): void {
  const u = differing(got.update, want.update);
  const s = differing(got.step, want.step);
  assert(
    u === 0 && s === 0,
    `${what}: ${u} of ${want.update.length} fused-update values and ${s} of ${want.step.length} weights after the step differ`,
  );
  assert(got.leaked === 0, `${what}: ${got.leaked} tensors left behind`);
}

interface PageRun {
  /** initBackend('wasm'): 'started' or its error message. */
  wasm: string;
  /** The backend afterwards. */
  backend: string;
  /** Null when the page compiles WebAssembly from bytes, else the error (before `metaPolicy`). */
  compile: string | null;
  /** The same after `metaPolicy` was added. */
  compileAfter: string | null;
  /** adamCheck on each backend asked for, in order. */
  checks: AdamCheck[];
  /** createPatchMatch's default and 'js' kernels: the backends, or the errors. */
  patchMatch: { wasm: string; js: string };
}

export async function runCspTests(test: TestFn, browser: Browser, url: string): Promise<void> {
  /**
   * Opens the page under the `policy` header (null: none), runs initBackend('wasm'), adds
   * `metaPolicy` (a meta tag) when given, then adamCheck on each of `on` ('started': the backend
   * initBackend left).
   */
  const run = async (policy: string | null, on: string[], metaPolicy: string | null = null): Promise<PageRun> => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    try {
      const target = policy == null ? url : `${url}?csp=${encodeURIComponent(policy)}`;
      const res = await page.goto(target);
      assert(res?.ok(), `GET ${target} -> ${res?.status()}`);
      await page.waitForFunction(() => window.__gpu != null, null, { timeout: 30_000 });
      const r = await page.evaluate(
        async ([backends, meta]) => {
          const hooks = window.__gpu;
          await hooks.initBackend('cpu');
          const wasm = await hooks.initBackend('wasm').then(
            () => 'started',
            (e: Error) => e.message,
          );
          const backend = hooks.backend();
          const compile = hooks.wasmCompileError();
          if (meta != null) hooks.addPolicy(meta);
          const compileAfter = hooks.wasmCompileError();
          const checks = [];
          for (const b of backends) checks.push(await hooks.adamCheck(b === 'started' ? backend : b));
          return { wasm, backend, compile, compileAfter, checks, patchMatch: await hooks.patchMatchCheck() };
        },
        [on, metaPolicy] as const,
      );
      assert(errors.length === 0, `uncaught errors: ${errors.join(' | ')}`);
      return r;
    } finally {
      await page.close();
    }
  };

  let reference: { wasm: AdamCheck; cpu: AdamCheck; patchMatch: string } | null = null;
  const referenceRun = async () => {
    if (reference == null) {
      const r = await run(null, ['wasm', 'cpu']);
      assert(r.wasm === 'started' && r.compile === null, `without a policy: ${JSON.stringify(r.wasm)}`);
      assert(r.checks[0]!.simd === true, 'without a policy the fused Adam kernel did not run its SIMD module');
      reference = { wasm: r.checks[0]!, cpu: r.checks[1]!, patchMatch: r.patchMatch.wasm };
    }
    return reference;
  };

  await test(`CSP "${STRICT}": initBackend('wasm') throws naming 'wasm-unsafe-eval', the backend stays cpu; on cpu the fused Adam update equals the wasm SIMD one and a DCGAN step equals cpu's without the policy, bit for bit`, async () => {
    const want = await referenceRun();
    const r = await run(STRICT, ['started']);
    const check = r.checks[0]!;
    assert(r.compile != null, 'the page compiled WebAssembly under the policy');
    assert(
      r.wasm ===
        `initBackend: the "wasm" backend failed to initialise: this page's Content-Security-Policy refuses to compile WebAssembly: add 'wasm-unsafe-eval' to its script-src, or use 'cpu'.`,
      `initBackend('wasm'): ${JSON.stringify(r.wasm)}`,
    );
    assert(r.backend === 'cpu' && check.backend === 'cpu', `backend ${r.backend} after the failed call`);
    assert(differing(check.update, want.wasm.update) === 0, 'the cpu fused update differs from the wasm SIMD one');
    sameAs(check, want.cpu, 'cpu under the policy vs cpu without');
    // PatchMatch's module is refused too (WebAssembly.validate still says yes): it runs 'js'.
    assert(
      r.patchMatch.wasm === 'js' && r.patchMatch.js === 'js',
      `createPatchMatch(): ${r.patchMatch.wasm}; with backend 'js': ${r.patchMatch.js}`,
    );
    return `"${r.wasm}"; createPatchMatch() falls back to its 'js' kernel`;
  });

  await test(`CSP "${WASM_ALLOWED}": the wasm backend starts and WebAssembly compiles; with "${STRICT}" added after the start, the fused Adam kernel falls back to its JavaScript loop, and its update and a DCGAN step equal the SIMD module's without a policy, bit for bit`, async () => {
    const want = await referenceRun();
    const r = await run(WASM_ALLOWED, ['started'], STRICT);
    assert(want.patchMatch === 'wasm', `createPatchMatch() without a policy: ${want.patchMatch}`);
    const check = r.checks[0]!;
    assert(
      r.wasm === 'started' && r.compile === null,
      `initBackend('wasm'): ${JSON.stringify(r.wasm)}, compile ${r.compile}`,
    );
    assert(r.compileAfter != null, 'the page still compiles WebAssembly after the strict policy was added');
    assert(check.backend === 'wasm' && check.simd === false, `backend ${check.backend}, SIMD ${check.simd}`);
    sameAs(check, want.wasm, 'the JavaScript loop vs the SIMD module');
    return `${want.wasm.update.length} update values and ${want.wasm.step.length} weights equal`;
  });
}
