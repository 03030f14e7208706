import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    patchmatch: 'src/patchmatch/index.ts',
    node: 'src/node/index.ts',
  },
  // Both module systems: Node CJS users `require` the package; bundlers and ESM users `import` it.
  format: ['esm', 'cjs'],
  // Types for both (.d.ts and .d.cts) so `types` resolves under either condition.
  dts: true,
  // Shared chunks keep one copy of code used by several entries (for example the registration of layers).
  splitting: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  // tfjs is a peer dependency: never bundle it, so users share one engine and one kernel registry.
  external: [/^@tensorflow\//, 'pngjs', 'jpeg-js'],
});
