/** The keyword arguments tfjs-layers passes to `Layer.call` (for example `training`, `mask`). */
export type Kwargs = Record<string, unknown>;
