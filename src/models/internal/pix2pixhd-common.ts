/**
 * Shared pieces of the pix2pixHD builders (globalGenerator, localEnhancer,
 * instanceFeatureEncoder, multiscaleDiscriminator): upstream's `get_norm_layer` choice (batch or
 * instance, no 'none'), its always-biased convolutions, the ResnetBlock and the
 * encoder-decoder trunk the three generators share, named by PyTorch state-dict prefix.
 * @internal
 */
import { checkOneOf } from '../../core/checks';
import { reflectionPadding2d } from '../../layers/reflection-padding2d';
import { crop2d } from '../../layers/internal/crop2d';
import * as tfl from '@tensorflow/tfjs-layers';
import { conv, convTranspose, norm, relu, tanh, zeroPad, type Sym, type WeightInit } from './networks-common';

/** Normalisation of the pix2pixHD networks (upstream `--norm`): no 'none' upstream. */
export type HDNorm = 'instance' | 'batch';

const HD_NORMS: readonly HDNorm[] = ['instance', 'batch'];

export function checkHDNorm(owner: string, value: unknown): HDNorm {
  return checkOneOf(owner, 'norm', value, HD_NORMS);
}

export function reflect(x: Sym, name: string, padding: number): Sym {
  return reflectionPadding2d({ padding, name }).apply(x) as Sym;
}

/** ReflectionPad(3), 7x7 convolution (bias), norm, ReLU at `prefix.0` ... `prefix.3`. */
export function stem(x: Sym, prefix: string, filters: number, kind: HDNorm, init: WeightInit): Sym {
  let h = reflect(x, `${prefix}.0_reflection_pad`, 3);
  h = conv(h, `${prefix}.1`, filters, 7, 1, 'valid', true, init);
  h = norm(h, kind, `${prefix}.2`, init);
  return relu(h, `${prefix}.3_relu`);
}

/** Conv 3x3 stride 2 padding 1 (bias), norm, ReLU at `prefix.index` ... `index + 2`. */
export function down(x: Sym, prefix: string, index: number, filters: number, kind: HDNorm, init: WeightInit): Sym {
  let h = zeroPad(x, `${prefix}.${index}_zero_pad`, 1);
  h = conv(h, `${prefix}.${index}`, filters, 3, 2, 'valid', true, init);
  h = norm(h, kind, `${prefix}.${index + 1}`, init);
  return relu(h, `${prefix}.${index + 2}_relu`);
}

/**
 * ConvTranspose2d(k3, s2, p1, output_padding 1) (bias), norm, ReLU at `prefix.index` ...
 * `index + 2`. Porting note: that transposed convolution is tfjs' 'valid' one (2n + 1) without its
 * first row and column.
 */
export function up(x: Sym, prefix: string, index: number, filters: number, kind: HDNorm, init: WeightInit): Sym {
  let h = convTranspose(x, `${prefix}.${index}`, filters, 3, 'valid', true, init);
  h = crop2d({
    cropping: [
      [1, 0],
      [1, 0],
    ],
    name: `${prefix}.${index}_crop`,
  }).apply(h) as Sym;
  h = norm(h, kind, `${prefix}.${index + 1}`, init);
  return relu(h, `${prefix}.${index + 2}_relu`);
}

/**
 * pix2pixHD's ResnetBlock (reflect padding, no dropout) at `name`: `x + [pad, conv, norm, ReLU,
 * pad, conv, norm](x)`, convolutions at `name.conv_block.1` and `.5`.
 */
export function resnetBlock(x: Sym, name: string, dim: number, kind: HDNorm, init: WeightInit): Sym {
  const s = `${name}.conv_block`;
  let r = reflect(x, `${s}.0_reflection_pad`, 1);
  r = conv(r, `${s}.1`, dim, 3, 1, 'valid', true, init);
  r = norm(r, kind, `${s}.2`, init);
  r = relu(r, `${s}.3_relu`);
  r = reflect(r, `${s}.4_reflection_pad`, 1);
  r = conv(r, `${s}.5`, dim, 3, 1, 'valid', true, init);
  r = norm(r, kind, `${s}.6`, init);
  return tfl.layers.add({ name: `${name}_add` }).apply([x, r]) as Sym;
}

/**
 * The trunk of GlobalGenerator (and, without blocks, of the Encoder) at `prefix.<index>`: stem,
 * `nDown` downsamplings, `nBlocks` residual blocks, `nDown` upsamplings; with `head`, also
 * ReflectionPad(3), 7x7 convolution to `outputChannels` and tanh.
 */
export function trunk(
  x: Sym,
  prefix: string,
  o: { ngf: number; nDown: number; nBlocks: number; kind: HDNorm; init: WeightInit; head: number | null },
): Sym {
  const { ngf, nDown, nBlocks, kind, init } = o;
  let h = stem(x, prefix, ngf, kind, init);
  for (let i = 0; i < nDown; i++) h = down(h, prefix, 4 + 3 * i, ngf * 2 ** (i + 1), kind, init);
  const blocks = 4 + 3 * nDown;
  for (let b = 0; b < nBlocks; b++) h = resnetBlock(h, `${prefix}.${blocks + b}`, ngf * 2 ** nDown, kind, init);
  const ups = blocks + nBlocks;
  // Upstream: int(ngf * mult / 2).
  for (let i = 0; i < nDown; i++) h = up(h, prefix, ups + 3 * i, Math.floor((ngf * 2 ** (nDown - i)) / 2), kind, init);
  if (o.head === null) return h;
  const end = ups + 3 * nDown;
  h = reflect(h, `${prefix}.${end}_reflection_pad`, 3);
  h = conv(h, `${prefix}.${end + 1}`, o.head, 7, 1, 'valid', true, init);
  return tanh(h, `${prefix}.${end + 2}_tanh`);
}

/** Smallest input side of a trunk: reflection padding 3 needs 4; the blocks' padding 1 needs 2 at the bottom. */
export function trunkMinSize(nDown: number, nBlocks: number): number {
  return Math.max(4, 2 ** nDown * (nBlocks > 0 ? 2 : 1));
}
