/**
 * Executes the notebooks of this folder in Node and writes their outputs back into the .ipynb
 * files, so they show images on GitHub and nbviewer without a Jupyter installation.
 *
 *   npx tsx examples/notebooks/build-notebooks.ts              # every *.ipynb here
 *   npx tsx examples/notebooks/build-notebooks.ts patchmatch.ipynb
 *
 * The notebooks target the tslab TypeScript kernel. Here each notebook's code cells are joined
 * in order into one temporary module (so later cells see earlier declarations, as in a kernel
 * session), `from 'tslab'` is pointed at ./tslab-stand-in.ts, and a marker before each cell
 * routes `console.log` text (the working directory is this folder, as for a kernel started here) and `tslab.display.png` images into that cell's outputs
 * (`stream` and `display_data` with `image/png`).
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { setDisplaySink } from './tslab-stand-in';

const HERE = dirname(fileURLToPath(import.meta.url));

interface Output {
  output_type: 'stream' | 'display_data';
  name?: 'stdout';
  text?: string[];
  data?: Record<string, string | string[]>;
  metadata?: Record<string, unknown>;
}

interface Cell {
  cell_type: 'code' | 'markdown';
  source: string | string[];
  metadata: Record<string, unknown>;
  outputs?: Output[];
  execution_count?: number | null;
}

interface Notebook {
  cells: Cell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Cell source as one string (nbformat allows a string or a list of lines). */
export function cellSource(cell: Cell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** The code cells of a notebook joined into one module, `tslab` imports redirected to `tslabPath`. */
export function joinCodeCells(notebook: Notebook, tslabPath: string, marker?: (index: number) => string): string {
  return notebook.cells
    .map((cell, i) => (cell.cell_type === 'code' ? `${marker ? marker(i) : ''}\n${cellSource(cell).replace(/from\s+['"]tslab['"]/g, `from '${tslabPath}'`)}\n` : ''))
    .join('');
}

/** Splits text into nbformat's list of lines (each but the last keeping its newline). */
function lines(text: string): string[] {
  return text.split(/(?<=\n)/);
}

async function build(file: string): Promise<void> {
  const notebook = JSON.parse(await readFile(file, 'utf8')) as Notebook;
  const outputs = new Map<number, Output[]>();
  let current = -1;
  const push = (o: Output) => {
    const list = outputs.get(current) ?? [];
    // Consecutive prints of one cell go into one stream output, as Jupyter shows them.
    const last = list[list.length - 1];
    if (o.output_type === 'stream' && last?.output_type === 'stream') last.text = lines(last.text!.join('') + o.text!.join(''));
    else list.push(o);
    outputs.set(current, list);
  };
  const hook = Symbol.for('tfjs-synth.notebook-cell');
  (globalThis as Record<symbol, unknown>)[hook] = (i: number) => {
    current = i;
  };
  setDisplaySink({
    png: (bytes) => push({ output_type: 'display_data', data: { 'image/png': Buffer.from(bytes).toString('base64'), 'text/plain': ['<image>'] }, metadata: {} }),
    text: (text) => push({ output_type: 'display_data', data: { 'text/plain': lines(text) }, metadata: {} }),
  });
  const log = console.log;
  console.log = (...args: unknown[]) => push({ output_type: 'stream', name: 'stdout', text: lines(`${format(...args)}\n`) });

  const source = joinCodeCells(notebook, './tslab-stand-in', (i) => `(globalThis as any)[Symbol.for('tfjs-synth.notebook-cell')](${i});`);
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
    cell.outputs = (outputs.get(i) ?? []).map((o) => (o.output_type === 'display_data' ? { ...o, metadata: o.metadata ?? {} } : o));
  });
  await writeFile(file, `${JSON.stringify(notebook, null, 1)}\n`);
  const images = [...outputs.values()].flat().filter((o) => o.data?.['image/png']).length;
  console.log(`${basename(file)}: ${count} code cells, ${images} images, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    console.log('Usage: npx tsx examples/notebooks/build-notebooks.ts [name.ipynb ...]  (default: every notebook in examples/notebooks)');
  } else {
    const names = args.length ? args : (await readdir(HERE)).filter((f) => f.endsWith('.ipynb')).sort();
    for (const name of names) await build(join(HERE, basename(name)));
  }
}
