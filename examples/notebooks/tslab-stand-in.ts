/**
 * A stand-in for the `tslab` module's `display` API, used when the notebooks in this folder are
 * executed by `build-notebooks.ts` in plain Node (the notebooks themselves `import * as tslab
 * from 'tslab'` and run unchanged in the tslab Jupyter kernel). Displays are forwarded to the
 * sink the builder installs; without one they are dropped.
 *
 * ```ts
 * import * as tslab from './tslab-stand-in';
 * tslab.display.png(pngBytes); // one image output of the current cell
 * ```
 */

/** Where the builder collects displays: one call per `display.*` call. */
export interface DisplaySink {
  png(bytes: Uint8Array): void;
  text(text: string): void;
}

const SINK_KEY = Symbol.for('tfjs-synth.notebook-display-sink');

/** Installs (or with `undefined`, removes) the sink that receives displays. */
export function setDisplaySink(sink: DisplaySink | undefined): void {
  (globalThis as Record<symbol, unknown>)[SINK_KEY] = sink;
}

function sink(): DisplaySink | undefined {
  return (globalThis as Record<symbol, unknown>)[SINK_KEY] as DisplaySink | undefined;
}

/** The subset of tslab's `display` the notebooks use, with tslab's signatures. */
export const display = {
  png(bytes: Uint8Array): void {
    sink()?.png(bytes);
  },
  text(text: string): void {
    sink()?.text(text);
  },
};
