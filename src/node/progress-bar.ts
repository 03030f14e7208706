import cliProgress from 'cli-progress';
import { checkError, checkOptions, checkPositiveInteger } from '../core/checks';

/** Options of {@link createProgressBar}. */
export interface ProgressBarOptions {
  /** Number of steps for 100 %. */
  total: number;
  /** Text in front of the bar. Default `'train'`. */
  label?: string;
  /** Where to draw (any writable stream, e.g. `process.stderr`). Default `process.stdout`. */
  stream?: ProgressStream;
  /**
   * Draw an animated bar (`true`) or print plain lines (`false`). Default: whether `stream`
   * is a terminal, so CI logs get lines instead of control codes.
   */
  tty?: boolean;
  /** In line mode, print a line every this many steps (and at the last step). Default `max(1, round(total / 20))`. */
  logEvery?: number;
}

/** The part of a Node writable stream the progress bar uses. */
export interface ProgressStream {
  write(chunk: string): unknown;
  /** True for terminals (`process.stdout.isTTY`). */
  isTTY?: boolean;
}

/** A progress display for a training loop; see {@link createProgressBar}. */
export interface ProgressBar {
  /** Moves to `step` (0 .. total) and shows the given losses. */
  update(step: number, losses?: Record<string, number>): void;
  /** Advances one step (or `n`) and shows the given losses. */
  tick(losses?: Record<string, number>, n?: number): void;
  /** Finishes the display (prints the final line in line mode). Idempotent. */
  stop(): void;
  /** The current step. */
  readonly step: number;
}

/** `G 0.6931 D 1.204`: 4 significant digits, in insertion order. */
function formatLosses(losses: Record<string, number>): string {
  return Object.entries(losses)
    .map(([k, v]) => `${k} ${Number.isFinite(v) ? v.toPrecision(4) : String(v)}`)
    .join(' ');
}

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(sec).padStart(2, '0')}s` : `${sec}s`;
}

/**
 * A training progress bar over `cli-progress` showing the step, the latest losses and
 * steps per second. When the output is not a terminal (CI, `| tee log`), it prints one
 * plain line every `logEvery` steps instead, so logs stay readable.
 *
 * @example
 * ```ts
 * import { createProgressBar } from 'tfjs-synth/node';
 * const bar = createProgressBar({ total: 1000, label: 'pix2pix' });
 * for (let i = 0; i < 1000; i++) {
 *   // const { lossG, lossD } = step();
 *   bar.tick({ G: 0.7, D: 1.2 });
 * }
 * bar.stop();
 * // line mode: "pix2pix 50/1000 (5%) | G 0.7000 D 1.200 | 3.41 steps/s | eta 4m38s"
 * ```
 * @throws Error when `total` or `logEvery` is not a positive integer.
 */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const owner = 'createProgressBar';
  const total = checkPositiveInteger(owner, 'total', checkOptions(owner, 'options', options).total);
  const label = options.label ?? 'train';
  const stream: ProgressStream = options.stream ?? process.stdout;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const logEvery = checkPositiveInteger(owner, 'logEvery', options.logEvery ?? Math.max(1, Math.round(total / 20)));
  const start = performance.now();
  let step = 0;
  let lastLogged = 0;
  let losses: Record<string, number> = {};
  let stopped = false;

  const speed = (): number => {
    const seconds = (performance.now() - start) / 1000;
    return seconds > 0 ? step / seconds : 0;
  };

  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: `${label} [{bar}] {value}/{total} | {losses} | {speed} steps/s | eta {eta_formatted}`,
          // A real tty stream in practice (cli-progress also moves the cursor through it).
          stream: stream as unknown as NodeJS.WritableStream,
          hideCursor: true,
          etaBuffer: 50,
          // Redraw on a timer, not on every update, so fast loops do not flood the terminal.
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { losses: '', speed: '0.00' });

  const writeLine = (): void => {
    const s = speed();
    const eta = s > 0 ? (total - step) / s : Number.NaN;
    const pct = Math.floor((100 * step) / total);
    const parts = [`${label} ${step}/${total} (${pct}%)`];
    const l = formatLosses(losses);
    if (l) parts.push(l);
    parts.push(`${s.toFixed(2)} steps/s`, `eta ${formatSeconds(eta)}`);
    stream.write(`${parts.join(' | ')}\n`);
    lastLogged = step;
  };

  const update = (next: number, newLosses?: Record<string, number>): void => {
    if (stopped) return;
    if (!Number.isFinite(next) || next < 0)
      throw checkError('ProgressBar.update', 'step', 'a non-negative number', next);
    step = Math.min(Math.floor(next), total);
    if (newLosses) losses = { ...newLosses };
    if (bar) {
      bar.update(step, { losses: formatLosses(losses), speed: speed().toFixed(2) });
    } else if (step - lastLogged >= logEvery || (step === total && lastLogged !== total)) {
      writeLine();
    }
  };

  return {
    update,
    tick: (newLosses, n = 1) => update(step + n, newLosses),
    stop: () => {
      if (stopped) return;
      if (bar) bar.stop();
      else if (lastLogged !== step) writeLine();
      stopped = true;
    },
    get step() {
      return step;
    },
  };
}
