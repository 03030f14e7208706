// Builds the browser demo: `npx vite build examples/web` (or `npm run test:browser`, which builds
// it before testing). Output goes to examples/web/dist.
import { defineConfig } from 'vite';

export default defineConfig({
  // Relative asset URLs, so dist/ can be served from any path.
  base: './',
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
