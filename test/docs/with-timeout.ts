/**
 * Settles like `promise`, or rejects with an Error `${label} timed out after ${ms} ms` if it has
 * not settled by then (the timer is cleared either way, so it never holds the process open).
 * `promise` keeps running: the caller must end what it stands for (close the page).
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, label: string): Promise<T> {
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`withTimeout: ms must be a finite number > 0, got ${ms}.`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label} timed out after ${ms} ms`)), ms);
  });
  // Promise.race subscribes to both, so a late rejection of `promise` is handled, not reported.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** The per-snippet time limit: DOC_SNIPPET_TIMEOUT_MS, or 120 s (snippets take seconds). */
export function snippetTimeoutMs(env: Record<string, string | undefined> = process.env): number {
  const raw = env.DOC_SNIPPET_TIMEOUT_MS;
  if (raw === undefined || raw === '') return 120_000;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms <= 0 || ms > 3_600_000) {
    throw new Error(`DOC_SNIPPET_TIMEOUT_MS must be an integer number of ms in [1, 3600000], got '${raw}'.`);
  }
  return ms;
}
