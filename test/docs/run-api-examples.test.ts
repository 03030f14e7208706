/** Every `@example` of the doc comments in src/ runs in Node (browser-only ones in test/browser). */
import { defineSnippetRuns } from './run-snippets';

defineSnippetRuns('api');
