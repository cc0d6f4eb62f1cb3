#!/usr/bin/env node
// Zod 3 oracle for the loop-contracts parity corpus.
//
//   node oracle.mjs generate [--schemas DIR] [--out DIR]
//   node oracle.mjs check [--schemas DIR] [--corpus DIR] [--require-ajv-agreement]
//
// See README.md beside this file.

import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { z } from "zod";
import { loadEvents } from "./zod-schema.mjs";
import { generateCases, divergentCases } from "./cases.mjs";
import { TRICKY, mutations } from "./formats.mjs";
import { Prng } from "./prng.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020").default;
const ZOD_VERSION = require("zod/package.json").version;

const DEFAULT_SCHEMAS = resolve(here, "../../schemas");
const DEFAULT_CORPUS = resolve(here, "../parity");
const FORMAT_KINDS = ["uuid", "datetime", "email", "url"];
const FORMAT_MUTATIONS = 60;

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const opts = { command, schemas: DEFAULT_SCHEMAS, out: DEFAULT_CORPUS, requireAjv: false };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--schemas") opts.schemas = resolve(rest[++i]);
    else if (arg === "--out" || arg === "--corpus") opts.out = resolve(rest[++i]);
    else if (arg === "--require-ajv-agreement") opts.requireAjv = true;
    else usage(`unknown argument ${arg}`);
  }
  if (command !== "generate" && command !== "check") usage("expected a command");
  return opts;
}

function usage(problem) {
  console.error(`oracle: ${problem}`);
  console.error("usage: node oracle.mjs generate [--schemas DIR] [--out DIR]");
  console.error("       node oracle.mjs check [--schemas DIR] [--corpus DIR] [--require-ajv-agreement]");
  process.exit(2);
}

/** Zod's verdict on JSON text: success, issues (path joined with ".", code, message), output data. */
function runZod(schema, text) {
  const result = schema.safeParse(JSON.parse(text));
  if (result.success) return { success: true, issues: [], data: result.data };
  const issues = result.error.issues.map((issue) => ({
    path: issue.path.join("."),
    code: issue.code,
    message: issue.message,
  }));
  return { success: false, issues, data: null };
}

function makeAjvValidators(events) {
  const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
  const validators = new Map();
  for (const event of events) {
    if (event.jsonSchema !== undefined) validators.set(event.name, ajv.compile(event.jsonSchema));
  }
  return validators;
}

function evaluate(event, text, validators) {
  const zod = runZod(event.zod, text);
  const record = { zod };
  const validate = validators.get(event.name);
  if (validate) record.ajv = validate(JSON.parse(text)) === true;
  return record;
}

/**
 * As evaluate, for inputs a strict JSON parser rejects: the output data would hold the lone
 * surrogate, which the corpus line cannot carry, so it is not recorded.
 */
function evaluateDivergent(event, text, validators) {
  const record = evaluate(event, text, validators);
  record.zod.data = null;
  for (const issue of record.zod.issues) {
    if (!issue.message.isWellFormed()) throw new Error(`divergent case message is not well formed: ${text}`);
  }
  return record;
}

function catalogOf(events) {
  const enumValues = [];
  const visit = (spec) => {
    if (spec.type === "enum") enumValues.push(...spec.values);
    if (spec.fields) for (const [, child] of spec.fields) visit(child);
    if (spec.items) visit(spec.items);
  };
  for (const event of events) visit(event.spec);
  return { enumValues: [...new Set(enumValues)] };
}

/** Every format string: the fixed tricky list plus seeded mutations of valid examples. */
function formatInputs() {
  const out = [];
  for (const kind of FORMAT_KINDS) {
    const prng = new Prng(`formats:${kind}`);
    const inputs = [...TRICKY[kind], ...mutations(kind, prng, FORMAT_MUTATIONS)];
    for (const input of new Set(inputs)) {
      if (!input.isWellFormed()) continue; // lone surrogates cannot be carried as strict JSON
      out.push({ kind, input });
    }
  }
  return out;
}

const formatSchemas = {
  uuid: z.string().uuid(),
  datetime: z.string().datetime(),
  email: z.string().email(),
  url: z.string().url(),
};

function generate(opts) {
  const events = loadEvents(opts.schemas);
  if (events.length === 0) throw new Error(`no *.fields.json in ${opts.schemas}`);
  const validators = makeAjvValidators(events);
  const catalog = catalogOf(events);
  const lines = [];
  const divergent = [];
  const counts = [];
  let skipped = 0;
  for (const event of events) {
    let n = 0;
    for (const { id, input } of generateCases(event, catalog)) {
      let parsed;
      try {
        parsed = JSON.parse(input);
      } catch {
        skipped++;
        continue;
      }
      if (!wellFormed(input, parsed)) throw new Error(`${id}: input has a lone surrogate`);
      lines.push(JSON.stringify({ id, event: event.name, input, ...evaluate(event, input, validators) }));
      n++;
    }
    for (const { id, input, reason } of divergentCases(event)) {
      const record = evaluateDivergent(event, input, validators);
      divergent.push(JSON.stringify({ id, event: event.name, divergent: true, reason, input, ...record }));
    }
    counts.push([event.name, n]);
  }
  mkdirSync(opts.out, { recursive: true });
  writeFileSync(join(opts.out, "corpus.jsonl"), [...lines, ...divergent].join("\n") + "\n");
  const formats = formatInputs().map(({ kind, input }) =>
    JSON.stringify({ kind, input, zod: formatSchemas[kind].safeParse(input).success }),
  );
  writeFileSync(join(opts.out, "formats.jsonl"), formats.join("\n") + "\n");

  for (const [name, n] of counts) console.log(`${name}: ${n} cases`);
  console.log(`zod ${ZOD_VERSION}: ${lines.length} cases, ${divergent.length} divergent, ${formats.length} format strings` +
    (skipped ? `, ${skipped} unparsable inputs skipped` : ""));
}

