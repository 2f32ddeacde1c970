/**
 * Which values a format keeps exactly. A format that would change a value (a URL read back as `{}`,
 * `-0` as `0`, a hole as `undefined`) must refuse it before anything is written, naming where in the
 * value the part it cannot keep sits (`value.items[3].when`).
 *
 * The class-instance rule: plain objects (prototype `Object.prototype` or `null`), arrays, and the
 * built-in value types `Map`, `Set`, `Date`, `RegExp`, typed arrays and `BigInt` are data. Instances
 * of any other class (user classes, `URL`, `Error`, `WeakMap`, `Promise`, boxed primitives, subclasses
 * of the built-ins) carry behaviour no file format keeps, so they are refused unless a handler claims
 * them (a user's handler with a higher priority sees the value first). Functions and symbols are
 * refused too.
 */

/** A part of a value that a format cannot keep. */
export interface Unsupported {
  /** Where it is: `value`, `value.items[3].when`, `value.get("k")`. */
  path: string;
  /** What it is and why it cannot be kept. */
  reason: string;
}

/** What a format keeps beyond plain objects, arrays, strings, booleans, null and finite numbers. */
export interface ValueRules {
  /** The format's name, for messages: `CBOR`, `YAML`. */
  format: string;
  /** `Map`, `Set`, `RegExp`, typed arrays, `BigInt` and `undefined` (CBOR). */
  structured: boolean;
  /** Which dates the format keeps: a reason to refuse this one, or undefined. No function: none. */
  date?: (date: Date) => string | undefined;
  /** `-0` (YAML writes `-0.0`; CBOR as written by cbor-x reads it back as `0`). */
  negativeZero: boolean;
  /** Strings with unpaired surrogates (UTF-8 cannot encode them; JSON and YAML escape them). */
  loneSurrogates: boolean;
  /** An own property named `__proto__` (cbor-x renames it on reading). */
  protoKey: boolean;
  /** `NaN` and `±Infinity`. */
  nonFinite: boolean;
  /** Which BigInts: all, only those beyond ±(2^53 - 1) (JSON reads those back as BigInt), or none. */
  bigints: "any" | "beyond-safe" | "none";
  /** A value that contains itself (CBOR keeps shared and cyclic references). */
  cycles: boolean;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// `isWellFormed` (ES2024) is native and ~20x faster than the regex on long strings; older runtimes
// lack it.
const isWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

/** True when a string has an unpaired surrogate, which UTF-8 cannot encode. */
export function hasLoneSurrogate(text: string): boolean {
  return isWellFormed ? !isWellFormed.call(text) : LONE_SURROGATE.test(text);
}

// Typed-array prototypes cbor-x keeps (RFC 8746 tags), looked up lazily: `Buffer` exists only in
// Node. `Float16Array` is left out: cbor-x has no tag for it.
let typedPrototypes: Set<unknown> | undefined;
function isTypedArrayProto(proto: unknown): boolean {
  if (!typedPrototypes) {
    const names = ["Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array"];
    names.push("Uint32Array", "Float32Array", "Float64Array", "BigInt64Array", "BigUint64Array", "Buffer");
    const globals = globalThis as unknown as Record<string, { prototype?: unknown } | undefined>;
    typedPrototypes = new Set(names.map((n) => globals[n]?.prototype).filter((p) => p !== undefined));
  }
  return typedPrototypes.has(proto);
}

function keySegment(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function describeKey(key: unknown, index: number): string {
  if (typeof key === "string") return JSON.stringify(key);
  if (typeof key === "number" || typeof key === "boolean" || key === null) return String(key);
  return `<key #${index}>`;
}

function kindOf(value: object): string {
  const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name !== "string" || name === "") return "a class instance";
  return /^[AEIO]/.test(name) ? `an ${name}` : `a ${name}`;
}

/**
 * The first part of `value` that a format with these rules cannot keep exactly, or undefined when it
 * keeps all of it. A value reached twice is walked once; `rules.cycles` says whether a value may
 * contain itself.
 */
export function findUnsupported(value: unknown, rules: ValueRules): Unsupported | undefined {
  // Objects being walked (ancestors) and, when cycles are kept, every object already walked.
  const seen = new Set<object>();
  // The path is built only on the way out of a refusal: a value that is kept costs no strings.
  const walk = (v: unknown): Failure | undefined => {
    switch (typeof v) {
      case "boolean":
        return undefined;
      case "string":
        return !rules.loneSurrogates && hasLoneSurrogate(v)
          ? fail("a string with an unpaired surrogate")
          : undefined;
      case "number":
        if (!rules.nonFinite && !Number.isFinite(v)) return fail(String(v));
        return !rules.negativeZero && Object.is(v, -0) ? fail("-0") : undefined;
      case "bigint":
        if (rules.bigints === "any") return undefined;
        if (rules.bigints === "beyond-safe" && (v > MAX_SAFE || v < -MAX_SAFE)) return undefined;
        return fail(
          rules.bigints === "none" ? "a BigInt" : `the BigInt ${v}n (it would read back as a number)`,
        );
      case "undefined":
        return rules.structured ? undefined : fail("undefined");
      case "function":
      case "symbol":
        return fail(`a ${typeof v}`);
    }
    if (v === null) return undefined;
    const object = v as object;
    if (seen.has(object)) return rules.cycles ? undefined : fail("a reference to itself (a cycle)");
    seen.add(object);
    const found = walkObject(object);
    if (!rules.cycles) seen.delete(object);
    return found;
  };

  const walkObject = (object: object): Failure | undefined => {
    const proto: unknown = Object.getPrototypeOf(object);
    if (proto === Array.prototype) {
      const array = object as unknown[];
      for (let i = 0; i < array.length; i++) {
        const found = i in array ? walk(array[i]) : fail("a hole in a sparse array");
        if (found) return found.at(`[${i}]`);
      }
      return undefined;
    }
    if (proto === Object.prototype || proto === null) {
      if (Object.getOwnPropertySymbols(object).length > 0) return fail("a symbol-keyed property");
      for (const key of Object.keys(object)) {
        const found =
          key === "__proto__" && !rules.protoKey
            ? fail('a property named "__proto__"')
            : !rules.loneSurrogates && hasLoneSurrogate(key)
              ? fail("a property name with an unpaired surrogate")
              : walk((object as Record<string, unknown>)[key]);
        if (found) return found.at(keySegment(key));
      }
      return undefined;
    }
    if (proto === Date.prototype) {
      const refused = rules.date ? rules.date(object as Date) : "a Date";
      return refused === undefined ? undefined : fail(refused);
    }
    if (!rules.structured) return fail(kindOf(object));
    if (proto === Map.prototype) {
      let i = 0;
      for (const [key, item] of object as Map<unknown, unknown>) {
        const badKey = walk(key);
        if (badKey) return badKey.at(`.keys()[${i}]`);
        const badItem = walk(item);
        if (badItem) return badItem.at(`.get(${describeKey(key, i)})`);
        i++;
      }
      return undefined;
    }
    if (proto === Set.prototype) {
      let i = 0;
      for (const item of object as Set<unknown>) {
        const found = walk(item);
        if (found) return found.at(`.values()[${i}]`);
        i++;
      }
      return undefined;
    }
    if (proto === RegExp.prototype || isTypedArrayProto(proto)) return undefined;
    return fail(kindOf(object));
  };

  const failure = walk(value);
  return (
    failure && {
      path: `value${failure.segments.reverse().join("")}`,
      reason: `${failure.what} cannot be stored in ${rules.format} exactly`,
    }
  );
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A refusal on its way out of the walk, collecting path segments innermost first. */
class Failure {
  readonly segments: string[] = [];
  constructor(readonly what: string) {}
  at(segment: string): this {
    this.segments.push(segment);
    return this;
  }
}

function fail(what: string): Failure {
  return new Failure(what);
}

/** `what` at `path`, as a message: `value.items[3]: a URL cannot be stored in CBOR exactly`. */
export function describeUnsupported(found: Unsupported): string {
  return `${found.path}: ${found.reason}`;
}
