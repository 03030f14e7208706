// Checks the published shape of the package: `npm pack`, install the tarball into an empty
// folder, then
// - without the optional tfjs peers: `tfjs-synth/patchmatch` loads and runs under both module
//   systems, and the main entry fails with an error naming the missing package;
// - with the peers: `require` and `import` every entry point, and type-check a consumer that uses
//   them under both module systems (nodenext), with and without skipLibCheck.
// Run after `npm run build` (`npm run test:package`; `npm test` runs it last).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'tfjs-synth-pack-'));
const run = (cmd, args, cwd) => {
  try {
    return execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  } catch (e) {
    // Show what the command printed (tsc reports its errors on stdout), not a byte dump.
    const err = new Error(
      `${cmd} ${args.join(' ')} failed in ${cwd}:\n${e.stdout?.toString() ?? ''}${e.stderr?.toString() ?? ''}`,
    );
    err.stdout = e.stdout?.toString() ?? '';
    err.stderr = e.stderr?.toString() ?? '';
    throw err;
  }
};
/** Runs a Node script that must fail; returns its stderr. */
const runFailing = (file, cwd) => {
  try {
    run('node', [file], cwd);
  } catch (e) {
    return e.stderr;
  }
  throw new Error(`node ${file} succeeded but should have failed`);
};
const assert = (condition, message) => {
  if (!condition) throw new Error(message);
};

