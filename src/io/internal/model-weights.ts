/**
 * Walks a tfjs model and pairs each torch state-dict key with the layer variable and rule that
 * own it, following the naming contract of `converters.ts`.
 * @internal
 */
import type * as tfl from '@tensorflow/tfjs-layers';
import { rulesFor, type LayerLike, type ParamRule } from './converters';

/** A torch key the model expects. @internal */
export interface ExpectedWeight {
  key: string;
  layer: tfl.layers.Layer;
  variable: tfl.LayerVariable;
  rule: ParamRule;
}

/** Everything a model expects from a state dict. @internal */
export interface ModelWeightPlan {
  /** torch key -> weight, in model order. */
  expected: Map<string, ExpectedWeight>;
  /** Alternative torch key -> the key of `expected` it stands for. */
  aliases: Map<string, string>;
  /** torch keys accepted and dropped (BatchNorm counters, InstanceNorm running stats). */
  ignored: Set<string>;
  /** torch keys to write as int64 zero scalars on export (`num_batches_tracked`). */
  counters: string[];
  /** Problems found in the model itself: weights no rule covers, duplicated keys. */
  problems: string[];
}

/** Short name of a variable: the part after the last '/', minus a tfjs uniquifying `_N`. */
function shortNames(variable: tfl.LayerVariable): string[] {
  const names = new Set<string>();
  for (const full of [(variable as unknown as { originalName?: string }).originalName, variable.name]) {
    if (typeof full !== 'string') continue;
    const last = full.slice(full.lastIndexOf('/') + 1);
    names.add(last);
    names.add(last.replace(/_\d+$/, ''));
  }
  return [...names];
}

/** All leaf layers of a model (nested models and Sequentials expanded), each once. */
export function leafLayers(model: tfl.LayersModel | tfl.layers.Layer): tfl.layers.Layer[] {
  const out: tfl.layers.Layer[] = [];
  const seen = new Set<unknown>();
  const visit = (layer: tfl.layers.Layer): void => {
    if (seen.has(layer)) return;
    seen.add(layer);
    const children = (layer as unknown as { layers?: unknown }).layers;
    if (Array.isArray(children)) {
      for (const c of children as tfl.layers.Layer[]) visit(c);
    } else {
      out.push(layer);
    }
  };
  visit(model as tfl.layers.Layer);
  return out;
}

/** Builds the key plan of a model. @internal */
export function planModelWeights(model: tfl.LayersModel): ModelWeightPlan {
  const plan: ModelWeightPlan = {
    expected: new Map(),
    aliases: new Map(),
    ignored: new Set(),
    counters: [],
    problems: [],
  };
  for (const layer of leafLayers(model)) {
    const weights = layer.weights;
    const like = layer as unknown as LayerLike;
    const rules = rulesFor(like);
    if (rules === undefined) {
      if (weights.length > 0) {
        plan.problems.push(
          `layer '${layer.name}' (${layer.getClassName()}) has weights [${weights.map((w) => w.name).join(', ')}] ` +
            'but no PyTorch converter',
        );
      }
      continue;
    }
    for (const name of rules.ignored) plan.ignored.add(`${layer.name}.${name}`);
    for (const name of rules.exportCounters) plan.counters.push(`${layer.name}.${name}`);
    for (const variable of weights) {
      const names = shortNames(variable);
      const rule = rules.params.find((r) => names.includes(r.tfjs));
      if (rule === undefined) {
        plan.problems.push(
          `layer '${layer.name}' (${layer.getClassName()}) weight '${variable.name}' has no PyTorch counterpart`,
        );
        continue;
      }
      const key = `${layer.name}.${rule.torch}`;
      if (plan.expected.has(key)) {
        plan.problems.push(`two weights map to torch key '${key}' (layer names must be unique state-dict prefixes)`);
        continue;
      }
      plan.expected.set(key, { key, layer, variable, rule });
      for (const alias of rule.aliases ?? []) plan.aliases.set(`${layer.name}.${alias}`, key);
    }
  }
  return plan;
}
