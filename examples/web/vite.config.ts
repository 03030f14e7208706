// Builds the browser demo: `npx vite build examples/web` (or `npm run test:browser`, which builds
// it before testing). Output goes to examples/web/dist.
import { defineConfig, type Plugin } from 'vite';
import { buildPatchMatchWasm } from '../../scripts/build-wasm.mjs';

/**
 * Compiles the PatchMatch WebAssembly module (src/patchmatch/generated/, not committed) before vite
 * resolves anything, so the page builds and serves on a fresh clone; a no-op when it is up to date.
 */
function patchMatchWasm(): Plugin {
  return {
    name: 'tfjs-synth:patchmatch-wasm',
    async config() {
      await buildPatchMatchWasm({ quiet: true });
    },
  };
}

export default defineConfig({
  // Relative asset URLs, so dist/ can be served from any path.
  base: './',
  plugins: [patchMatchWasm()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The page uses WebAssembly SIMD, so no older syntax targets are needed.
    target: 'es2022',
    // The tfjs-backend-wasm .wasm files must stay files (they are fetched by URL), never inlined.
    assetsInlineLimit: (file) => (file.endsWith('.wasm') ? false : undefined),
    chunkSizeWarningLimit: 4096,
  },
  // The PatchMatch fill runs in a module worker (src/fill-worker.ts); ES output lets it share chunks.
  worker: { format: 'es' },
  server: { fs: { allow: ['../..'] } },
});
