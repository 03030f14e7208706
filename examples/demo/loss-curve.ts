import { writeFile } from 'node:fs/promises';

/** One line of a {@link lossCurveSvg} chart. */
export interface LossSeries {
  name: string;
  values: readonly number[];
  /** CSS colour of the line. */
  color: string;
}

/** Options of {@link lossCurveSvg}. */
export interface LossCurveOptions {
  title?: string;
  /** Pixel size of the whole picture. Default 640 x 360. */
  width?: number;
  height?: number;
  /** Plot each series smoothed by a centred moving average of this many steps (raw values stay as a faint line). Default 1 (no smoothing). */
  smooth?: number;
  /** Logarithmic y axis, for losses of different magnitudes (e.g. pix2pix's lossG ~ 100 x lossGL1). Default false. */
  logY?: boolean;
}

function movingAverage(values: readonly number[], window: number): number[] {
  if (window <= 1) return [...values];
  const half = Math.floor(window / 2);
  return values.map((_, i) => {
    const lo = Math.max(0, i - half);
    const hi = Math.min(values.length, i + half + 1);
    let s = 0;
    for (let j = lo; j < hi; j++) s += values[j]!;
    return s / (hi - lo);
  });
}

/** 1, 2, 5 x 10^k tick spacing giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  const raw = span / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

const fmt = (v: number): string => (Math.abs(v) >= 100 || v === 0 ? v.toFixed(0) : Number(v.toPrecision(3)).toString());

/**
 * A small self-contained SVG line chart of per-step losses: one line per series on a shared
 * y axis (linear from 0, or logarithmic), steps on x, a legend with each series' last smoothed value.
 *
 * Input: series of equal length (one value per training step). Output: the SVG text.
 *
 * @example
 * ```ts
 * const svg = lossCurveSvg([{ name: 'lossD', values: [0.7, 0.6, 0.65], color: '#d62728' }], { title: 'pix2pix' });
 * ```
 */
export function lossCurveSvg(series: readonly LossSeries[], options: LossCurveOptions = {}): string {
  if (series.length === 0 || series.some((s) => s.values.length === 0)) {
    throw new Error('lossCurveSvg: series must be a non-empty list of non-empty value lists.');
  }
  const width = options.width ?? 640;
  const height = options.height ?? 360;
  const smooth = options.smooth ?? 1;
  const [left, right, top, bottom] = [56, 16, options.title ? 34 : 14, 58];
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const steps = Math.max(...series.map((s) => s.values.length));
  const finite = series.flatMap((s) => s.values.filter(Number.isFinite));
  const logY = options.logY ?? false;
  const positive = finite.filter((v) => v > 0);
  const yMax = Math.max(1e-6, ...finite);
  const yStep = niceStep(yMax, 5);
  const yTop = Math.ceil(yMax / yStep) * yStep;
  // Log axis: whole decades around the positive values.
  const d0 = Math.floor(Math.log10(Math.max(1e-6, Math.min(...(positive.length ? positive : [1e-6])))));
  const d1 = Math.max(d0 + 1, Math.ceil(Math.log10(Math.max(1e-6, ...positive))));
  const xStep = Math.max(1, Math.round(niceStep(Math.max(1, steps - 1), 6)));
  const x = (i: number) => left + (steps <= 1 ? 0 : (i / (steps - 1)) * plotW);
  const y = (v: number) =>
    logY
      ? top + plotH - ((Math.min(Math.max(Math.log10(Math.max(v, 10 ** d0)), d0), d1) - d0) / (d1 - d0)) * plotH
      : top + plotH - (Math.min(Math.max(v, 0), yTop) / yTop) * plotH;
  const yTicks: number[] = [];
  if (logY) {
    // 1-2-5 ticks over up to two decades; only powers of ten over more (the labels would overlap).
    const mantissas = d1 - d0 > 2 ? [1] : [1, 2, 5];
    for (let d = d0; d <= d1; d++) for (const m of mantissas) if (d < d1 || m === 1) yTicks.push(m * 10 ** d);
  } else {
    for (let v = 0; v <= yTop + 1e-9; v += yStep) yTicks.push(v);
  }
  const path = (values: readonly number[]) =>
    values
      .map((v, i) => (Number.isFinite(v) ? `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(v).toFixed(1)}` : ''))
      .join('');
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  if (options.title)
    out.push(`<text x="${width / 2}" y="20" text-anchor="middle" font-size="14">${options.title}</text>`);
  for (const v of yTicks) {
    out.push(
      `<line x1="${left}" x2="${left + plotW}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e4e4e4"/>`,
    );
    out.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#444">${fmt(v)}</text>`);
  }
  for (let i = 0; i <= steps - 1; i += xStep) {
    out.push(`<text x="${x(i).toFixed(1)}" y="${top + plotH + 16}" text-anchor="middle" fill="#444">${i + 1}</text>`);
  }
  out.push(`<text x="${left + plotW / 2}" y="${top + plotH + 32}" text-anchor="middle" fill="#444">step</text>`);
  out.push(`<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#888"/>`);
  series.forEach((s, k) => {
    const smoothed = movingAverage(s.values, smooth);
    if (smooth > 1)
      out.push(`<path d="${path(s.values)}" fill="none" stroke="${s.color}" stroke-opacity="0.25" stroke-width="1"/>`);
    out.push(`<path d="${path(smoothed)}" fill="none" stroke="${s.color}" stroke-width="1.8"/>`);
    // Legend in one row under the axis, so it never hides a line.
    const ly = height - 8;
    const lx = left + (k * plotW) / series.length;
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5"/>`);
    out.push(
      `<text x="${lx + 28}" y="${ly}" fill="#222">${s.name} (last ${fmt(smoothed[smoothed.length - 1]!)})</text>`,
    );
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Writes {@link lossCurveSvg} to a file. */
export async function writeLossCurve(
  path: string,
  series: readonly LossSeries[],
  options: LossCurveOptions = {},
): Promise<void> {
  await writeFile(path, lossCurveSvg(series, options));
}
