// The API site: `npm run docs` writes docs/api/ (git-ignored). The guides in docs/*.md are pages
// of the site, linked from the README and from each other; the three entry points are named as
// they are imported. Any warning fails the build.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The PatchMatch module is generated (and git-ignored); build it on a fresh clone, as the docs
// type-check the sources that import it.
if (!existsSync(new URL('src/patchmatch/generated/patchmatch-wasm.ts', import.meta.url))) {
  execFileSync(process.execPath, [fileURLToPath(new URL('scripts/build-wasm.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}

/** @type {Partial<import('typedoc').TypeDocOptions>} */
const config = {
  entryPoints: ['src/index.ts', 'src/patchmatch/index.ts', 'src/node/index.ts'],
  out: 'docs/api',
  name: 'tfjs-synth',
  readme: 'README.md',
  projectDocuments: ['docs/*.md'],
  excludeInternal: true,
  excludePrivate: true,
  // Source links would point at a git remote, which a fresh clone or a fork may not have.
  disableSources: true,
  // typedoc's defaults, plus the languages of our fences and of the comments inherited from tfjs.
  highlightLanguages: [
    'bash',
    'console',
    'css',
    'html',
    'javascript',
    'js',
    'json',
    'jsonc',
    'json5',
    'python',
    'sh',
    'tsx',
    'typescript',
    'yaml',
  ],
  treatWarningsAsErrors: true,
  validation: { notExported: false, invalidLink: true, rewrittenLink: true },
  // Only http(s):// text becomes a link: no fuzzy links such as "test.py" -> http://test.py or
  // "constructor.name" (in comments tfjs-layers' classes pass on to ours).
  markdownItLoader(parser) {
    parser.linkify.set({ fuzzyLink: false });
  },
};

export default config;
