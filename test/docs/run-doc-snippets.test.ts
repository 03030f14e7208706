/** Every ```ts snippet of README.md and docs/*.md runs in Node (browser-only ones in test/browser). */
import { defineSnippetRuns } from './run-snippets';

defineSnippetRuns('docs');
