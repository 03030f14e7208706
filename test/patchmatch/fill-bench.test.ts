import { describe, expect, it } from 'vitest';
import { fillCases, signTestP } from '../../bench/fill-quality.js';

describe('fill benchmark helpers', () => {
  it('gives the exact two-sided sign-test p-value', () => {
    // 2 * P(X <= 1) for X ~ Binomial(10, 1/2) = 2 * 11 / 1024.
    expect(signTestP(9, 1)).toBeCloseTo(22 / 1024, 12);
    expect(signTestP(1, 9)).toBeCloseTo(22 / 1024, 12);
    expect(signTestP(20, 0)).toBeCloseTo(2 / 2 ** 20, 15);
    expect(signTestP(5, 5)).toBe(1);
    expect(signTestP(0, 0)).toBe(1);
    // 2 * P(X <= 40) for X ~ Binomial(100, 1/2), summed here in exact integers.
    let c = 1n;
    let tail = 1n;
    for (let i = 1n; i <= 40n; i++) {
      c = (c * (101n - i)) / i;
      tail += c;
    }
    expect(signTestP(60, 40)).toBeCloseTo((2 * Number(tail)) / 2 ** 100, 12);
  });

  it('keeps the original 24 cases first, and splits every picture into one half', () => {
    const cases = fillCases();
    expect(cases.length).toBe(102);
    expect(cases.filter((c) => c.original).map((c) => c.name)).toEqual(cases.slice(0, 24).map((c) => c.name));
    expect(cases[0]!.name).toBe('coffee-300 rectangle');
    for (const split of ['A', 'B'] as const) expect(cases.filter((c) => c.split === split).length).toBe(36);
    expect(cases.filter((c) => c.split === 'C').length).toBe(30);
    const halves = new Map<string, string>();
    for (const c of cases) {
      const picture = c.name.split(/-(?:crop|\d)/)[0]!;
      expect(halves.get(picture) ?? c.split).toBe(c.split);
      halves.set(picture, c.split);
    }
  });

  it('gives a case the same hole whichever splits are picked', () => {
    const all = new Map(fillCases().map((c) => [c.name, c]));
    const onlyC = fillCases(['C']);
    expect(onlyC.map((c) => c.split)).toEqual(Array(30).fill('C'));
    for (const c of onlyC) expect(c.mask.data).toEqual(all.get(c.name)!.mask.data);
  });
});
