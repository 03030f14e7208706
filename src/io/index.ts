// Public API of src/io: one export line per unit.
export type { StateDict, StateDictTensor, StateDictData, TorchDType } from './state-dict';
export { readSafetensors, type ReadSafetensorsOptions } from './read-safetensors';
export { writeSafetensors } from './write-safetensors';
export { readTorchCheckpoint, type ReadTorchCheckpointOptions } from './read-torch-checkpoint';
export {
  loadTorchStateDict,
  type LoadTorchStateDictOptions,
  type LoadTorchStateDictReport,
} from './load-torch-state-dict';
export { exportTorchStateDict } from './export-torch-state-dict';
export { TORCH_KEY_MAP_PRESETS, type TorchKeyMap, type TorchKeyMapPreset } from './torch-key-maps';
