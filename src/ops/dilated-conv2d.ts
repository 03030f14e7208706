import * as tf from '@tensorflow/tfjs-core';
import { checkError, checkPair } from '../core/checks';
import { DILATION_AWARE_FILTER_GRADIENTS } from '../core/kernel-capabilities';
import { checkAxis, checkTensor } from './internal/check-tensor';

/**
 * `tf.conv2d` that is also differentiable with dilation > 1. tfjs-core 4.22's conv2d gradient
 * throws for dilation rates above 1, which DeepFill's atrous layers need. For those this runs
 * the backend's dilated `tf.conv2d` (XNNPACK dilates natively on wasm) with its gradient written
 * out: the input gradient is a dilated convolution of dy by the flipped kernel, the filter
 * gradient the backend's `Conv2DBackpropFilter` with dilations where it honours them (this
 * library's wasm kernel), else a convolution with stride = dilation. An explicit padding wider
 * than the dilated kernel takes TF's `with_space_to_batch` route instead (`spaceToBatchND`, an
 * undilated 'valid' conv2d, `batchToSpaceND`). With dilation 1 it is plain `tf.conv2d`.
 *
 * `padding` is 'same' (TF), 'valid', or explicit [[top, bottom], [left, right]] zero padding.
 * Strides must be 1 when dilation > 1 (as in tf.conv2d).
 *
 * Input shape: x [n, h, w, in]; kernel [kh, kw, in, out]. Output shape: [n, h', w', out].
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, ops } from 'tfjs-synth';
 * await initBackend();
 * const y = ops.dilatedConv2d(tf.ones([1, 16, 16, 2]), tf.ones([3, 3, 2, 4]), [1, 1], 'same', [4, 4]); // [1, 16, 16, 4]
 * ```
 * @throws Error when x or kernel is not a rank-4 tensor, their channels disagree, strides,
 *   dilation or padding are malformed, or strides and dilation both exceed 1.
 */
export function dilatedConv2d(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  strides: [number, number],
  padding: 'same' | 'valid' | [[number, number], [number, number]],
  dilation: [number, number],
): tf.Tensor4D {
  const owner = 'dilatedConv2d';
  checkTensor(owner, 'x', x, 4, '[n, h, w, in]');
  checkTensor(owner, 'kernel', kernel, 4, '[kh, kw, in, out]');
  checkAxis(owner, 'kernel', kernel, 2, x.shape[3], "input channels (x's last axis)");
  strides = checkPair(owner, 'strides', strides, 1);
  const [dh, dw] = checkPair(owner, 'dilation', dilation, 1);
  if (Array.isArray(padding)) {
    const ok =
      padding.length === 2 &&
      padding.every((p) => Array.isArray(p) && p.length === 2 && p.every((v) => Number.isInteger(v) && v >= 0));
    if (!ok)
      throw checkError(owner, 'padding', "'same', 'valid' or [[top, bottom], [left, right]] of integers >= 0", padding);
  } else if (padding !== 'same' && padding !== 'valid') {
    throw checkError(owner, 'padding', "'same', 'valid' or [[top, bottom], [left, right]] of integers >= 0", padding);
  }
  if (dh === 1 && dw === 1) {
    if (Array.isArray(padding)) {
      const [[t, b], [l, r]] = padding;
      return tf.tidy(() =>
        tf.conv2d(
          t || b || l || r
            ? tf.pad(x, [
                [0, 0],
                [t, b],
                [l, r],
                [0, 0],
              ])
            : x,
          kernel,
          strides,
          'valid',
          'NHWC',
        ),
      );
    }
    return tf.conv2d(x, kernel, strides, padding, 'NHWC');
  }
  if (strides[0] !== 1 || strides[1] !== 1) {
    throw new Error(
      `dilatedConv2d: strides [${strides.join(', ')}] must be 1 when dilation [${dilation.join(', ')}] exceeds 1.`,
    );
  }
  const [, h, w] = x.shape;
  const [kh, kw] = kernel.shape;
  const effH = (kh - 1) * dh + 1;
  const effW = (kw - 1) * dw + 1;
  let pads: [[number, number], [number, number]];
  if (padding === 'same') {
    // TF 'SAME' at stride 1: total effK - 1, the extra pixel after.
    pads = [
      [Math.floor((effH - 1) / 2), Math.ceil((effH - 1) / 2)],
      [Math.floor((effW - 1) / 2), Math.ceil((effW - 1) / 2)],
    ];
  } else if (padding === 'valid') {
    pads = [
      [0, 0],
      [0, 0],
    ];
  } else {
    pads = padding;
  }
  const outH = h + pads[0][0] + pads[0][1] - effH + 1;
  const outW = w + pads[1][0] + pads[1][1] - effW + 1;
  const padsFit = pads[0].every((p) => p <= effH - 1) && pads[1].every((p) => p <= effW - 1);
  if (outH > 0 && outW > 0 && padsFit) return dilatedConvDirect(x, kernel, pads, [dh, dw]);
  return spaceToBatchConv(x, kernel, pads, [dh, dw]);
}

