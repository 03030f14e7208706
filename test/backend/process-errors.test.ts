// A user's script that imports the library keeps Node's own handling of uncaught errors: each case
// runs a small script in a child process (tsx, as `npm run demo` runs) and checks its exit code
// and stderr. tfjs-backend-wasm's Emscripten module would otherwise rethrow every uncaught error
// from inside its own (minified) source and exit with code 7.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const entry = JSON.stringify(join(root, 'src/index.ts'));
let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tfjs-synth-process-errors-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `source` as an ES module with tsx; resolves to its exit code, stdout and stderr. */
async function runScript(
  name: string,
  source: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const file = join(dir, `${name}.mts`);
  await writeFile(file, source);
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** What the Emscripten listeners print: the module's own source, which names these. */
const EMSCRIPTEN_SOURCE = /ExitStatus|WasmBackendModule|tfjs-backend-wasm/;

describe('uncaught errors in a script that uses initBackend', () => {
  it('an uncaught ENOENT prints its own message and exits with code 1', async () => {
    const r = await runScript(
      'enoent',
      `import { readFileSync } from 'node:fs';\nimport { initBackend } from ${entry};\nawait initBackend();\nreadFileSync('does-not-exist.png');\n`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/ENOENT: no such file or directory, open 'does-not-exist\.png'/);
    expect(r.stderr).not.toMatch(EMSCRIPTEN_SOURCE);
    // Node's own report: the error, its stack and the Node version line, a few hundred bytes.
    expect(r.stderr.length).toBeLessThan(4000);
  });

  it('an error thrown later from a timer exits with code 1, on the cpu backend too', async () => {
    const r = await runScript(
      'timer',
      `import { initBackend } from ${entry};\nawait initBackend();\nawait initBackend('cpu');\nsetTimeout(() => { throw new Error('thrown from a timer'); }, 10);\n`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: thrown from a timer/);
    expect(r.stderr).not.toMatch(EMSCRIPTEN_SOURCE);
  });

  it('an unhandled rejection prints its own message and exits with code 1', async () => {
    const r = await runScript(
      'rejection',
      `import { initBackend } from ${entry};\nawait initBackend();\nvoid Promise.reject(new Error('rejected and not handled'));\n`,
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Error: rejected and not handled/);
    expect(r.stderr).not.toMatch(EMSCRIPTEN_SOURCE);
  });

  it("keeps the script's own uncaughtException listener", async () => {
    const r = await runScript(
      'own-listener',
      `import { initBackend } from ${entry};\n` +
        `process.on('uncaughtException', (e) => { console.log('handled: ' + e.message); process.exit(3); });\n` +
        `await initBackend();\n` +
        `console.log('listeners: ' + process.listenerCount('uncaughtException') + ' ' + process.listenerCount('unhandledRejection'));\n` +
        `setTimeout(() => { throw new Error('boom'); }, 10);\n`,
    );
    expect(r.stdout).toContain('listeners: 1 0');
    expect(r.stdout).toContain('handled: boom');
    expect(r.code).toBe(3);
  });
});
