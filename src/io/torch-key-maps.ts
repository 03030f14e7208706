/**
 * Key mappings for `loadTorchStateDict`: checkpoints whose module layout differs from a
 * model's layer names only by naming, renamed before they are matched.
 */
import { checkError, describeValue, listChoices } from '../core/checks';

/**
 * Named key mappings of `loadTorchStateDict`'s `keyMap` option:
 *
 * - `'deepfillv2-pytorch-tf'`: the `Generator` of nipponjo/deepfillv2-pytorch's
 *   `model/networks_tf.py`, whose checkpoints `states_tf_places2.pth` and
 *   `states_tf_celebahq.pth` (under the key 'G') are the official TF DeepFill v2 weights
 *   converted to PyTorch, into `models.gatedInpaintingGenerator({ cnum: 48 })`. Its modules wrap
 *   every convolution once more, `<layer>.conv.weight` (`<layer>.conv.conv.weight` in the
 *   upsampling layers), where the model's layer `<layer>` takes `<layer>.weight`: the extra
 *   `.conv` / `.conv.conv` before `weight` and `bias` is dropped. Other keys pass unchanged.
 */
export type TorchKeyMapPreset = 'deepfillv2-pytorch-tf';

/**
 * How `loadTorchStateDict` renames the state dict's keys before matching them to the
 * model: a preset name, or a function from a key (after `module.` stripping) to the model's
 * key, or to null to skip that key (neither loaded nor reported as unexpected).
 */
export type TorchKeyMap = TorchKeyMapPreset | ((key: string) => string | null);

/** The preset names, in documentation order. */
export const TORCH_KEY_MAP_PRESETS: readonly TorchKeyMapPreset[] = ['deepfillv2-pytorch-tf'];

/** `<layer>.conv.weight` / `<layer>.conv.conv.bias` of deepfillv2-pytorch's networks_tf.py. */
const DEEPFILLV2_PYTORCH_TF = /^([A-Za-z0-9_]+)\.conv(?:\.conv)?\.(weight|bias)$/;

const PRESETS: Record<TorchKeyMapPreset, (key: string) => string> = {
  'deepfillv2-pytorch-tf': (key) => key.replace(DEEPFILLV2_PYTORCH_TF, '$1.$2'),
};

/**
 * Validates a `keyMap` option into a checked function (identity when undefined). The returned
 * function throws, naming `owner` and the key, when a user function returns anything but a
 * string or null.
 * @internal
 */
export function resolveTorchKeyMap(owner: string, keyMap: unknown): (key: string) => string | null {
  if (keyMap === undefined) return (key) => key;
  if (typeof keyMap === 'string') {
    if (!(TORCH_KEY_MAP_PRESETS as readonly string[]).includes(keyMap)) {
      throw checkError(owner, 'keyMap', `a function or one of ${listChoices(TORCH_KEY_MAP_PRESETS)}`, keyMap);
    }
    return PRESETS[keyMap as TorchKeyMapPreset];
  }
  if (typeof keyMap !== 'function') throw checkError(owner, 'keyMap', 'a function or a preset name', keyMap);
  const fn = keyMap as (key: string) => unknown;
  return (key) => {
    const mapped = fn(key);
    if (mapped === null || typeof mapped === 'string') return mapped;
    throw new Error(
      `${owner}: keyMap must return a string or null, got ${describeValue(mapped)} for key ${describeValue(key)}.`,
    );
  };
}
