/**
 * Conv2DBackpropInput on wasm (the forward pass of every conv2dTranspose and the input gradient
 * of every conv2d) by its routes on the shapes of the pix2pix U-Net, the 70x70 PatchGAN and the
 * CycleGAN ResNet generator at 256x256: the backend's own loop, the XNNPACK route that rearranges
 * the filter (sub-pixel with a stride, zero-dilated at stride 1) timed twice, with the same
 * weights (inference: the rearranged filter is kept) and with new weights before every call
 * (training: it is rebuilt and re-packed), and the GEMM + col2im route. The routes are forced in
 * turn and their calls interleaved, so each case's ratios come from the same stretch of a noisy
 * machine. `CONV_TRANSPOSE_CASES=0,3,...` picks cases by index.
 */
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../src/backend/init-backend';
import {
  conv2DBackpropInputPath,
  forceConv2DBackpropInputPath,
  type Conv2DBackpropInputPath,
} from '../src/backend/kernels/conv2d-backprop-input';
import { timeVariants, type Variant } from './timing';
import { medianRatio, type Benchmark, type BenchCase } from './types';

type Pad = number | [[0, 0], [number, number], [number, number], [0, 0]];
interface Case {
  label: string;
  /** dx (the forward conv's input, the transposed conv's output) [B, H, W, Ci]. */
  dx: [number, number, number, number];
  /** dy channels (the forward conv's output channels). */
  outC: number;
  k: number;
  pad: Pad;
  /** Stride of the forward conv. Default 2. */
  stride?: 1 | 2;
}

// PyTorch ConvTranspose2d(k3, s2, padding 1, output_padding 1) is a forward conv padded 1 on
// top/left and 0 on bottom/right.
const RESNET: Pad = [
  [0, 0],
  [1, 0],
  [1, 0],
  [0, 0],
];
const CASES: Case[] = [
  { label: 'U-Net up 1->2 (512 <- 512)', dx: [1, 2, 2, 512], outC: 512, k: 4, pad: 1 },
  { label: 'U-Net up 2->4 (512 <- 1024)', dx: [1, 4, 4, 512], outC: 1024, k: 4, pad: 1 },
  { label: 'U-Net up 4->8 (512 <- 1024)', dx: [1, 8, 8, 512], outC: 1024, k: 4, pad: 1 },
  { label: 'U-Net up 8->16 (512 <- 1024)', dx: [1, 16, 16, 512], outC: 1024, k: 4, pad: 1 },
  { label: 'U-Net up 16->32 (256 <- 1024)', dx: [1, 32, 32, 256], outC: 1024, k: 4, pad: 1 },
  { label: 'U-Net up 32->64 (128 <- 512)', dx: [1, 64, 64, 128], outC: 512, k: 4, pad: 1 },
  { label: 'U-Net up 64->128 (64 <- 256)', dx: [1, 128, 128, 64], outC: 256, k: 4, pad: 1 },
  { label: 'U-Net up 128->256 (3 <- 128)', dx: [1, 256, 256, 3], outC: 128, k: 4, pad: 1 },
  { label: 'ResNet up 64->128 (128 <- 256) / down-conv dx', dx: [1, 128, 128, 128], outC: 256, k: 3, pad: RESNET },
  { label: 'ResNet up 128->256 (64 <- 128) / down-conv dx', dx: [1, 256, 256, 64], outC: 128, k: 3, pad: RESNET },
  { label: 'conv dx 256 (3 -> 64), U-Net down 1', dx: [1, 256, 256, 3], outC: 64, k: 4, pad: 1 },
  { label: 'conv dx 256 (6 -> 64), PatchGAN 1', dx: [1, 256, 256, 6], outC: 64, k: 4, pad: 1 },
  { label: 'conv dx 128 (64 -> 128)', dx: [1, 128, 128, 64], outC: 128, k: 4, pad: 1 },
  { label: 'conv dx 64 (128 -> 256)', dx: [1, 64, 64, 128], outC: 256, k: 4, pad: 1 },
  { label: 'conv dx 32 (256 -> 512)', dx: [1, 32, 32, 256], outC: 512, k: 4, pad: 1 },
  { label: 'conv dx 16 (512 -> 512)', dx: [1, 16, 16, 512], outC: 512, k: 4, pad: 1 },
  { label: 'conv dx 8 (512 -> 512)', dx: [1, 8, 8, 512], outC: 512, k: 4, pad: 1 },
  { label: 'conv dx 4 (512 -> 512)', dx: [1, 4, 4, 512], outC: 512, k: 4, pad: 1 },
  // Stride 1, 'same': small images around the threshold, the ResNet blocks at 64 and 128 input,
  // thin layers (RGB dx of the 7x7 head, a small first layer).
  ...(
    [
      [2, 256, 256, 3],
      [3, 256, 256, 3],
      [4, 512, 512, 3],
      [4, 256, 256, 3],
      [6, 256, 256, 3],
      [8, 512, 512, 3],
      [8, 1024, 1024, 3],
      [16, 256, 256, 3],
      [32, 256, 256, 3],
      [64, 64, 64, 3],
      [64, 3, 64, 7],
      [256, 3, 64, 7],
      [128, 3, 8, 3],
    ] as const
  ).map(
    ([size, ci, co, k]): Case => ({
      label: `stride 1, ${k}x${k}, ${size}x${size} (${ci} <- ${co})`,
      dx: [1, size, size, ci],
      outC: co,
      k,
      pad: 'same' as unknown as Pad,
      stride: 1,
    }),
  ),
];

