// Entry of the benchmark's worker threads: registers the TypeScript loader in this thread
// (loader hooks registered on the main thread do not reach workers in Node 20), then runs the
// script named in workerData.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.script);
