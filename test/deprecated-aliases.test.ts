/**
 * Renamed public names keep a `@deprecated` alias for one minor version. Each alias must be the
 * same function (or type) as its new name, exported from the same place as before, so the two
 * cannot drift apart; and every `@deprecated` export of the three entry points must be listed
 * here, so an alias cannot be added (or forgotten) without this check.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import * as api from '../src/index';
import * as node from '../src/node/index';
import type * as patchmatch from '../src/patchmatch/index';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Deprecated value aliases: [where, old name, the old export, the new export]. */
const VALUE_ALIASES: readonly (readonly [string, string, unknown, unknown])[] = [
  ['tfjs-synth', 'gatedDeconv2d', api.gatedDeconv2d, api.gatedUpsample2d],
  ['tfjs-synth', 'layers.gatedDeconv2d', api.layers.gatedDeconv2d, api.layers.gatedUpsample2d],
  ['tfjs-synth', 'adaIN', api.adaIN, api.adain],
  ['tfjs-synth', 'layers.adaIN', api.layers.adaIN, api.layers.adain],
  ['tfjs-synth', 'ops.contextualAttention', api.ops.contextualAttention, api.ops.contextualPatchAttention],
];

/** Deprecated type aliases (checked by the type checker below and by `tsc`). */
const TYPE_ALIASES: readonly (readonly [string, string])[] = [
  ['tfjs-synth', 'ops.ContextualAttentionOptions'],
  ['tfjs-synth/node', 'ImageRGBA'],
  ['tfjs-synth/node', 'ImageRGBALike'],
];

describe('deprecated aliases', () => {
  it.each(VALUE_ALIASES.map(([where, name, old, now]) => ({ where, name, old, now })))(
    '$where $name is the same function as its new name',
    ({ old, now }) => {
      expect(typeof now).toBe('function');
      expect(old).toBe(now);
    },
  );

  it('the op and the layer factory have distinct names', () => {
    expect(api.ops.contextualPatchAttention).not.toBe(api.contextualAttention);
    expect(api.contextualAttention).toBe(api.layers.contextualAttention);
  });

  it('the deprecated types are the new types', () => {
    expectTypeOf<api.ops.ContextualAttentionOptions>().toEqualTypeOf<api.ops.ContextualPatchAttentionOptions>();
    expectTypeOf<node.ImageRGBA>().toEqualTypeOf<node.RgbaImage<Uint8Array>>();
    expectTypeOf<node.ImageRGBALike>().toEqualTypeOf<node.RgbaImage>();
    // One RGBA image type for both entry points.
    expectTypeOf<patchmatch.RgbaImage>().toEqualTypeOf<node.RgbaImage>();
    // Runtime anchor: the node functions still take and return the same images.
    const image: node.RgbaImage<Uint8Array> = { width: 1, height: 1, data: new Uint8Array([1, 2, 3, 255]) };
    expect(node.resizeImage(image, 1, 1).data).toEqual(image.data);
  });

  it('every @deprecated export of the entry points is listed above', () => {
    const entries: Record<string, string> = {
      'tfjs-synth': join(ROOT, 'src', 'index.ts'),
      'tfjs-synth/patchmatch': join(ROOT, 'src', 'patchmatch', 'index.ts'),
      'tfjs-synth/node': join(ROOT, 'src', 'node', 'index.ts'),
    };
    const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
    const options = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT).options;
    const program = ts.createProgram(Object.values(entries), { ...options, noEmit: true });
    const checker = program.getTypeChecker();
    const found: string[] = [];
    const visit = (where: string, moduleSymbol: ts.Symbol, prefix: string): void => {
      for (const exp of checker.getExportsOfModule(moduleSymbol)) {
        const sym = exp.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exp) : exp;
        const name = `${prefix}${exp.getName()}`;
        if (sym.flags & ts.SymbolFlags.ValueModule) {
          visit(where, sym, `${name}.`);
          continue;
        }
        if (sym.declarations?.some((d) => ts.getJSDocDeprecatedTag(d) !== undefined)) found.push(`${where} ${name}`);
      }
    };
    for (const [where, file] of Object.entries(entries)) {
      const sym = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
      visit(where, sym, '');
    }
    const listed = [...VALUE_ALIASES.map(([w, n]) => `${w} ${n}`), ...TYPE_ALIASES.map(([w, n]) => `${w} ${n}`)];
    expect(found.sort()).toEqual(listed.sort());
  }, 60_000);
});
