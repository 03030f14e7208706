import * as tfl from '@tensorflow/tfjs-layers';
import { checkInteger, checkSafeIntegerSeed } from '../core/checks';
import { instanceMeanPooling } from '../layers/internal/instance-mean-pooling';
import { spatialSizeCheck } from '../layers/internal/spatial-size-check';
import { checkInputShape, type Sym, WeightInit } from './internal/networks-common';
import { checkHDNorm, trunk, trunkMinSize, type HDNorm } from './internal/pix2pixhd-common';

/** Arguments of {@link instanceFeatureEncoder}. */
export interface InstanceFeatureEncoderArgs {
  /** Channels of the encoded image (upstream `--output_nc`). Default 3. */
  inputChannels?: number;
  /** Length of the feature vector per instance. Default 3 (`--feat_num`). */
  outputChannels?: number;
  /** Filters of the first convolution. Default 16 (`--nef`). */
  ngf?: number;
  /** Stride-2 convolutions (and transposed convolutions back). Default 4 (`--n_downsample_E`). */
  nDownsampling?: number;
  /** 'instance' (InstanceNorm2d, no affine) or 'batch' (BatchNorm2d). Default 'instance'. */
  norm?: HDNorm;
  /** Fixed `[height, width]` (multiples of 2^nDownsampling). Default: any such size. */
  inputShape?: [number, number];
  /** Seed of the weight initialisation (an integer, taken modulo 2^32). Default: unseeded. */
  seed?: number;
}

/**
 * pix2pixHD's instance-feature encoder (`Encoder` of NVIDIA/pix2pixHD, used with
 * `--instance_feat`): an encoder-decoder (reflection pad 3 + 7x7 convolution, `nDownsampling`
 * stride-2 convolutions, as many transposed convolutions, 7x7 convolution to `outputChannels`,
 * tanh) followed by instance-wise average pooling, so every pixel of one instance carries the
 * same feature vector. pix2pixHD feeds these features to the generator beside the labels.
 *
 * Inputs: `[image [batch, h, w, inputChannels], instanceMap [batch, h, w, 1]]`, the instance
 * map holding integer ids (int32 or float32), h and w multiples of 2^nDownsampling (at least 4).
 * An instance map of another batch size, height or width is an Error. Output:
 * `[batch, h, w, outputChannels]`, constant inside each instance of each image.
 * Parameters (upstream defaults: nef 16, 4 downsamplings, 3 -> 3 channels, instance norm): 788,803.
 *
 * Layers owning weights are named by their PyTorch state-dict prefix (`model.1`, `model.4`, ...),
 * so `io.loadTorchStateDict` loads upstream `netE` checkpoints.
 *
 * Porting note: upstream assigns each instance mean with a Python loop over ids, images and
 * channels; here one segment sum over (image, id) pairs gives the same values and gradients.
 *
 * Reference: T.-C. Wang et al., "High-Resolution Image Synthesis and Semantic Manipulation with
 * Conditional GANs", CVPR 2018, https://arxiv.org/abs/1711.11585.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, models } from 'tfjs-synth';
 * await initBackend();
 * const e = models.instanceFeatureEncoder({ ngf: 4, nDownsampling: 2 });
 * const image = tf.zeros([1, 16, 16, 3]);
 * const inst = tf.zeros([1, 16, 16, 1], 'int32');
 * const feat = e.predict([image, inst]) as tf.Tensor; // [1, 16, 16, 3]
 * ```
 */
export function instanceFeatureEncoder(args: InstanceFeatureEncoderArgs = {}): tfl.LayersModel {
  const owner = 'instanceFeatureEncoder';
  const inputChannels = checkInteger(owner, 'inputChannels', args.inputChannels ?? 3, { min: 1 });
  const outputChannels = checkInteger(owner, 'outputChannels', args.outputChannels ?? 3, { min: 1 });
  const ngf = checkInteger(owner, 'ngf', args.ngf ?? 16, { min: 1, max: 65536 });
  const nDown = checkInteger(owner, 'nDownsampling', args.nDownsampling ?? 4, { min: 0, max: 12 });
  const kind = checkHDNorm(owner, args.norm ?? 'instance');
  const dims = checkInputShape(owner, args.inputShape);
  const init = new WeightInit(checkSafeIntegerSeed(owner, 'seed', args.seed));

  const image = tfl.input({ shape: [dims[0], dims[1], inputChannels], name: 'image' });
  const inst = tfl.input({ shape: [dims[0], dims[1], 1], name: 'instance_map' });
  const x = spatialSizeCheck({
    owner,
    name: 'input_size_check',
    multiple: 2 ** nDown,
    minSize: trunkMinSize(nDown, 0),
    reason: '2^nDownsampling',
  }).apply(image) as Sym;
  const features = trunk(x, 'model', { ngf, nDown, nBlocks: 0, kind, init, head: outputChannels });
  const pooled = instanceMeanPooling({ name: 'instance_mean_pool' }).apply([features, inst]) as Sym;
  return tfl.model({ inputs: [image, inst], outputs: pooled, name: 'instance_feature_encoder' });
}
