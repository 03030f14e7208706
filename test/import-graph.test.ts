/**
 * The floors of src/: every relative import runs downward, along one table. A folder is a floor;
 * the two root files are floors of their own (`register`: the composition root that lists the
 * layer classes; `index`: the public API). Imports inside a floor are always allowed.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/**
 * What each floor may import, bottom floor first. Each floor names only floors above it in this
 * table, so the table itself runs downward (checked below).
 */
const FLOORS: readonly (readonly [floor: string, mayImport: readonly string[]])[] = [
  // Imports nothing at all, not even a package: every entry point (patchmatch too) may use it.
  ['core', []],
  ['ops', ['core']],
  ['layers', ['core', 'ops']],
  // registerLayers() and the list of every layer class.
  ['register', ['core', 'layers']],
  ['models', ['core', 'ops', 'layers']],
  ['losses', ['core', 'ops', 'layers', 'models']],
  // Image-quality and distribution metrics (LPIPS builds its networks from layers).
  ['metrics', ['core', 'ops', 'layers', 'models']],
  // Works on layer class names and core/torch-layout.ts; imports no layer.
  ['io', ['core']],
  ['training', ['core', 'ops', 'layers', 'models', 'losses']],
  // initBackend() registers the layers.
  ['backend', ['core', 'register']],
  ['index', ['core', 'ops', 'layers', 'register', 'models', 'losses', 'metrics', 'io', 'training', 'backend']],
  ['node', ['core', 'ops', 'layers', 'register', 'models', 'losses', 'metrics', 'io', 'training', 'backend']],
  // tfjs-synth/patchmatch: no tfjs (see test/patchmatch/import-graph.test.ts).
  ['patchmatch', ['core']],
];

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

/** The floor of a file or folder under src/: its top folder, or the root file's name. */
function floorOf(path: string): string {
  return relative(SRC, path).split(sep)[0]!.replace(/\.ts$/, '');
}

/** Every import specifier of a file (comments, which hold doc examples, are not imports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '');
  const re =
    /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  return [...text.matchAll(re)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The floor a relative specifier lands on. */
function targetFloor(file: string, spec: string): string {
  const target = resolve(dirname(file), spec.replace(/\.js$/, ''));
  return floorOf(existsSync(`${target}.ts`) ? `${target}.ts` : target);
}

describe('import floors of src/', () => {
  const files = walk(SRC).filter((f) => !f.includes(`${sep}generated${sep}`));
  const allowed = new Map(FLOORS.map(([floor, may]) => [floor, new Set(may)]));

  it('the table runs downward and names every floor of src/', () => {
    FLOORS.forEach(([floor, may], i) => {
      const below = FLOORS.slice(0, i).map(([f]) => f);
      for (const f of may) expect(below, `${floor} may import ${f}, which is not below it`).toContain(f);
    });
    const present = [...new Set(files.map(floorOf))].sort();
    expect(present).toEqual(FLOORS.map(([f]) => f).sort());
  });

  it('every relative import goes to its own floor or one the table allows', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = floorOf(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const to = targetFloor(file, spec);
        if (to !== from && !allowed.get(from)!.has(to))
          wrong.push(`${relative(SRC, file)}: ${spec} (${from} -> ${to})`);
      }
    }
    expect(files.length).toBeGreaterThan(100);
    expect(wrong).toEqual([]);
  });

  it('src/core imports nothing, not even a package', () => {
    const core = files.filter((f) => floorOf(f) === 'core');
    expect(core.length).toBeGreaterThan(0);
    const found = core.flatMap((f) =>
      importsOf(f)
        .filter((s) => !s.startsWith('./'))
        .map((s) => `${relative(SRC, f)}: ${s}`),
    );
    expect(found).toEqual([]);
  });

  it('finds imports the way the checks above read them', () => {
    // Guards the reader: a regex that found nothing would let every check pass.
    expect(importsOf(join(SRC, 'register.ts'))).toContain('./layers/internal/crop2d');
    expect(targetFloor(join(SRC, 'training', 'pix2pix-trainer.ts'), '../losses')).toBe('losses');
    expect(targetFloor(join(SRC, 'backend', 'init-backend.ts'), '../register')).toBe('register');
  });
});