/**
 * True when the text has no lone surrogate, so that the corpus line (and Rust's UTF-8 strings) can
 * carry it. Numbers that overflow to Infinity are allowed: the Rust side reads them as JSON.parse
 * does.
 */
function wellFormed(text, parsed) {
  if (!text.isWellFormed()) return false;
  let ok = true;
  const visit = (v) => {
    if (typeof v === "string" && !v.isWellFormed()) ok = false;
    else if (Array.isArray(v)) v.forEach(visit);
    else if (v && typeof v === "object") {
      for (const key of Object.keys(v)) {
        if (!key.isWellFormed()) ok = false;
        visit(v[key]);
      }
    }
  };
  visit(parsed);
  return ok;
}

/**
 * The one known way ajv and Zod disagree: JSON Schema's `integer` in ajv is `!(x % 1)`, which
 * Infinity passes (`Infinity % 1` is NaN), while Zod's `.int()` is `Number.isInteger`, which it
 * fails. True when the input overflows to an infinity somewhere, ajv accepts, and every Zod issue
 * is the integer check's.
 */
function infinityAsInteger(text, live) {
  if (live.ajv !== true || live.zod.success) return false;
  if (!live.zod.issues.every((issue) => issue.message === "Expected integer, received float")) return false;
  let infinite = false;
  JSON.parse(text, (key, value) => {
    if (typeof value === "number" && !Number.isFinite(value)) infinite = true;
    return value;
  });
  return infinite;
}

function readJsonl(file) {
  return readFileSync(file, "utf8").split("\n").filter((line) => line.length > 0).map((line) => JSON.parse(line));
}

function check(opts) {
  const events = new Map(loadEvents(opts.schemas).map((e) => [e.name, e]));
  const validators = makeAjvValidators([...events.values()]);
  const corpusFile = join(opts.out, "corpus.jsonl");
  const formatsFile = join(opts.out, "formats.jsonl");
  for (const file of [corpusFile, formatsFile]) {
    if (!existsSync(file)) throw new Error(`${file} does not exist; run generate first`);
  }
  const differences = [];
  const ajvDisagreements = [];
  let ajvInfinities = 0;
  let checked = 0;
  const corpus = readJsonl(corpusFile);
  for (const recorded of corpus) {
    checked++;
    const event = events.get(recorded.event);
    if (!event) {
      differences.push(`${recorded.id}: event ${recorded.event} is not in ${opts.schemas}`);
      continue;
    }
    const live = recorded.divergent
      ? evaluateDivergent(event, recorded.input, validators)
      : evaluate(event, recorded.input, validators);
    const want = JSON.stringify({ zod: recorded.zod, ajv: recorded.ajv });
    const got = JSON.stringify({ zod: live.zod, ajv: live.ajv });
    if (want !== got) differences.push(`${recorded.id}: recorded ${want} but live ${got}`);
    if (live.ajv !== undefined && live.ajv !== live.zod.success) {
      if (infinityAsInteger(recorded.input, live)) ajvInfinities++;
      else ajvDisagreements.push(`${recorded.id}: ajv ${live.ajv}, zod ${live.zod.success}: ${recorded.input}`);
    }
  }
  const covered = new Set();
  for (const recorded of corpus) covered.add(recorded.event);
  for (const name of events.keys()) {
    if (!covered.has(name)) differences.push(`event ${name} has no cases in corpus.jsonl; run generate`);
  }
  const present = new Set();
  for (const recorded of readJsonl(formatsFile)) {
    checked++;
    present.add(`${recorded.kind}\u0000${recorded.input}`);
    const live = formatSchemas[recorded.kind]?.safeParse(recorded.input).success;
    if (live !== recorded.zod) {
      differences.push(`formats ${recorded.kind} ${JSON.stringify(recorded.input)}: recorded ${recorded.zod} but live ${live}`);
    }
  }
  const expected = formatInputs();
  const missing = expected.filter(({ kind, input }) => !present.has(`${kind}\u0000${input}`));
  if (missing.length > 0) differences.push(`formats.jsonl lacks ${missing.length} format strings; run generate`);

  for (const line of differences.slice(0, 20)) console.log(`DIFF ${line}`);
  console.log(`checked ${checked} cases: ${differences.length} differ (zod ${ZOD_VERSION})`);
  if (validators.size > 0) {
    for (const line of ajvDisagreements.slice(0, 20)) console.log(`AJV ${line}`);
    console.log(`ajv vs zod: ${ajvDisagreements.length} disagreements (${validators.size} JSON Schemas)`);
    console.log(`ajv vs zod: ${ajvInfinities} more where only an infinity in an integer field differs (known, see README)`);
  } else {
    console.log("ajv vs zod: no JSON Schemas found");
  }
  let failed = differences.length > 0;
  if (opts.requireAjv && (ajvDisagreements.length > 0 || validators.size < events.size)) {
    if (validators.size < events.size) console.log(`ajv: ${events.size - validators.size} events have no JSON Schema`);
    failed = true;
  }
  process.exit(failed ? 1 : 0);
}

const opts = parseArgs(process.argv.slice(2));
try {
  if (opts.command === "generate") generate(opts);
  else check(opts);
} catch (error) {
  console.error(`oracle: ${error.message}`);
  process.exit(2);
}
