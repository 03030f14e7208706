// The TypeScript view of the WebAssembly exports (PatchMatchExports in wasm-kernel.ts) is written
// by hand; this test holds it to the AssemblyScript source and to the compiled module: the same
// functions, the same parameters in the same order, number types for every wasm scalar.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { compilePatchMatchModule } from '../../src/patchmatch/wasm-kernel.js';

const dir = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/patchmatch');

interface Signature {
  readonly params: string[];
  readonly returns: string;
}

/** `export function name(a: T, ...): R` of the AssemblyScript source, with wasm types mapped to TypeScript's. */
function assemblyExports(): Map<string, Signature> {
  const text = readFileSync(join(dir, 'assembly/patchmatch.ts'), 'utf8');
  const scalar = (t: string) => {
    if (t === 'void') return 'void';
    if (/^(i32|u32|usize|isize|f64|f32|bool|u8|i8|u16|i16)$/.test(t)) return 'number';
    throw new Error(`unexpected wasm type ${t}`);
  };
  const out = new Map<string, Signature>();
  for (const m of text.matchAll(/^export function (\w+)\(([\s\S]*?)\):\s*(\w+)\s*\{/gm)) {
    const params = m[2]!
      .split(',')
      .map((p) => p.trim())
      .filter((p) => p !== '');
    out.set(m[1]!, {
      params: params.map((p) => {
        const [name, type] = p.split(':').map((x) => x.trim());
        scalar(type!);
        return name!;
      }),
      returns: scalar(m[3]!),
    });
  }
  return out;
}

/** The methods of `interface PatchMatchExports` in wasm-kernel.ts, with their parameter names and types. */
function declaredExports(): { methods: Map<string, Signature>; types: string[] } {
  const file = join(dir, 'wasm-kernel.ts');
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const methods = new Map<string, Signature>();
  const types: string[] = [];
  source.forEachChild((node) => {
    if (!ts.isInterfaceDeclaration(node) || node.name.text !== 'PatchMatchExports') return;
    for (const member of node.members) {
      if (!ts.isMethodSignature(member)) continue;
      for (const p of member.parameters) types.push(p.type?.getText(source) ?? 'implicit');
      methods.set(member.name.getText(source), {
        params: member.parameters.map((p) => p.name.getText(source)),
        returns: member.type?.getText(source) ?? 'implicit',
      });
    }
  });
  return { methods, types };
}

describe('PatchMatch WebAssembly exports', () => {
  it('are declared in TypeScript exactly as the AssemblyScript source defines them', () => {
    const assembly = assemblyExports();
    const { methods, types } = declaredExports();
    expect(assembly.size).toBeGreaterThanOrEqual(5);
    expect([...methods.keys()].sort()).toEqual([...assembly.keys()].sort());
    for (const [name, sig] of assembly) expect(methods.get(name), name).toEqual(sig);
    expect(new Set(types)).toEqual(new Set(['number']));
  });

  it('match the compiled module: every function exported, with its parameter count', async () => {
    const instance = await WebAssembly.instantiate(await compilePatchMatchModule(), {});
    const exported = instance.exports as Record<string, unknown>;
    expect(exported.memory).toBeInstanceOf(WebAssembly.Memory);
    for (const [name, sig] of assemblyExports()) {
      expect(typeof exported[name], name).toBe('function');
      expect((exported[name] as (...args: number[]) => unknown).length, name).toBe(sig.params.length);
    }
    const functions = Object.keys(exported).filter((k) => typeof exported[k] === 'function');
    expect(functions.sort()).toEqual([...assemblyExports().keys()].sort());
  });
});
