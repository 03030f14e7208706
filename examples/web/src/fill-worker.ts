// The page's PatchMatch fill, off the main thread: the page posts a copy of the image and the
// mask, this worker runs `inpaint` and posts progress and the result back, so painting and the
// progress bar stay smooth during a fill. Messages are described in fill-protocol.ts.
import { createPatchMatch } from '../../../src/patchmatch/index';
import type { FillReply, FillRequest } from './fill-protocol';

/** Progress messages at most this often (ms): enough for a smooth bar, few enough to stay cheap. */
const PROGRESS_INTERVAL = 30;

const post = (reply: FillReply, transfer: Transferable[] = []) => postMessage(reply, { transfer });

const engine = createPatchMatch();
engine.then(
  (pm) => post({ type: 'ready', backend: pm.backend }),
  (err: unknown) =>
    post({
      type: 'error',
      id: 0,
      message: `PatchMatch failed to start: ${err instanceof Error ? err.message : String(err)}`,
    }),
);

addEventListener('message', async (event: MessageEvent<FillRequest>) => {
  const { id, image, mask } = event.data;
  try {
    const pm = await engine;
    let last = -Infinity;
    const result = await pm.inpaint(image, mask, {
      onProgress: ({ fraction }) => {
        const now = performance.now();
        if (now - last >= PROGRESS_INTERVAL) {
          last = now;
          post({ type: 'progress', id, fraction });
        }
      },
    });
    // A copy we own, so its buffer can be transferred.
    const data = new Uint8ClampedArray(result.data);
    post({ type: 'done', id, width: result.width, height: result.height, data }, [data.buffer]);
  } catch (err) {
    post({ type: 'error', id, message: err instanceof Error ? err.message : String(err) });
  }
});
