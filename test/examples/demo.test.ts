// `npm run demo`: argument parsing, the procedural pix2pix dataset, the SVG loss curve, and the
// two training parts run end to end with --quick settings (tiny models, 3 steps).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseDemoArgs, runDemo } from '../../examples/demo';
import { lossCurveSvg } from '../../examples/demo/loss-curve';
import { FULL_SETTINGS, QUICK_SETTINGS } from '../../examples/demo/settings';
import { drawShapePair } from '../../examples/demo/shapes-dataset';
import { mulberry32 } from '../../examples/seeded-random';
import { buildGenerator, decodeGenerator, encodeGeneratorWeights } from '../../examples/demo/inpainting-model';
import { readImage } from '../../src/node/index';
import { describeBackends } from '../harness/backends';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('demo arguments', () => {
  it('defaults to every part, demo-output, full settings and wasm', () => {
    const o = parseDemoArgs([]);
    expect(o.parts).toEqual([
      'patchmatch',
      'texture',
      'melding',
      'knn',
      'analogy',
      'transfer',
      'pix2pix',
      'inpainting',
    ]);
    expect(o.out).toBe(resolve('demo-output'));
    expect(o.settings).toBe(FULL_SETTINGS);
    expect(o.backend).toBe('wasm');
  });

  it('reads parts, --out, --backend and --quick in any order', () => {
    const o = parseDemoArgs(['--quick', 'inpainting', '--out', 'x/y', 'pix2pix', '--backend', 'cpu']);
    expect(o.parts).toEqual(['inpainting', 'pix2pix']);
    expect(o.out).toBe(resolve('x/y'));
    expect(o.settings).toBe(QUICK_SETTINGS);
    expect(o.backend).toBe('cpu');
  });

  it('rejects an unknown part with the list of valid parts', () => {
    expect(() => parseDemoArgs(['pix2pix', 'cyclegan'])).toThrow(
      'demo: unknown part(s) cyclegan; valid parts are patchmatch, texture, melding, knn, analogy, transfer, pix2pix, inpainting, gaugan.',
    );
    expect(() => parseDemoArgs(['toString'])).toThrow(/unknown part\(s\) toString/);
  });

  it('rejects unknown options, a missing --out folder and an unknown backend', () => {
    expect(() => parseDemoArgs(['--fast'])).toThrow(/unknown option --fast/);
    expect(() => parseDemoArgs(['--out'])).toThrow('demo: --out needs a value.');
    expect(() => parseDemoArgs(['--backend', 'webgl'])).toThrow(/unknown backend webgl; valid backends are wasm, cpu/);
  });
});

describe('demo pix2pix dataset', () => {
  it('draws the same pair for the same seed, values in [-1, 1]', () => {
    const a = drawShapePair(32, mulberry32(5));
    const b = drawShapePair(32, mulberry32(5));
    expect(a.edges).toEqual(b.edges);
    expect(a.filled).toEqual(b.filled);
    expect(Math.min(...a.filled)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...a.filled)).toBeLessThanOrEqual(1);
  });

  it('draws an edge exactly where the filled colour changes to the right or below', () => {
    const size = 48;
    for (let seed = 1; seed <= 5; seed++) {
      const { edges, filled } = drawShapePair(size, mulberry32(seed));
      const colour = (x: number, y: number) =>
        Array.from(filled.subarray(3 * (y * size + x), 3 * (y * size + x) + 3)).join();
      let edgeCount = 0;
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const changes =
            (x + 1 < size && colour(x + 1, y) !== colour(x, y)) || (y + 1 < size && colour(x, y + 1) !== colour(x, y));
          const isEdge = edges[3 * (y * size + x)] === -1;
          // Same-colour neighbours can still be two different shapes of one kind, so only check one way.
          if (changes) expect(isEdge).toBe(true);
          if (isEdge) edgeCount++;
        }
      }
      expect(edgeCount).toBeGreaterThan(10);
    }
  });
});

