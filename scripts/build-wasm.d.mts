// Types of scripts/build-wasm.mjs for the TypeScript files that import it (examples/web/vite.config.ts).
/** Options of {@link buildPatchMatchWasm}. */
export interface BuildPatchMatchWasmOptions {
  /** Compile even when the generated file is up to date. Default false. */
  force?: boolean;
  /** Print nothing. Default false. */
  quiet?: boolean;
}
/** Writes src/patchmatch/generated/patchmatch-wasm.ts unless it is already up to date. */
export function buildPatchMatchWasm(options?: BuildPatchMatchWasmOptions): Promise<'built' | 'up to date'>;
