/**
 * Every layer class the library exports, public or internal, is registered by registerLayers():
 * a saved model holding it must load. The test imports every module of src/ (patchmatch has no
 * tfjs) and walks the public API, so a new layer class that is not in src/register.ts fails here.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import * as api from '../src/index';
import { layerClasses, registerLayers } from '../src/register';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Abstract bases: layer classes that are never serialized themselves (no own `className`). */
const BASES = ['ConvLayer', 'ChannelNormalization'];

type LayerClass = (new (...args: never[]) => tfl.layers.Layer) & { className?: string };

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (relative(SRC, p) !== 'patchmatch') walk(p, out);
    } else if (p.endsWith('.ts')) {
      out.push(p);
    }
  }
  return out;
}

function isLayerClass(value: unknown): value is LayerClass {
  return typeof value === 'function' && value.prototype instanceof tfl.layers.Layer;
}

/** A module namespace object (`export * as layers from ...`). */
function isNamespace(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  return (
    Object.getPrototypeOf(value) === null ||
    (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag] === 'Module'
  );
}

/** Layer classes among a module's exports, namespaces (`layers`, `models`, ...) expanded. */
function collect(exports: Record<string, unknown>, out: Map<LayerClass, string>, where: string, depth = 0): void {
  for (const [name, value] of Object.entries(exports)) {
    if (isLayerClass(value)) {
      if (!out.has(value)) out.set(value, `${where}: ${name}`);
    } else if (depth < 2 && isNamespace(value)) {
      collect(value, out, `${where}.${name}`, depth + 1);
    }
  }
}

describe('layer registration', () => {
  const found = new Map<LayerClass, string>();

  beforeAll(async () => {
    registerLayers();
    collect(api as unknown as Record<string, unknown>, found, 'tfjs-synth');
    for (const file of walk(SRC)) {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      collect(mod, found, relative(SRC, file).split(sep).join('/'));
    }
  });

  it('finds the public and the internal layer classes', () => {
    const names = [...found.keys()].map((c) => c.name);
    // The public namespaces and the helper layers under layers/internal/ are both walked.
    expect(names).toEqual(
      expect.arrayContaining(['GatedConv2D', 'SpectralNormalization', 'Crop2D', 'SpatialSizeCheck']),
    );
    expect([...found.values()].some((w) => w.startsWith('tfjs-synth.layers:'))).toBe(true);
  });

  it('every exported layer class with a className is registered under it', () => {
    const { classNameMap } = tf.serialization.SerializationMap.getMap();
    const missing: string[] = [];
    for (const [cls, where] of found) {
      if (!Object.hasOwn(cls, 'className')) {
        if (!BASES.includes(cls.name)) missing.push(`${where} (${cls.name}) has no static className`);
        continue;
      }
      if ((classNameMap[cls.className!]?.[0] as unknown) !== cls)
        missing.push(`${where} (${cls.className}) is not registered`);
    }
    expect(missing, 'add the class to layerClasses in src/register.ts').toEqual([]);
  });

  it('registers nothing that is not exported, and each class once', () => {
    const names = layerClasses.map((c) => (c as unknown as LayerClass).className);
    expect(new Set(names).size).toBe(names.length);
    for (const cls of layerClasses)
      expect(found.has(cls as unknown as LayerClass), String((cls as { className?: string }).className)).toBe(true);
  });
});
