/**
 * Executes the notebooks of this folder in Node and writes their outputs back into the .ipynb
 * files, so they show images on GitHub and nbviewer without a Jupyter installation.
 *
 *   npx tsx examples/notebooks/build-notebooks.ts              # every *.ipynb here
 *   npx tsx examples/notebooks/build-notebooks.ts patchmatch.ipynb
 *
 * The notebooks target the tslab TypeScript kernel. Here each notebook's code cells are joined
 * in order into one temporary module (so later cells see earlier declarations, as in a kernel
 * session), `from 'tslab'` is pointed at ./tslab-stand-in.ts, the package's entry points
 * (`from 'tfjs-synth'`, `'tfjs-synth/node'`, `'tfjs-synth/patchmatch'`) at their sources in this
 * repository (the code the package is built from, so no build is needed), and a marker before each cell
 * routes `console.log` text (the working directory is this folder, as for a kernel started here) and `tslab.display.png` images into that cell's outputs
 * (`stream` and `display_data` with `image/png`).
 *
 * The notebooks are seeded and print no timings, so a rebuild reproduces their outputs;
 * `--check` rebuilds in memory and exits 1 if any output differs from the stored one.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { setDisplaySink } from './tslab-stand-in';

const HERE = dirname(fileURLToPath(import.meta.url));

export interface Output {
  output_type: 'stream' | 'display_data';
  name?: 'stdout';
  text?: string[];
  data?: Record<string, string | string[]>;
  metadata?: Record<string, unknown>;
}

export interface Cell {
  cell_type: 'code' | 'markdown';
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
}

export interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Cell source as one string (nbformat allows a string or a list of lines). */
export function cellSource(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** The package's entry points, relative to this folder (where the joined module lives). */
export const PACKAGE_SOURCES: Record<string, string> = {
  'tfjs-synth': '../../src/index',
  'tfjs-synth/node': '../../src/node/index',
  'tfjs-synth/patchmatch': '../../src/patchmatch/index',
};

/**
 * The code cells of a notebook joined into one module, `tslab` imports redirected to `tslabPath`
 * and the package's entry points to {@link PACKAGE_SOURCES}.
 */
export function joinCodeCells(notebook: Notebook, tslabPath: string, marker?: (index: number) => string): string {
  const redirect = (code: string) =>
    code
      .replace(/from\s+['"]tslab['"]/g, `from '${tslabPath}'`)
      .replace(/from\s+['"](tfjs-synth(?:\/[\w-]+)?)['"]/g, (all, name: string) =>
        PACKAGE_SOURCES[name] ? `from '${PACKAGE_SOURCES[name]}'` : all,
      );
  return notebook.cells
    .map((cell, i) => (cell.cell_type === 'code' ? `${marker ? marker(i) : ''}\n${redirect(cellSource(cell))}\n` : ''))
    .join('');
}

/** Splits text into nbformat's list of lines (each but the last keeping its newline). */
function lines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

/**
 * Runs a notebook's code cells and returns it with fresh outputs and execution counts (the file
 * itself is not changed).
 *
 * @example
 * ```ts
 * const rebuilt = await runNotebook('examples/notebooks/patchmatch.ipynb');
 * ```
 */
export async function runNotebook(file: string): Promise<Notebook> {
  const notebook = JSON.parse(await readFile(file, 'utf8')) as Notebook;
  const outputs = new Map<number, Output[]>();
  let current = -1;
  const push = (o: Output) => {
    const list = outputs.get(current) ?? [];
    // Consecutive prints of one cell go into one stream output, as Jupyter shows them.
    const last = list[list.length - 1];
    if (o.output_type === 'stream' && last?.output_type === 'stream')
      last.text = lines(last.text!.join('') + o.text!.join(''));
    else list.push(o);
    outputs.set(current, list);
  };
  const hook = Symbol.for('tfjs-synth.notebook-cell');
  (globalThis as Record<symbol, unknown>)[hook] = (i: number) => {
    current = i;
  };
  setDisplaySink({
    png: (bytes) =>
      push({
        output_type: 'display_data',
        data: { 'image/png': Buffer.from(bytes).toString('base64'), 'text/plain': ['<image>'] },
        metadata: {},
      }),
    text: (text) => push({ output_type: 'display_data', data: { 'text/plain': lines(text) }, metadata: {} }),
  });
  const log = console.log;
  console.log = (...args: unknown[]) =>
    push({ output_type: 'stream', name: 'stdout', text: lines(`${format(...args)}\n`) });

  const source = joinCodeCells(
    notebook,
    './tslab-stand-in',
    (i) => `(globalThis as any)[Symbol.for('tfjs-synth.notebook-cell')](${i});`,
  );
  const tmp = join(HERE, `.build-${basename(file, '.ipynb')}-${process.pid}.ts`);
  await writeFile(tmp, source);
  const t0 = performance.now();
  // A kernel started in this folder resolves the notebooks' relative paths from here.
  const cwd = process.cwd();
  process.chdir(HERE);
  try {
    await import(pathToFileURL(tmp).href);
  } finally {
    process.chdir(cwd);
    console.log = log;
    setDisplaySink(undefined);
    await rm(tmp, { force: true });
  }
  let count = 0;
  notebook.cells.forEach((cell, i) => {
    if (cell.cell_type !== 'code') return;
    cell.execution_count = ++count;
    cell.outputs = (outputs.get(i) ?? []).map((o) =>
      o.output_type === 'display_data' ? { ...o, metadata: o.metadata ?? {} } : o,
    );
  });
  const images = [...outputs.values()].flat().filter((o) => o.data?.['image/png']).length;
  console.log(
    `${basename(file)}: ${count} code cells, ${images} images, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return notebook;
}

/** The notebook as the builder writes it (nbformat JSON, one-space indent). */
export function notebookText(notebook: Notebook): string {
  return `${JSON.stringify(notebook, null, 1)}\n`;
}

/** Rebuilds one notebook file; with `check`, only compares. Returns whether the stored outputs were already current. */
async function build(file: string, check: boolean): Promise<boolean> {
  const before = await readFile(file, 'utf8');
  const after = notebookText(await runNotebook(file));
  if (!check) await writeFile(file, after);
  else if (before !== after) console.log(`${basename(file)}: the stored outputs differ from a rebuild`);
  return before === after;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(
      'Usage: npx tsx examples/notebooks/build-notebooks.ts [--check] [name.ipynb ...]  (default: every notebook in examples/notebooks)',
    );
  } else {
    const check = args.includes('--check');
    const given = args.filter((a) => a !== '--check');
    const names = given.length ? given : (await readdir(HERE)).filter((f) => f.endsWith('.ipynb')).sort();
    let current = true;
    for (const name of names) current = (await build(join(HERE, basename(name)), check)) && current;
    if (!current && check) process.exitCode = 1;
  }
}
