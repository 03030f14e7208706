/**
 * One seed for every fast-check property in the suite (a vitest setup file), so a run of
 * `npm test` is repeatable: a property that fails in CI fails the same way on a developer's
 * machine. Set FC_SEED to explore other inputs (`FC_SEED=$RANDOM npx vitest run test/io`); a
 * failure prints the seed and path that reproduce it.
 */
import fc from 'fast-check';

const fromEnv = process.env.FC_SEED;
const seed = fromEnv === undefined || fromEnv === '' ? 20261206 : Number(fromEnv);
if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${JSON.stringify(fromEnv)}.`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
