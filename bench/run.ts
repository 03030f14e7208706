/**
 * Benchmark runner: `npm run bench` runs every `bench/*.bench.ts`, `npm run bench -- conv-grad`
 * only the named one. Each writes `bench/results/<name>.json` (timings, medians, ratios, machine)
 * and prints a short table. Benchmarks never assert on time and are not part of `npm test`.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, arch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark, BenchCase } from './types';

const benchDir = dirname(fileURLToPath(import.meta.url));
const SUFFIX = '.bench.ts';

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
}

function printCases(cases: readonly BenchCase[]): void {
  for (const c of cases) {
    console.log(`\n  ${c.case}`);
    for (const t of c.timings) {
      console.log(
        `    ${t.name.padEnd(24)} median ${formatMs(t.medianMs).padStart(10)}   min ${formatMs(t.minMs).padStart(10)}   n=${t.repetitions}`,
      );
    }
    for (const [name, value] of Object.entries(c.ratios)) {
      console.log(`    ${name.padEnd(24)} ${value.toFixed(value >= 10 ? 0 : 2)}x`);
    }
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const available = readdirSync(benchDir)
    .filter((f) => f.endsWith(SUFFIX))
    .map((f) => f.slice(0, -SUFFIX.length))
    .sort();
  const unknown = wanted.filter((w) => !available.includes(w));
  if (unknown.length > 0) {
    throw new Error(`bench: unknown benchmark(s) ${unknown.join(', ')}; available: ${available.join(', ')}`);
  }
  const names = wanted.length > 0 ? wanted : available;
  const resultsDir = join(benchDir, 'results');
  mkdirSync(resultsDir, { recursive: true });
  for (const name of names) {
    const mod = (await import(pathToFileURL(join(benchDir, name + SUFFIX)).href)) as { default: Benchmark };
    const bench = mod.default;
    console.log(`\n${bench.name}: ${bench.description}`);
    const started = new Date();
    const cases = await bench.run();
    printCases(cases);
    const report = {
      name: bench.name,
      description: bench.description,
      startedAt: started.toISOString(),
      durationS: (Date.now() - started.getTime()) / 1000,
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: availableParallelism(),
        platform: `${platform()} ${arch()}`,
        node: process.version,
      },
      cases,
    };
    const file = join(resultsDir, `${bench.name}.json`);
    writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\n  -> bench/results/${bench.name}.json`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
