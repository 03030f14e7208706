// The notebooks in examples/notebooks: every code cell type-checks against the library (cells
// joined in order, as a kernel session sees them), they import the package by name, every notebook
// carries image outputs at a readable size, and a rebuild reproduces the stored outputs.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it, vi } from 'vitest';
import { joinCodeCells, notebookText, runNotebook } from '../../examples/notebooks/build-notebooks';
import { PNG } from 'pngjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NOTEBOOKS = join(ROOT, 'examples/notebooks');
const files = readdirSync(NOTEBOOKS)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

function compilerOptions(): ts.CompilerOptions {
  const configPath = join(ROOT, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  return { ...ts.parseJsonConfigFileContent(config, ts.sys, ROOT).options, noEmit: true };
}

/** The virtual path of a notebook's joined cells: a file in examples/notebooks, so relative imports resolve from there. */
const virtualPath = (name: string) => join(NOTEBOOKS, `__cells_${name.replace(/\W/g, '_')}.ts`);

/**
 * Type-checks several sources (name -> joined cells) in one program, so the library is checked
 * once; returns the diagnostics of each source.
 */
function typeCheck(sources: Record<string, string>): Record<string, string[]> {
  const options = compilerOptions();
  const byPath = new Map(Object.entries(sources).map(([name, text]) => [virtualPath(name), text]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (file, lang, ...rest) => {
    const text = byPath.get(resolve(file));
    return text !== undefined ? ts.createSourceFile(file, text, lang) : getSourceFile.call(host, file, lang, ...rest);
  };
  host.fileExists = (file) => byPath.has(resolve(file)) || fileExists.call(host, file);
  host.readFile = (file) => byPath.get(resolve(file)) ?? readFile.call(host, file);
  const program = ts.createProgram([...byPath.keys()], options, host);
  const format = (d: ts.Diagnostic) => {
    const where =
      d.file && d.start !== undefined ? `line ${d.file.getLineAndCharacterOfPosition(d.start).line + 1}: ` : '';
    return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
  };
  const global = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()].map(format);
  return Object.fromEntries(
    Object.keys(sources).map((name) => {
      const file = program.getSourceFile(virtualPath(name))!;
      return [
        name,
        [...global, ...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)].map((d) =>
          typeof d === 'string' ? d : format(d),
        ),
      ];
    }),
  );
}

const BROKEN = {
  cells: [
    { cell_type: 'code', source: "import { models } from '../../src/index';\nmodels.noSuchModel();\n", metadata: {} },
  ],
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
};

let diagnostics: Record<string, string[]> | undefined;
/** Diagnostics of every notebook and of a deliberately broken one, computed once. */
function allDiagnostics(): Record<string, string[]> {
  diagnostics ??= typeCheck({
    ...Object.fromEntries(
      files.map((f) => [f, joinCodeCells(JSON.parse(readFileSync(join(NOTEBOOKS, f), 'utf8')), './tslab-stand-in')]),
    ),
    broken: joinCodeCells(BROKEN as never, './tslab-stand-in'),
  });
  return diagnostics;
}

describe('examples/notebooks', () => {
  it('has at least two notebooks', () => {
    expect(files.length).toBeGreaterThanOrEqual(2);
  });

  for (const file of files) {
    const notebook = JSON.parse(readFileSync(join(NOTEBOOKS, file), 'utf8'));

    it(`${file}: nbformat 4 for the tslab TypeScript kernel`, () => {
      expect(notebook.nbformat).toBe(4);
      expect(notebook.metadata.kernelspec).toEqual({
        name: 'tslab',
        language: 'typescript',
        display_name: 'TypeScript',
      });
    });

    it(`${file}: the code cells type-check in order`, () => {
      const source = joinCodeCells(notebook, './tslab-stand-in');
      expect(source).toContain("from './tslab-stand-in'");
      expect(allDiagnostics()[file]).toEqual([]);
    });

    it(`${file}: has image outputs`, () => {
      const images = notebook.cells
        .flatMap((c: { outputs?: { output_type: string; data?: Record<string, unknown> }[] }) => c.outputs ?? [])
        .filter(
          (o: { output_type: string; data?: Record<string, unknown> }) =>
            o.output_type === 'display_data' && typeof o.data?.['image/png'] === 'string',
        );
      expect(images.length).toBeGreaterThanOrEqual(1);
      // Real PNG bytes, not a placeholder, and large enough to read (no thumbnails).
      for (const o of images) {
        const png = PNG.sync.read(Buffer.from(o.data['image/png'], 'base64'));
        expect(Math.max(png.width, png.height), file).toBeGreaterThanOrEqual(200);
      }
    });

    it(`${file}: imports the package by name (tfjs-synth, tfjs-synth/node, tfjs-synth/patchmatch), never a relative path`, () => {
      const code = notebook.cells
        .filter((c: { cell_type: string }) => c.cell_type === 'code')
        .map((c: { source: string[] | string }) => [c.source].flat().join(''))
        .join('\n');
      const sources = [...code.matchAll(/from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
      expect(sources.some((s) => s.startsWith('tfjs-synth'))).toBe(true);
      expect(sources.filter((s) => s.startsWith('.'))).toEqual([]);
    });

    it(`${file}: a rebuild reproduces the stored outputs exactly (seeded, no timings)`, async () => {
      const log = vi.spyOn(console, 'log').mockImplementation(() => {});
      try {
        const rebuilt = await runNotebook(join(NOTEBOOKS, file));
        expect(notebookText(rebuilt)).toBe(readFileSync(join(NOTEBOOKS, file), 'utf8'));
      } finally {
        log.mockRestore();
      }
    });
  }

  it('the type check catches a broken cell', () => {
    expect(allDiagnostics()['broken']!.join('\n')).toContain('noSuchModel');
  });
});
