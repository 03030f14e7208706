/** What the SPADE network and trainer tests share. */
import type { StateDict } from '../../src/io/state-dict';

/** The generator cases' weights, computed as generate_spade.py's formula_value does. */
export function formulaStateDict(keys: [string, number[]][]): StateDict {
  const sd: StateDict = new Map();
  keys.forEach(([key, shape], k) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) {
      const base = ((i * 7919 + k * 104729) % 65521) / 65521;
      let v: number;
      if (key.endsWith('running_var')) v = 0.5 + base;
      else if (key.endsWith('running_mean')) v = 0.4 * (base - 0.5);
      else if (key.endsWith('bias')) v = 0.2 * (base - 0.5);
      else if (key.endsWith('weight_u') || key.endsWith('weight_v')) v = base - 0.5;
      else v = 2 * (base - 0.5) * Math.sqrt(3 / fanIn);
      data[i] = v;
    }
    sd.set(key, { dtype: 'float32', shape, data });
  });
  return sd;
}
