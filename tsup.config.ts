import { defineConfig, type Options } from 'tsup';

const common: Options = {
  // Both module systems: Node CJS users `require` the package; bundlers and ESM users `import` it.
  format: ['esm', 'cjs'],
  target: 'es2022',
  // tfjs is a peer dependency: never bundle it, so users share one engine and one kernel registry.
  external: [/^@tensorflow\//, 'pngjs', 'jpeg-js'],
};

export default defineConfig([
  {
    ...common,
    entry: {
      index: 'src/index.ts',
      patchmatch: 'src/patchmatch/index.ts',
      node: 'src/node/index.ts',
    },
    // Types for both (.d.ts and .d.cts) so `types` resolves under either condition; `tfjs-synth/node`
    // gets its own declaration build below.
    dts: { entry: { index: 'src/index.ts', patchmatch: 'src/patchmatch/index.ts' } },
    // Shared chunks keep one copy of code used by several entries (for example the registration of layers).
    splitting: true,
    sourcemap: true,
    // With declarations on, tsup's clean keeps *.d.ts files; `npm run build` empties dist/ first.
    clean: true,
  },
  {
    ...common,
    // Declarations only, built on their own so that no declaration chunk is shared with the main
    // entry: the declaration bundler writes a type imported from a shared chunk into a namespace
    // (`training.TrainerState`) as `declare const ...: typeof TrainerState`, which is an error for
    // consumers that type-check libraries (no skipLibCheck). `node.d.ts` holds its own copy of the
    // few training types it names; they are the same structural types.
    entry: { node: 'src/node/index.ts' },
    dts: { only: true },
  },
]);
