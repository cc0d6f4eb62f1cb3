// Discovery documents (`<event>.fields.json`) and the Zod 3 schemas they stand for.

import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";

const TYPES = new Set([
  "uuid", "datetime", "email", "url", "enum", "integer", "number", "boolean", "string", "object", "array",
]);

/**
 * Normalised field spec: { type, required, minLength, maxLength, values, fields, items }.
 * `fields` is an array of [name, spec] in definition order; `items` is a spec (always required).
 */
export function normalizeSpec(raw, where, isItem = false) {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`${where}: field spec must be an object`);
  }
  if (!TYPES.has(raw.type)) throw new Error(`${where}: unknown type ${JSON.stringify(raw.type)}`);
  const spec = {
    type: raw.type,
    required: isItem ? true : raw.required !== false,
    minLength: raw.minLength,
    maxLength: raw.maxLength,
    values: undefined,
    fields: undefined,
    items: undefined,
  };
  if (raw.type === "enum") {
    if (!Array.isArray(raw.values) || raw.values.length === 0) throw new Error(`${where}: enum needs values`);
    spec.values = raw.values.slice();
  }
  if (raw.type === "object" && raw.fields !== undefined) {
    spec.fields = Object.entries(raw.fields).map(([name, child]) => [
      name,
      normalizeSpec(child, `${where}.${name}`),
    ]);
  }
  if (raw.type === "array") {
    if (raw.items === undefined) throw new Error(`${where}: array needs items`);
    spec.items = normalizeSpec(raw.items, `${where}[]`, true);
  }
  return spec;
}

/** Zod 3 schema of one field spec (docs/platform.md §2.1), before `.nullish()`. */
export function zodOf(spec) {
  let schema;
  switch (spec.type) {
    case "string":
    case "uuid":
    case "datetime":
    case "email":
    case "url":
      schema = z.string();
      if (spec.type === "uuid") schema = schema.uuid();
      if (spec.type === "datetime") schema = schema.datetime();
      if (spec.type === "email") schema = schema.email();
      if (spec.type === "url") schema = schema.url();
      if (typeof spec.minLength === "number") schema = schema.min(spec.minLength);
      if (typeof spec.maxLength === "number") schema = schema.max(spec.maxLength);
      return schema;
    case "enum":
      return z.enum(spec.values);
    case "integer":
      return z.number().int();
    case "number":
      return z.number();
    case "boolean":
      return z.boolean();
    case "object":
      if (spec.fields === undefined) return z.record(z.unknown());
      return objectOf(spec.fields);
    case "array":
      return z.array(zodOf(spec.items));
    default:
      throw new Error(`unknown type ${spec.type}`);
  }
}

function objectOf(fields) {
  const shape = {};
  for (const [name, child] of fields) {
    const schema = zodOf(child);
    shape[name] = child.required ? schema : schema.nullish();
  }
  return z.object(shape);
}

/** One event: its discovery document, normalised fields, Zod schema and JSON Schema (if any). */
export function loadEvents(dir) {
  if (!existsSync(dir)) throw new Error(`schemas directory ${dir} does not exist`);
  const files = readdirSync(dir).filter((f) => f.endsWith(".fields.json")).sort();
  return files.map((file) => {
    const doc = JSON.parse(readFileSync(join(dir, file), "utf8"));
    const name = doc.name;
    if (typeof name !== "string" || `${name}.fields.json` !== file) {
      throw new Error(`${file}: "name" must match the file name`);
    }
    const spec = normalizeSpec({ type: "object", required: true, fields: doc.fields }, name);
    const jsonSchemaFile = join(dir, `${name}.schema.json`);
    const jsonSchema = existsSync(jsonSchemaFile)
      ? JSON.parse(readFileSync(jsonSchemaFile, "utf8"))
      : undefined;
    return { name, spec, zod: objectOf(spec.fields), jsonSchema };
  });
}