/** Multiply-adds the forward convolution does (what the stock loop does). */
function usefulMacs(c: Case): number {
  const s = c.stride ?? 2;
  return (c.dx[0] * c.dx[1] * c.dx[2] * c.k * c.k * c.dx[3] * c.outC) / (s * s);
}

/**
 * One route on one case. `fresh`: new weights (a new dataId) before every call, as in a training
 * step, so the routes that keep a rearranged filter per weight tensor rebuild and re-pack it;
 * otherwise the weights stay the same, as in inference.
 */
function variant(route: Conv2DBackpropInputPath, c: Case, fresh = false): Variant {
  const filterShape: [number, number, number, number] = [c.k, c.k, c.dx[3], c.outC];
  const fwd = tf.backend_util.computeConv2DInfo(c.dx, filterShape, c.stride ?? 2, 1, c.pad);
  let dy: tf.Tensor | undefined;
  let w: tf.Tensor | undefined;
  let wCall: tf.Tensor | undefined;
  // The stock loop takes seconds on the large shapes: one timed call there.
  const slow = route === 'stock' && usefulMacs(c) > 3e8;
  return {
    name: fresh ? `${route} (new weights)` : route,
    repetitions: slow ? 1 : 5,
    warmup: slow ? 0 : 1,
    setup: () => {
      dy = tf.randomNormal(fwd.outShape, 0, 1, 'float32', 1);
      w = tf.randomNormal(filterShape, 0, 0.1, 'float32', 2);
    },
    before: () => {
      forceConv2DBackpropInputPath(route);
      if (fresh) {
        wCall?.dispose();
        wCall = tf.add(w!, 0); // same values, a new dataId
      }
    },
    run: () => {
      const out = tf.engine().runKernel('Conv2DBackpropInput', { dy: dy!, filter: fresh ? wCall! : w! }, {
        strides: c.stride ?? 2,
        pad: c.pad,
        dataFormat: 'NHWC',
        inputShape: c.dx,
      } as never) as tf.Tensor;
      out.dataSync();
      out.dispose();
    },
    teardown: () => {
      tf.dispose([dy!, w!]);
      wCall?.dispose();
    },
  };
}

const bench: Benchmark = {
  name: 'conv-transpose',
  description:
    'wasm Conv2DBackpropInput: sub-pixel vs zero-dilated XNNPACK vs the stock loop (stride 2), XNNPACK vs the stock loop (stride 1)',
  async run(): Promise<BenchCase[]> {
    await initBackend('wasm');
    const only = process.env.CONV_TRANSPOSE_CASES;
    const cases: BenchCase[] = [];
    try {
      for (const [i, c] of CASES.entries()) {
        if (only != null && !only.split(',').includes(String(i))) continue;
        const s = c.stride ?? 2;
        const [b, h, w, ci] = c.dx;
        const fwd = tf.backend_util.computeConv2DInfo(c.dx, [c.k, c.k, ci, c.outC], s, 1, c.pad);
        const pixels = b * fwd.outHeight * fwd.outWidth;
        // The XNNPACK route that rearranges the filter: timed with the same weights (inference,
        // the rearranged filter is kept) and with new weights every call (training).
        const rearranging: Conv2DBackpropInputPath = s === 1 ? 'dilated' : 'subpixel';
        const timings = await timeVariants([
          variant('stock', c),
          variant(rearranging, c),
          variant(rearranging, c, true),
          variant('gemm', c),
        ]);
        const rule = conv2DBackpropInputPath(h, w, s, s, { channels: c.outC, pixels });
        // The rule before the 'gemm' route: the spatial rule alone.
        const oldRule = conv2DBackpropInputPath(h, w, s, s);
        const ms = (name: string) => timings.find((t) => t.name === name)!.medianMs;
        const fresh = (route: string) => (route === rearranging ? `${route} (new weights)` : route);
        cases.push({
          case: `${c.label}: dx ${h}x${w}x${ci}, k${c.k} s${s} (spatial rule: ${oldRule}, rule: ${rule})`,
          timings,
          ratios: {
            'spatial rule / rule, same weights': medianRatio(timings, oldRule, rule),
            'spatial rule / rule, new weights': ms(fresh(oldRule)) / ms(fresh(rule)),
            [`${rearranging} new / same weights`]: medianRatio(timings, `${rearranging} (new weights)`, rearranging),
            [`gemm / ${rearranging}`]: medianRatio(timings, 'gemm', rearranging),
            [`GMAC/s of the rule, same weights`]: usefulMacs(c) / 1e6 / ms(rule),
          },
        });
      }
    } finally {
      forceConv2DBackpropInputPath(undefined);
    }
    return cases;
  },
};

export default bench;