try {
  assert(
    existsSync(join(root, 'dist/index.js')),
    'dist/ is missing: run `npm run build` first (or `npm test`, which builds)',
  );
  // --ignore-scripts: dist/ was just built; `npm pack` alone runs `prepack`, which builds it.
  const tarball = run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], root)
    .trim()
    .split('\n')
    .pop();
  const files = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root))[0].files.map(
    (f) => f.path,
  );
  const unexpected = files.filter((f) => !/^(dist\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/.test(f));
  if (unexpected.length) throw new Error(`the tarball holds files a user does not need: ${unexpected.join(', ')}`);

  const app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // The tarball and its dependencies from npm's cache (the registry only for what the cache lacks).
  run(
    'npm',
    ['install', '--no-save', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, tarball)],
    app,
  );
  const nm = join(app, 'node_modules');

  // 1. Without the tfjs peers (they are optional): PatchMatch works, the main entry says what is missing.
  assert(
    !existsSync(join(nm, '@tensorflow')),
    `npm installed ${existsSync(join(nm, '@tensorflow')) ? readdirSync(join(nm, '@tensorflow')).join(', ') : ''} for a tarball whose tfjs peers are optional`,
  );
  const pmUse = (load) =>
    `${load}\nconst pm = await createPatchMatch();\n` +
    `const img = { width: 8, height: 8, data: new Uint8Array(256).map((_, i) => (i * 37) & 255) };\n` +
    `const nnf = pm.nnf(img, img, { patchSize: 3, iterations: 2, seed: 1 });\n` +
    `if (nnf.width !== 6 || nnf.height !== 6) throw new Error('unexpected field ' + nnf.width + 'x' + nnf.height);\n` +
    `console.log('patchmatch without tfjs ok (' + pm.backend + ')');\n`;
  writeFileSync(join(app, 'pm.mjs'), pmUse("import { createPatchMatch } from 'tfjs-synth/patchmatch';"));
  writeFileSync(
    join(app, 'pm.cjs'),
    `(async () => {\n${pmUse("const { createPatchMatch } = require('tfjs-synth/patchmatch');")}})().catch((e) => { console.error(e); process.exit(1); });\n`,
  );
  console.log(`${run('node', ['pm.mjs'], app).trim()} [ESM]`);
  console.log(`${run('node', ['pm.cjs'], app).trim()} [CJS]`);
  writeFileSync(join(app, 'main-missing.mjs'), "import 'tfjs-synth';\n");
  writeFileSync(join(app, 'main-missing.cjs'), "require('tfjs-synth');\n");
  writeFileSync(join(app, 'node-missing.cjs'), "require('tfjs-synth/node');\n");
  const esmMissing = runFailing('main-missing.mjs', app);
  assert(
    /ERR_MODULE_NOT_FOUND/.test(esmMissing) && /Cannot find package '@tensorflow\/tfjs-[a-z-]+'/.test(esmMissing),
    `import 'tfjs-synth' without tfjs: ${esmMissing}`,
  );
  console.log(`import 'tfjs-synth' without tfjs: ${esmMissing.match(/Cannot find package '[^']+'/)[0]}`);
  for (const [file, entry] of [
    ['main-missing.cjs', 'tfjs-synth'],
    ['node-missing.cjs', 'tfjs-synth/node'],
  ]) {
    const err = runFailing(file, app);
    const re = new RegExp(
      `Error: ${entry.replace('/', '\\/')}: cannot find the peer dependency @tensorflow/tfjs-[a-z-]+\\. Install the TensorFlow\\.js peers: npm install @tensorflow/`,
    );
    assert(re.test(err), `require('${entry}') without tfjs: ${err}`);
    console.log(`require('${entry}') without tfjs: ${err.match(/Error: [^\n]*/)[0].slice(0, 120)}...`);
  }

  // 2. With the peers (from this repository's node_modules, so no network is needed).
  for (const dep of ['@tensorflow', 'typescript', '@types']) {
    try {
      symlinkSync(join(root, 'node_modules', dep), join(nm, dep));
    } catch {
      /* already present */
    }
  }
  const entries = ['tfjs-synth', 'tfjs-synth/patchmatch', 'tfjs-synth/node'];
  writeFileSync(
    join(app, 'esm.mjs'),
    entries
      .map(
        (e, i) =>
          `import * as m${i} from '${e}'; if (!Object.keys(m${i}).length) throw new Error('${e}: empty ESM module');`,
      )
      .join('\n') + "\nconsole.log('import ok');\n",
  );
  writeFileSync(
    join(app, 'cjs.cjs'),
    entries
      .map((e) => `if (!Object.keys(require('${e}')).length) throw new Error('${e}: empty CJS module');`)
      .join('\n') + "\nconsole.log('require ok');\n",
  );
  console.log(run('node', ['esm.mjs'], app).trim());
  console.log(run('node', ['cjs.cjs'], app).trim());

  // Types resolve for both module systems through the `exports` map; the training types of the
  // main entry and of `tfjs-synth/node` fit together.
  const usage =
    "import { initBackend, training } from 'tfjs-synth';\n" +
    "import * as pm from 'tfjs-synth/patchmatch';\n" +
    "import * as nodeHelpers from 'tfjs-synth/node';\n" +
    "export const f: (n?: 'wasm' | 'cpu') => Promise<string> = initBackend;\n" +
    'export const all = [pm, nodeHelpers];\n' +
    "export const save = (t: training.Pix2PixTrainer): Promise<void> => nodeHelpers.saveTrainer(t, 'checkpoints');\n" +
    'export const dispose = (s: training.TrainerState): void => training.disposeTrainerState(s);\n' +
    'export type Named = training.TrainerNamedTensor;\n';
  writeFileSync(join(app, 'use.mts'), usage);
  writeFileSync(join(app, 'use.cts'), usage);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const skipLibCheck of [true, false]) {
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck,
          types: ['node'],
        },
        files: ['use.mts', 'use.cts'],
      }),
    );
    let out = '';
    try {
      out = run('node', [tsc, '-p', 'tsconfig.json'], app);
    } catch (e) {
      out = e.stdout;
      if (!out) throw e;
    }
    // Without skipLibCheck, tsc also checks tfjs's own declarations, which have errors under
    // `strict` that are not this package's to fix; every other error fails the check.
    const errors = out.split('\n').filter((l) => /error TS\d+/.test(l));
    const tfjsErrors = errors.filter((l) => /node_modules\/@tensorflow\//.test(l));
    const ours = errors.filter((l) => !tfjsErrors.includes(l));
    assert(ours.length === 0, `type errors (skipLibCheck ${skipLibCheck}):\n${ours.join('\n')}`);
    console.log(
      `types ok (nodenext, ESM and CJS, skipLibCheck ${skipLibCheck})` +
        (tfjsErrors.length
          ? `; ${tfjsErrors.length} errors reported in @tensorflow's own declarations, none in this package's`
          : ''),
    );
  }
  console.log(
    `package ok: ${files.length} files in ${tarball}; entries: ${readdirSync(join(nm, 'tfjs-synth', 'dist'))
      .filter((f) => /\.(c?js)$/.test(f) && !f.includes('chunk'))
      .join(', ')}`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
