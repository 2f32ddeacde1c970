/**
 * Checks of the options object a store method takes (`get(key, { format, signal })`): a wrong type or
 * an unknown name (a typo) is a {@link ConfigError} naming the method and the option, before any I/O,
 * never a `TypeError` from deep inside a call.
 */
import { ConfigError } from "./errors.js";
import { closest, describeValue } from "./options.js";

/** How one call option is checked. */
export type CallOptionKind = "string" | "boolean" | "function" | "signal" | "schema" | "number";

/** The options every call takes. */
const COMMON: Readonly<Record<string, CallOptionKind>> = { signal: "signal" };

/** Throws {@link ConfigError} unless `options` is undefined or an object whose fields fit `fields`. */
export function checkCallOptions(
  method: string,
  options: unknown,
  fields: Readonly<Record<string, CallOptionKind>> = {},
): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new ConfigError(
      `${method}: options must be an object such as { signal } (got ${describeValue(options)})`,
      {
        field: "options",
      },
    );
  }
  for (const [name, value] of Object.entries(options)) {
    const kind = fields[name] ?? COMMON[name];
    if (kind === undefined) {
      const known = [...Object.keys(fields), ...Object.keys(COMMON)];
      const hint = closest(name, known);
      throw new ConfigError(
        `${method}: unknown option '${name}'${hint ? ` (did you mean '${hint}'?)` : ""}; allowed: ${known.join(", ")}`,
        { field: name },
      );
    }
    if (value === undefined || fits(value, kind)) continue;
    throw new ConfigError(
      `${method}: option '${name}' must be ${describeKind(kind)} (got ${describeValue(value)})`,
      {
        field: name,
      },
    );
  }
}

function fits(value: unknown, kind: CallOptionKind): boolean {
  switch (kind) {
    case "string":
      return typeof value === "string" && value !== "";
    case "boolean":
      return typeof value === "boolean";
    case "function":
      return typeof value === "function";
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "signal":
      // Duck-typed: signals from another realm (a worker, a test environment) are signals too.
      return typeof value === "object" && value !== null && "aborted" in value && "addEventListener" in value;
    case "schema":
      return typeof value === "object" && value !== null && "~standard" in value;
  }
}

function describeKind(kind: CallOptionKind): string {
  switch (kind) {
    case "string":
      return "a non-empty string";
    case "boolean":
      return "true or false";
    case "function":
      return "a function";
    case "number":
      return "a finite number";
    case "signal":
      return "an AbortSignal";
    case "schema":
      return "a Standard Schema (zod, valibot, arktype…)";
  }
}
