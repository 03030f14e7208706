import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgressBar } from '../../src/node/index';

/** A stream that records what is written; `isTTY` as given. */
function capture(isTTY: boolean): { stream: Writable & { isTTY?: boolean; columns?: number }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  }) as Writable & { isTTY?: boolean; columns?: number; cursorTo?: unknown; clearLine?: unknown };
  stream.isTTY = isTTY;
  stream.columns = 120;
  if (isTTY) {
    // cli-progress moves the cursor through these tty.WriteStream methods.
    stream.cursorTo = (_x: number, _y?: number, cb?: () => void) => (cb?.(), true);
    stream.clearLine = (_dir: number, cb?: () => void) => (cb?.(), true);
    (stream as unknown as { moveCursor: unknown }).moveCursor = (_dx: number, _dy: number, cb?: () => void) => (
      cb?.(), true
    );
  }
  return { stream, text: () => chunks.join('') };
}

describe('createProgressBar', () => {
  it('prints a plain line every logEvery steps when not a TTY', () => {
    const out = capture(false);
    const bar = createProgressBar({ total: 10, label: 'pix2pix', stream: out.stream, logEvery: 4 });
    for (let i = 0; i < 10; i++) bar.tick({ G: Math.LN2, D: 1.2 });
    bar.stop();
    bar.stop(); // idempotent
    const lines = out.text().trim().split('\n');
    expect(lines.map((l) => l.split(' | ')[0])).toEqual([
      'pix2pix 4/10 (40%)',
      'pix2pix 8/10 (80%)',
      'pix2pix 10/10 (100%)',
    ]);
    expect(lines[0]).toMatch(/^pix2pix 4\/10 \(40%\) \| G 0\.6931 D 1\.200 \| [\d.]+ steps\/s \| eta \S+$/);
    expect(out.text()).not.toMatch(/\x1b\[/); // no terminal control codes in logs
    expect(bar.step).toBe(10);
  });

  it('defaults to about 20 lines per run and prints the last step on stop', () => {
    const out = capture(false);
    const bar = createProgressBar({ total: 100, stream: out.stream });
    for (let i = 0; i < 97; i++) bar.tick();
    bar.stop();
    const lines = out.text().trim().split('\n');
    expect(lines.length).toBe(20); // 5, 10, ..., 95, then 97 on stop
    expect(lines.at(-1)).toMatch(/^train 97\/100 \(97%\) \| [\d.]+ steps\/s/);
  });

  it('draws a cli-progress bar with losses on a TTY', () => {
    const out = capture(true);
    const bar = createProgressBar({ total: 5, label: 'cyclegan', stream: out.stream });
    bar.update(2, { G_A: 0.5 });
    bar.update(5, { G_A: 0.25 });
    bar.stop();
    const text = out.text();
    expect(text).toContain('cyclegan [');
    expect(text).toContain('5/5');
    expect(text).toContain('G_A 0.2500');
    expect(text).toMatch(/steps\/s/);
  });

  it('rejects bad totals, logEvery and steps', () => {
    const out = capture(false);
    expect(() => createProgressBar({ total: 0, stream: out.stream })).toThrow(
      /createProgressBar: total must be a positive integer, got 0/,
    );
    expect(() => createProgressBar({ total: 3, logEvery: 0, stream: out.stream })).toThrow(
      /logEvery must be a positive integer, got 0/,
    );
    const bar = createProgressBar({ total: 3, stream: out.stream });
    expect(() => bar.update(-1)).toThrow(/ProgressBar\.update: step must be a non-negative number, got -1/);
  });
});
