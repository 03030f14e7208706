/**
 * The objects the restricted pickle machine (`pickle.ts`) produces besides plain JavaScript
 * values: references to globals, inert placeholders, storages and tensors.
 * @internal
 */

/** A reference to a global (`module.name`) met by GLOBAL / STACK_GLOBAL. @internal */
export class PyGlobal {
  /** `module.name`, built once (hashing a rebuilt string on every call would cost its length each time). */
  readonly fullName: string;
  constructor(
    readonly module: string,
    readonly name: string,
  ) {
    this.fullName = `${module}.${name}`;
  }
}

/** An object of a non-allow-listed class or call, kept only as its name; never constructed. @internal */
export class PyOpaque {
  constructor(readonly global: string) {}
}

/** A storage named by a persistent id `('storage', storage_type, key, location, numel)`. @internal */
export interface PickledStorage {
  kind: 'storage';
  storageType: string;
  key: string;
  location: string;
  /** Element count, a non-negative safe integer. */
  numel: number;
}

/** A tensor rebuilt by `torch._utils._rebuild_tensor_v2`: a strided view of a storage. @internal */
export class PickledTensor {
  constructor(
    readonly storage: PickledStorage,
    readonly offset: number,
    readonly size: number[],
    readonly stride: number[],
  ) {}
}
