/**
 * Initializer (de)serialisation for this library's layers. tfjs-layers keeps its own helpers
 * (`getInitializer`, `serializeInitializer`) private, so layers here store an initializer in the
 * Keras format `{ className, config }` and rebuild it through tfjs' serialization map, where
 * tfjs-layers registers every built-in initializer.
 * @internal
 */
import { serialization } from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** A tfjs-layers initializer instance. */
export type Initializer = ReturnType<typeof tfl.initializers.glorotUniform>;

/** Initializer names accepted as strings. */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'zeros' | 'ones';

/** What layer args accept for an initializer. */
export type InitializerArg = InitializerName | Initializer | serialization.ConfigDict;

const BY_NAME: Record<InitializerName, () => Initializer> = {
  glorotUniform: () => tfl.initializers.glorotUniform({}),
  glorotNormal: () => tfl.initializers.glorotNormal({}),
  heUniform: () => tfl.initializers.heUniform({}),
  heNormal: () => tfl.initializers.heNormal({}),
  zeros: () => tfl.initializers.zeros(),
  ones: () => tfl.initializers.ones(),
};

/** Resolves a string, instance or `{ className, config }` to an initializer instance. */
export function toInitializer(arg: InitializerArg, owner: string, argName: string): Initializer {
  if (typeof arg === 'string') {
    const make = BY_NAME[arg];
    if (!make) {
      throw new Error(
        `${owner}: unknown ${argName} ${JSON.stringify(arg)}; valid names: ${Object.keys(BY_NAME).join(', ')}, or an initializer instance.`,
      );
    }
    return make();
  }
  if (arg instanceof serialization.Serializable) return arg as Initializer;
  const className = (arg as { className?: unknown }).className;
  const entry =
    typeof className === 'string' ? serialization.SerializationMap.getMap().classNameMap[className] : undefined;
  if (!entry) {
    throw new Error(`${owner}: ${argName} ${JSON.stringify(arg)} is not a known initializer.`);
  }
  const [cls, fromConfig] = entry;
  const config = withoutEmpty((arg as { config?: serialization.ConfigDict }).config ?? {});
  return fromConfig(cls, config) as Initializer;
}

/** Drops null / undefined entries: a JSON round trip turns an unset seed into null. */
function withoutEmpty(config: serialization.ConfigDict): serialization.ConfigDict {
  return Object.fromEntries(Object.entries(config).filter(([, v]) => v !== null && v !== undefined));
}

/** The Keras-format config of an initializer. */
export function serializeInitializer(init: Initializer): serialization.ConfigDict {
  return { className: init.getClassName(), config: withoutEmpty(init.getConfig()) };
}
