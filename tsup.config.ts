import { readFileSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
};

/** The optional tfjs peers each entry loads (`tfjs-synth/patchmatch` needs none). */
const ENTRY_PEERS: Record<string, { name: string; peers: string[] }> = {
  'src/index.ts': { name: 'tfjs-synth', peers: Object.keys(pkg.peerDependencies) },
  'src/node/index.ts': { name: 'tfjs-synth/node', peers: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-layers'] },
};

/**
 * The tfjs peers are optional (an app that only uses `tfjs-synth/patchmatch` installs none), so
 * the CommonJS entries that need them first check that they resolve and otherwise throw an Error
 * naming the missing package and the install command. (ES modules cannot run code before their
 * imports resolve; there Node's ERR_MODULE_NOT_FOUND and bundlers' unresolved-import errors name
 * the package.) Runs before tsup turns the ESM output into CommonJS, which keeps statement order.
 */
function peerCheck(): NonNullable<Options['plugins']>[number] {
  return {
    name: 'tfjs-synth:peer-check',
    renderChunk(code, info) {
      const entry = info.entryPoint ? ENTRY_PEERS[info.entryPoint] : undefined;
      if (this.format !== 'cjs' || !entry) return undefined;
      const install = `npm install ${Object.entries(pkg.peerDependencies)
        .map(([name, range]) => `${name}@${range}`)
        .join(' ')}`;
      const check =
        `/* The optional tfjs peers this entry needs: a clear error when one is missing. */\n` +
        `for (const __peer of ${JSON.stringify(entry.peers)}) {\n` +
        `  try { require.resolve(__peer); } catch (e) {\n` +
        `    if (e && e.code === 'MODULE_NOT_FOUND') throw new Error(\`${entry.name}: cannot find the peer dependency \${__peer}. ` +
        `Install the TensorFlow.js peers: ${install} ('tfjs-synth/patchmatch' needs none of them).\`);\n` +
        `    throw e;\n  }\n}\n`;
      // One line per inserted line would shift the source map; keep it on the first line.
      return { code: check.replace(/\n\s*/g, ' ') + code };
    },
  };
}

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
    plugins: [peerCheck()],
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
