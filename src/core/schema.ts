/**
 * Validation with any Standard Schema (zod, valibot, arktype…): the one interface these libraries
 * share, so autostore-js depends on none of them.
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { type ErrorContext, SchemaValidationError } from "./errors.js";

export type { StandardSchemaV1 };

/** Validates `value`; returns the schema's output (which may be transformed) or throws. */
export async function validateWithSchema<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
  context: ErrorContext & { action: "read" | "write" },
): Promise<StandardSchemaV1.InferOutput<S>> {
  let result = schema["~standard"].validate(value);
  if (result instanceof Promise) result = await result;
  if (result.issues) {
    const where = context.uri ?? context.key ?? "value";
    const first = result.issues[0];
    const path = first?.path?.map((p) => (typeof p === "object" ? String(p.key) : String(p))).join(".");
    const summary = first ? `${path ? `${path}: ` : ""}${first.message}` : "invalid";
    const more = result.issues.length > 1 ? ` (and ${result.issues.length - 1} more)` : "";
    throw new SchemaValidationError(
      `${context.action} ${where}: the value does not match its schema: ${summary}${more}`,
      result.issues,
      context,
    );
  }
  return result.value as StandardSchemaV1.InferOutput<S>;
}
