/**
 * Runs documentation snippets in Node, as written: each one becomes a module importing the
 * sources (see snippets.ts), runs in a fresh temporary working folder holding the files it reads
 * (snippet-fixtures.ts), and must finish without throwing.
 *
 * The snippets share one process (a process each would take minutes), so before each one the
 * TensorFlow.js engine is reset to the state of a fresh process: no backend initialised, no
 * tensors, no variables, and tfjs-backend-wasm's own wasm backend (after a snippet that chose threads). A snippet that forgets `await initBackend()` fails here as it would for a
 * user ("backend 'wasm' has not yet been initialized").
 */
import * as tf from '@tensorflow/tfjs-core';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { makeFixtures } from './snippet-fixtures';
import { collectSnippets, ROOT, runsInNode, toModule, where, type Snippet } from './snippets';

/** Registers one test per Node snippet of `kind`, plus a count. */
export function defineSnippetRuns(kind: Snippet['kind']): void {
  const all = collectSnippets().filter((s) => s.kind === kind);
  const node = all.filter(runsInNode);
  const modules = join(ROOT, 'test', 'docs', '.tmp', `run-${kind}`);
  rmSync(modules, { recursive: true, force: true });
  mkdirSync(modules, { recursive: true });
  const home = process.cwd();
  // tfjs-backend-wasm's own backend factory; a snippet that asks for threads replaces it.
  const wasmFactory = tf.findBackendFactory('wasm');
  let ran = 0;
  let seconds = 0;
  let cpuMicros = 0;

  describe(`${kind === 'api' ? 'API @example' : 'README and docs/'} snippets run in Node`, () => {
    afterAll(() => {
      process.chdir(home);
      rmSync(modules, { recursive: true, force: true });
      console.log(
        `${ran} of ${node.length} ${kind} snippets ran: ${seconds.toFixed(1)} s, ${(cpuMicros / 1e6).toFixed(1)} s of CPU ` +
          `(fixtures excluded); ${all.length - node.length} browser-only`,
      );
    });

    it('finds the snippets', () => {
      expect(node.length).toBeGreaterThan(kind === 'api' ? 80 : 10);
    });

    node.forEach((s, i) => {
      it(where(s), async () => {
        const cwd = mkdtempSync(join(tmpdir(), 'tfjs-synth-snippet-'));
        const file = join(modules, `snippet-${String(i).padStart(3, '0')}.ts`);
        const flag = `__docSnippetDone${i}`;
        writeFileSync(file, toModule(s, file, flag));
        const logged: unknown[][] = [];
        try {
          await makeFixtures(s.code, cwd);
          // What a fresh process has: no backend initialised, no tensors, no variables.
          tf.engine().reset();
          if (wasmFactory != null && tf.findBackendFactory('wasm') !== wasmFactory) {
            tf.removeBackend('wasm');
            tf.registerBackend('wasm', wasmFactory, 2);
          }
          process.chdir(cwd);
          const t0 = performance.now();
          const cpu0 = process.cpuUsage();
          const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void logged.push(args));
          try {
            await import(pathToFileURL(file).href);
          } finally {
            log.mockRestore();
          }
          expect((globalThis as Record<string, unknown>)[flag], 'the snippet ran to its end').toBe(true);
          seconds += (performance.now() - t0) / 1000;
          const cpu = process.cpuUsage(cpu0);
          cpuMicros += cpu.user + cpu.system;
          ran++;
        } finally {
          process.chdir(home);
          rmSync(cwd, { recursive: true, force: true });
          tf.engine().reset();
          if (wasmFactory != null && tf.findBackendFactory('wasm') !== wasmFactory) {
            tf.removeBackend('wasm');
            tf.registerBackend('wasm', wasmFactory, 2);
          }
        }
      });
    });
  });
}
