/**
 * A strict JSON parser for safetensors headers (RFC 8259, as serde_json reads them), with what
 * `JSON.parse` lacks for hostile input: duplicate keys are an Error (at any depth), nesting stops
 * at {@link MAX_JSON_DEPTH} (serde_json's own recursion limit), a byte-order mark is refused, and
 * objects become `Map`s (no `__proto__` surprises). Numbers keep their integer-ness: a plain
 * integer token is a `number` (not a safe integer beyond 2^53), a token with a fraction or exponent is a
 * {@link JsonFloat}, so `1.0` is not mistaken for an element count. Linear in the text length.
 * @internal
 */

/** Deepest nesting of arrays and objects accepted (serde_json's default recursion limit). @internal */
export const MAX_JSON_DEPTH = 128;

/** A JSON number written with a fraction or an exponent. @internal */
export class JsonFloat {
  constructor(readonly text: string) {}
}

/** A syntax error, a duplicate key or too deep a nesting, at a character position. @internal */
export class JsonParseError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
    /** The repeated key, for a duplicate. */
    readonly key?: string,
  ) {
    super(`${reason} at character ${position}`);
  }
}

/** A parsed JSON value. @internal */
export type JsonValue = null | boolean | number | string | JsonFloat | JsonValue[] | Map<string, JsonValue>;

const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/y;

/**
 * Parses `text` as one JSON value. Throws a {@link JsonParseError} on any syntax error,
 * duplicate key or nesting deeper than the limit.
 * @internal
 */
export function parseStrictJson(text: string): JsonValue {
  let pos = 0;
  const fail = (msg: string): never => {
    throw new JsonParseError(msg, pos);
  };
  const skipSpace = (): void => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };
  const parseString = (): string => {
    // At the opening quote.
    pos++;
    let out = '';
    let from = pos;
    for (;;) {
      if (pos >= text.length) fail('unterminated string');
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(from, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in a string');
      if (c >= 0xd800 && c <= 0xdfff) {
        // Text decoded from UTF-8 holds only paired surrogates.
        pos++;
        continue;
      }
      if (c !== 0x5c) {
        pos++;
        continue;
      }
      out += text.slice(from, pos);
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = (): number => {
            const h = text.slice(pos, pos + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('invalid \\u escape');
            pos += 4;
            return Number.parseInt(h, 16);
          };
          const u = hex();
          if (u >= 0xdc00 && u <= 0xdfff) fail('lone trailing surrogate in a \\u escape');
          if (u >= 0xd800 && u <= 0xdbff) {
            if (text[pos] !== '\\' || text[pos + 1] !== 'u') fail('lone leading surrogate in a \\u escape');
            pos += 2;
            const low = hex();
            if (low < 0xdc00 || low > 0xdfff) fail('lone leading surrogate in a \\u escape');
            out += String.fromCharCode(u, low);
          } else {
            out += String.fromCharCode(u);
          }
          break;
        }
        default:
          pos -= 1;
          fail('invalid escape');
      }
      from = pos;
    }
  };
  const parseValue = (depth: number): JsonValue => {
    skipSpace();
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (depth >= MAX_JSON_DEPTH) fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
      pos++;
      skipSpace();
      if (c === '[') {
        const arr: JsonValue[] = [];
        if (text[pos] === ']') {
          pos++;
          return arr;
        }
        for (;;) {
          arr.push(parseValue(depth + 1));
          skipSpace();
          if (text[pos] === ',') pos++;
          else if (text[pos] === ']') {
            pos++;
            return arr;
          } else fail("expected ',' or ']'");
        }
      }
      const obj = new Map<string, JsonValue>();
      if (text[pos] === '}') {
        pos++;
        return obj;
      }
      for (;;) {
        skipSpace();
        if (text[pos] !== '"') fail('expected a string key');
        const keyAt = pos;
        const key = parseString();
        if (obj.has(key)) throw new JsonParseError('duplicate key', keyAt, key);
        skipSpace();
        if (text[pos] !== ':') fail("expected ':'");
        pos++;
        obj.set(key, parseValue(depth + 1));
        skipSpace();
        if (text[pos] === ',') pos++;
        else if (text[pos] === '}') {
          pos++;
          return obj;
        } else fail("expected ',' or '}'");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', pos)) return ((pos += 4), true);
    if (text.startsWith('false', pos)) return ((pos += 5), false);
    if (text.startsWith('null', pos)) return ((pos += 4), null);
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (m === null) return fail(pos >= text.length ? 'unexpected end' : 'unexpected character');
    pos += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return new JsonFloat(m[0]);
    // Beyond 2^53 the double is inexact, but also no longer a safe integer, which callers check.
    return Number(m[0]);
  };

  if (text.charCodeAt(0) === 0xfeff) fail('byte-order mark');
  const value = parseValue(0);
  skipSpace();
  if (pos < text.length) fail('trailing characters after the JSON value');
  return value;
}
