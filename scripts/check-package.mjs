// Checks the published shape of the package: `npm pack`, install the tarball into an empty
// folder, then `require` and `import` every entry point and type-check a consumer that uses
// them under both module systems. Run after `npm run build` (`npm run test:package`).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tfjs-synth-pack-'));
const run = (cmd, args, cwd) => {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
  } catch (e) {
    // Show what the command printed (tsc reports its errors on stdout), not a byte dump.
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout?.toString() ?? ''}`);
  }
};

try {
  const tarball = run('npm', ['pack', '--silent', '--pack-destination', work], root).trim().split('\n').pop();
  const files = JSON.parse(run('npm', ['pack', '--dry-run', '--json'], root))[0].files.map((f) => f.path);
  const unexpected = files.filter((f) => !/^(dist\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/.test(f));
  if (unexpected.length) throw new Error(`the tarball holds files a user does not need: ${unexpected.join(', ')}`);

  const app = join(work, 'app');
  run('mkdir', ['-p', app]);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // Install only the tarball; peer dependencies come from this repository's node_modules so the
  // check needs no network.
  run('npm', ['install', '--no-save', '--offline', '--legacy-peer-deps', '--ignore-scripts', join(work, tarball)], app);
  const nm = join(app, 'node_modules');
  for (const dep of ['@tensorflow', 'pngjs', 'jpeg-js', 'cli-progress', 'typescript', '@types']) {
    try {
      symlinkSync(join(root, 'node_modules', dep), join(nm, dep));
    } catch {
      /* already present */
    }
  }

  const entries = ['tfjs-synth', 'tfjs-synth/patchmatch', 'tfjs-synth/node'];
  writeFileSync(
    join(app, 'esm.mjs'),
    entries.map((e, i) => `import * as m${i} from '${e}'; if (!Object.keys(m${i}).length) throw new Error('${e}: empty ESM module');`).join('\n') +
      "\nconsole.log('import ok');\n",
  );
  writeFileSync(
    join(app, 'cjs.cjs'),
    entries.map((e) => `if (!Object.keys(require('${e}')).length) throw new Error('${e}: empty CJS module');`).join('\n') +
      "\nconsole.log('require ok');\n",
  );
  console.log(run('node', ['esm.mjs'], app).trim());
  console.log(run('node', ['cjs.cjs'], app).trim());

  // Types resolve for both module systems through the `exports` map.
  const usage = "import { initBackend } from 'tfjs-synth';\nimport * as pm from 'tfjs-synth/patchmatch';\nimport * as nodeHelpers from 'tfjs-synth/node';\nexport const f: (n?: 'wasm' | 'cpu') => Promise<string> = initBackend;\nexport const all = [pm, nodeHelpers];\n";
  writeFileSync(join(app, 'use.mts'), usage);
  writeFileSync(join(app, 'use.cts'), usage);
  writeFileSync(
    join(app, 'tsconfig.json'),
    // skipLibCheck as most consumers set it: tfjs-core's own declarations need @types it does not
    // depend on. Resolving and using our exported types below is what this check is about.
    JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: [] }, files: ['use.mts', 'use.cts'] }),
  );
  run(join(root, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], app);
  console.log('types ok (nodenext, ESM and CJS)');
  console.log(`package ok: ${files.length} files in ${tarball}; entries: ${readdirSync(join(nm, 'tfjs-synth', 'dist')).filter((f) => /\.(c?js)$/.test(f) && !f.includes('chunk')).join(', ')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