type Pads = [[number, number], [number, number]];

/** The Conv2DBackpropFilter kernel the current backend would run, if it honours `dilations`. */
function dilationAwareFilterGradient(): boolean {
  const k = tf.getKernel('Conv2DBackpropFilter', tf.getBackend());
  return k != null && DILATION_AWARE_FILTER_GRADIENTS.has(k.kernelFunc);
}

/**
 * The dilated convolution as the backend runs it (XNNPACK handles dilation natively on wasm),
 * with its gradient written out, since tfjs-core's conv2d gradient rejects dilation:
 * - dx: the convolution of dy with the kernel flipped and its channels swapped, same dilation,
 *   padded (eff - 1 - pad) on each side (stride 1, so nothing is inserted);
 * - dW: the backend's `Conv2DBackpropFilter` with `dilations` when it honours them (this
 *   library's wasm kernel); otherwise the convolution of x transposed to [in, h, w, n] by dy
 *   transposed to [oh, ow, n, out] with stride = dilation, which yields [in, kh, kw, out]:
 *   dW[i, j] = sum over n, oh, ow of x_padded[n, i d + oh, j d + ow] dy[n, oh, ow].
 */
function dilatedConvDirect(x: tf.Tensor4D, kernel: tf.Tensor4D, pads: Pads, dilation: [number, number]): tf.Tensor4D {
  const [kh, kw] = kernel.shape;
  const effH = (kh - 1) * dilation[0] + 1;
  const effW = (kw - 1) * dilation[1] + 1;
  const pad4: tf.backend_util.ExplicitPadding = [[0, 0], pads[0], pads[1], [0, 0]];
  const dxPad: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [effH - 1 - pads[0][0], effH - 1 - pads[0][1]],
    [effW - 1 - pads[1][0], effW - 1 - pads[1][1]],
    [0, 0],
  ];
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xv, kv, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xv, kv]);
    return {
      value: tf.conv2d(xv, kv, 1, pad4, 'NHWC', dilation),
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const g = dy as tf.Tensor4D;
        const [xs, ks] = saved as [tf.Tensor4D, tf.Tensor4D];
        const flipped = tf.transpose(tf.reverse(ks, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
        const dx = tf.conv2d(g, flipped, 1, dxPad, 'NHWC', dilation);
        let dk: tf.Tensor;
        if (dilationAwareFilterGradient()) {
          dk = tf.engine().runKernel('Conv2DBackpropFilter', { x: xs, dy: g }, {
            strides: [1, 1],
            pad: pad4,
            dataFormat: 'NHWC',
            filterShape: ks.shape,
            dilations: dilation,
          } as never) as tf.Tensor;
        } else {
          const z = tf.conv2d(
            tf.transpose(xs, [3, 1, 2, 0]) as tf.Tensor4D,
            tf.transpose(g, [1, 2, 0, 3]) as tf.Tensor4D,
            dilation,
            pad4,
          );
          dk = tf.transpose(z, [1, 2, 0, 3]);
        }
        return [dx, dk];
      },
    };
  });
  return conv(x, kernel) as tf.Tensor4D;
}

/**
 * TF's `with_space_to_batch`: `spaceToBatchND` by the rate, an undilated 'valid' conv2d, then
 * `batchToSpaceND`, all ops with gradients on every backend. Used where the direct route's
 * padding does not fit (explicit padding wider than the dilated kernel).
 */
function spaceToBatchConv(x: tf.Tensor4D, kernel: tf.Tensor4D, pads: Pads, [dh, dw]: [number, number]): tf.Tensor4D {
  const [, h, w] = x.shape;
  const hp = h + pads[0][0] + pads[0][1];
  const wp = w + pads[1][0] + pads[1][1];
  const extraH = (dh - (hp % dh)) % dh;
  const extraW = (dw - (wp % dw)) % dw;
  return tf.tidy(() => {
    const s2b = tf.spaceToBatchND(
      x,
      [dh, dw],
      [
        [pads[0][0], pads[0][1] + extraH],
        [pads[1][0], pads[1][1] + extraW],
      ],
    );
    const y = tf.conv2d(s2b as tf.Tensor4D, kernel, 1, 'valid', 'NHWC');
    return tf.batchToSpaceND(
      y,
      [dh, dw],
      [
        [0, extraH],
        [0, extraW],
      ],
    ) as tf.Tensor4D;
  });
}