describe('demo loss curve', () => {
  it('draws one line and one legend entry per series, with the last smoothed value', () => {
    const svg = lossCurveSvg(
      [
        { name: 'lossD', values: [1, 0.5, 0.25], color: '#d62728' },
        { name: 'lossG', values: [80, 40, 20], color: '#1f77b4' },
      ],
      { title: 't', smooth: 3, logY: true },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('lossD (last 0.375)');
    expect(svg).toContain('lossG (last 30)');
    // Smoothed line plus faint raw line for each series.
    expect(svg.match(/<path /g)).toHaveLength(4);
  });

  it('rejects an empty series', () => {
    expect(() => lossCurveSvg([{ name: 'x', values: [], color: 'red' }])).toThrow(/lossCurveSvg: series/);
  });
});

describeBackends('demo --quick training parts', (backend) => {
  it('trains pix2pix and inpainting for 3 steps and writes their charts and grids, without leaking tensors', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    const out = join(dir, backend);
    try {
      await runDemo(['pix2pix', '--quick', '--out', out, '--backend', backend]); // warm-up: initialises the backend
      const before = tf.memory().numTensors;
      const files = await runDemo(['pix2pix', 'inpainting', '--quick', '--out', out, '--backend', backend]);
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.getBackend()).toBe(backend);
      expect(files.map((f) => f.slice(out.length + 1))).toEqual([
        'pix2pix-loss.svg',
        'pix2pix-grid.png',
        'inpainting-loss.svg',
        'inpainting-grid.png',
        'inpainting-generator.json',
        'inpainting-generator.bin',
      ]);
      // 2 held-out rows x 3 columns (pix2pix) and 4 columns (inpainting) of 32x32 images, 4 px padding.
      for (const [name, columns] of [
        ['pix2pix-grid.png', 3],
        ['inpainting-grid.png', 4],
      ] as const) {
        const grid = await readImage(join(out, name));
        expect([grid.width, grid.height]).toEqual([columns * 32 + (columns + 1) * 4, 2 * 32 + 3 * 4]);
      }
      const chart = await readFile(join(out, 'pix2pix-loss.svg'), 'utf8');
      for (const series of ['lossD', 'lossG', 'lossGL1']) expect(chart).toContain(`>${series} (last `);
      // The saved generator loads back into a fresh model (what the browser demo does).
      const bin = await readFile(join(out, 'inpainting-generator.bin'));
      const header = await readFile(join(out, 'inpainting-generator.json'), 'utf8');
      const { generator, header: parsed } = decodeGenerator(
        header,
        bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer,
      );
      expect(parsed.settings).toEqual({ size: 32, cnum: 4, steps: 3, guide: true });
      expect(generator.inputs).toHaveLength(3); // image, mask, guide
      expect(generator.countParams()).toBeGreaterThan(0);
      generator.dispose();
      const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(printed).toMatch(
        /after 3 steps .* the L1 error on 2 held-out pairs (fell|went) from \d\.\d{3} to \d\.\d{3}/,
      );
      expect(printed).toMatch(
        /L1 error inside the holes of 2 held-out crops (fell|went) from \d\.\d{3} to \d\.\d{3} with their true edges as guide .* from \d\.\d{3} to \d\.\d{3} with an empty guide/,
      );
      expect(printed).toMatch(
        /The true edges (lower|do not lower) the trained network's hole L1: \d\.\d{3} with them, \d\.\d{3} without/,
      );
    } finally {
      log.mockRestore();
    }
  });
});

// The GauGAN example: SPADE on synthetic sky / grass / water label maps (examples/demo/gaugan-part.ts).
describeBackends(
  'demo --quick gaugan part',
  (backend) => {
    it('trains GauGAN for 3 steps on synthetic label maps and writes its chart and label | output | target grid, without leaking tensors', async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      const out = join(dir, `gaugan-${backend}`);
      try {
        const before = tf.memory().numTensors;
        const files = await runDemo(['gaugan', '--quick', '--out', out, '--backend', backend]);
        expect(tf.memory().numTensors).toBe(before);
        expect(files.map((f) => f.slice(out.length + 1))).toEqual(['gaugan-loss.svg', 'gaugan-grid.png']);
        // 2 held-out rows x (label map, output, target) of 32x32 images, 4 px padding.
        const grid = await readImage(join(out, 'gaugan-grid.png'));
        expect([grid.width, grid.height]).toEqual([3 * 32 + 4 * 4, 2 * 32 + 3 * 4]);
        const chart = await readFile(join(out, 'gaugan-loss.svg'), 'utf8');
        for (const series of ['lossD', 'lossGGan', 'lossGFeat']) expect(chart).toContain(`>${series} (last `);
        const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
        expect(printed).toMatch(/after 3 steps .* on 2 held-out scenes (fell|went) from \d\.\d{3} to \d\.\d{3}/);
      } finally {
        log.mockRestore();
      }
    });
  },
  ['wasm'],
);

describeBackends('demo inpainting weights file', () => {
  it('round-trips a generator exactly and rejects a truncated or foreign file without leaking', async () => {
    const settings = QUICK_SETTINGS.inpainting;
    const generator = buildGenerator(settings);
    const { header, data } = await encodeGeneratorWeights(generator, settings);
    const before = tf.memory().numTensors;
    const { generator: copy } = decodeGenerator(header, data.slice().buffer);
    const [a, b] = [generator.getWeights(), copy.getWeights()];
    expect(b).toHaveLength(a.length);
    for (let i = 0; i < a.length; i++) expect(await b[i]!.data()).toEqual(await a[i]!.data());
    copy.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => decodeGenerator(header, data.slice(0, data.length - 4).buffer)).toThrow(
      /has \d+ bytes, its header needs \d+/,
    );
    expect(() => decodeGenerator('{"format":"x"}', data.slice().buffer)).toThrow(
      'not a demo inpainting weights header',
    );
    expect(tf.memory().numTensors).toBe(before);
    generator.dispose();
  });
});
