#!/usr/bin/env node
// The Node side of benches/compare.sh: Zod 3 (the oracle's schemas, built from the discovery
// documents by tests/oracle/zod-schema.mjs) and ajv 8 on the emitted schemas/*.schema.json, on the
// corpus that benches/compare.rs measures; and the declared Shopify transform as a Node service
// would write it: JSON.parse, jsonpath-plus for the mappings, the same coercions, Zod validation.
// Prints one JSON object per line, as compare.rs does, with the same timing rules (see there).
//
//   node benches/compare/node.mjs [--quick]      (COMPARE_ROUNDS rounds, default 200)
//
// Needs `npm ci` in tests/oracle (zod, ajv) and in this directory (jsonpath-plus).

import { readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { dirname, resolve } from "node:path";
import { JSONPath } from "jsonpath-plus";
import { loadEvents } from "../../tests/oracle/zod-schema.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const oracleRequire = createRequire(resolve(root, "tests/oracle/package.json"));
const Ajv2020 = oracleRequire("ajv/dist/2020").default;
const versions = {
  node: process.versions.node,
  zod: oracleRequire("zod/package.json").version,
  ajv: oracleRequire("ajv/package.json").version,
  jsonpathPlus: JSON.parse(readFileSync(resolve(here, "node_modules/jsonpath-plus/package.json"), "utf8")).version,
};

const quick = process.argv.includes("--quick");
const ROUNDS = Number(process.env.COMPARE_ROUNDS ?? 200);
const BATCH_NS = 2e6;
const WARM_UP_NS = 1e8;
const BRAND = "6f1c2a9e-1b7d-4c1e-9a55-2f1a3b4c5d6e";
const FIXTURE = resolve(root, "tests/fixtures/webhooks/shopify/orders-create.json");

let sink = 0;

function timeBatch(item, batch) {
  const started = process.hrtime.bigint();
  let s = 0;
  for (let i = 0; i < batch; i++) s += item.call();
  const elapsed = Number(process.hrtime.bigint() - started);
  sink += s;
  return elapsed / (batch * item.per);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** Nanoseconds per payload of each item: the median over ROUNDS rounds of one batch each. */
function measure(items) {
  if (quick) return items.map((item) => timeBatch(item, 1));
  const batches = items.map((item) => {
    const started = process.hrtime.bigint();
    let calls = 0;
    while (Number(process.hrtime.bigint() - started) < WARM_UP_NS) {
      sink += item.call();
      calls++;
    }
    const perCall = Number(process.hrtime.bigint() - started) / calls;
    return Math.max(1, Math.round(BATCH_NS / perCall));
  });
  const samples = items.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    items.forEach((item, i) => samples[i].push(timeBatch(item, batches[i])));
  }
  return samples.map(median);
}

function emit(items, medians) {
  items.forEach(({ group, case: c, engine }, i) => {
    console.log(JSON.stringify({ side: "node", group, case: c, engine, ns: medians[i], rounds: quick ? 0 : ROUNDS }));
  });
}

// ---------------------------------------------------------------- validation

const events = loadEvents(resolve(root, "schemas"));
const zodByName = new Map(events.map((e) => [e.name, e.zod]));
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
const ajvByName = new Map(events.map((e) => [e.name, ajv.compile(e.jsonSchema)]));

const fixed = JSON.parse(readFileSync(resolve(here, "payloads.json"), "utf8")).cases;
const slice = readFileSync(resolve(root, "tests/parity/corpus.jsonl"), "utf8")
  .split("\n")
  .filter((line) => line.length > 0)
  .map((line) => JSON.parse(line))
  .filter((c) => c.divergent === undefined)
  .filter((_, i) => i % 20 === 0)
  .map((c) => ({ event: c.event, payload: JSON.parse(c.input), zod: c.zod.success }))
  // A number beyond a double has no serde_json `Value`: compare.rs leaves those inputs out, and so
  // does this side.
  .filter((c) => !hasInfinity(c.payload));

function hasInfinity(value) {
  if (typeof value === "number") return !Number.isFinite(value);
  if (value === null || typeof value !== "object") return false;
  return Object.values(value).some(hasInfinity);
}

function verdicts(event, payload) {
  const z = zodByName.get(event).safeParse(payload).success;
  const a = ajvByName.get(event)(payload) === true;
  if (z !== a) throw new Error(`Zod and ajv disagree on a ${event} payload: ${JSON.stringify(payload)}`);
  return z;
}
for (const { event, payload } of fixed) verdicts(event, payload);
for (const c of slice) {
  if (verdicts(c.event, c.payload) !== c.zod) throw new Error(`the corpus's Zod verdict differs for ${c.event}`);
}
console.log(
  JSON.stringify({
    side: "node",
    meta: "corpus",
    slice: slice.length,
    slice_valid: slice.filter((c) => c.zod).length,
    fixed: fixed.map((c) => c.case),
    versions,
  }),
);

const validationItems = [];
for (const { case: c, event, payload } of fixed) {
  const validate = ajvByName.get(event);
  validationItems.push({
    group: "validation",
    case: c,
    engine: "zod_safe_parse",
    per: 1,
    call: () => (zodByName.get(event).safeParse(payload).success ? 1 : 0),
  });
  validationItems.push({
    group: "validation",
    case: c,
    engine: "ajv_all_errors",
    per: 1,
    call: () => (validate(payload) ? 0 : validate.errors.length),
  });
}
const resolved = slice.map(({ event, payload }) => ({ event, payload, validate: ajvByName.get(event) }));
const sliceCase = `parity_corpus_slice_${resolved.length}`;
validationItems.push({
  group: "validation",
  case: sliceCase,
  engine: "zod_safe_parse",
  per: resolved.length,
  call: () => {
    let ok = 0;
    for (const { event, payload } of resolved) if (zodByName.get(event).safeParse(payload).success) ok++;
    return ok;
  },
});
validationItems.push({
  group: "validation",
  case: sliceCase,
  engine: "ajv_all_errors",
  per: resolved.length,
  call: () => {
    let errors = 0;
    for (const { payload, validate } of resolved) if (!validate(payload)) errors += validate.errors.length;
    return errors;
  },
});
emit(validationItems, measure(validationItems));

// ---------------------------------------------------------------- bytes

// The compact JSON text of each fixed payload, keys in the file's order: the text compare.rs
// times (report.mjs checks the digests agree).
const texts = fixed.map(({ case: c, event, payload }) => ({ case: c, event, text: JSON.stringify(payload) }));
console.log(
  JSON.stringify({
    side: "node",
    meta: "bytes",
    texts: texts.map(({ case: c, text }) => ({
      case: c,
      bytes: Buffer.byteLength(text),
      sha256: createHash("sha256").update(text, "utf8").digest("hex"),
    })),
  }),
);
const bytesItems = [];
for (const { case: c, event, text } of texts) {
  const validate = ajvByName.get(event);
  const zod = zodByName.get(event);
  bytesItems.push({ group: "bytes", case: c, engine: "json_parse", per: 1, call: () => (JSON.parse(text) ? 1 : 0) });
  bytesItems.push({
    group: "bytes",
    case: c,
    engine: "json_parse_ajv_all_errors",
    per: 1,
    call: () => (validate(JSON.parse(text)) ? 0 : validate.errors.length),
  });
  bytesItems.push({
    group: "bytes",
    case: c,
    engine: "json_parse_zod_safe_parse",
    per: 1,
    call: () => {
      const result = zod.safeParse(JSON.parse(text));
      return result.success ? 0 : result.error.issues.length;
    },
  });
}
emit(bytesItems, measure(bytesItems));

// ---------------------------------------------------------------- transforms

// loop_contracts::inbound::EVENT_ID_NAMESPACE: the same derived ids as the crate's `uuid` coercion.
const EVENT_ID_NAMESPACE = Buffer.from("6c6f6f702d636f6e7472616374730001", "hex");
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

function uuidV5(name) {
  const bytes = createHash("sha1").update(EVENT_ID_NAMESPACE).update(name, "utf8").digest().subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function coerce(kind, value, namespace) {
  switch (kind) {
    case "string":
      return typeof value === "number" || typeof value === "boolean" ? String(value) : value;
    case "datetime": {
      if (typeof value !== "string" && typeof value !== "number") return value;
      const t = new Date(typeof value === "number" ? value * 1000 : value);
      return Number.isNaN(t.getTime()) ? value : t.toISOString();
    }
    case "uuid":
      if (typeof value === "string" && UUID.test(value)) return value;
      if ((typeof value === "string" && value !== "") || typeof value === "number") return uuidV5(`${namespace}:${value}`);
      return value;
    default:
      throw new Error(`unknown coercion ${kind}`);
  }
}

// The declaration of compare.rs, in jsonpath-plus's filter syntax.
const EVENT = "order.completed.v1";
const MAPPINGS = [
  ["eventId", { path: "$.admin_graphql_api_id", coerce: "uuid" }],
  ["occurredAt", { path: "$.created_at", coerce: "datetime" }],
  ["brandId", { path: "$.note_attributes[?(@.name==='brand_id')].value" }],
  ["platform", { const: "shopify" }],
  ["orderId", { path: "$.id", coerce: "string" }],
  ["email", { first: ["$.email", "$.contact_email", "$.customer.email"] }],
  ["currency", { path: "$.currency" }],
  ["totalPrice", { path: "$.total_price" }],
];
const orderSchema = zodByName.get(EVENT);

function declaredTransform(text) {
  const json = JSON.parse(text);
  const candidate = {};
  for (const [field, m] of MAPPINGS) {
    let value;
    if ("const" in m) {
      value = m.const;
    } else if (m.first) {
      for (const path of m.first) {
        const found = JSONPath({ path, json })[0];
        if (found !== undefined && found !== null) {
          value = found;
          break;
        }
      }
    } else {
      value = JSONPath({ path: m.path, json })[0];
    }
    if (value !== undefined) candidate[field] = m.coerce ? coerce(m.coerce, value, `${EVENT}:${field}`) : value;
  }
  if (candidate.brandId === undefined || candidate.brandId === null) candidate.brandId = BRAND;
  return orderSchema.safeParse(candidate);
}

const text = readFileSync(FIXTURE, "utf8");
const result = declaredTransform(text);
if (!result.success) throw new Error(`the declared transform fails: ${JSON.stringify(result.error.issues)}`);
console.log(JSON.stringify({ side: "node", meta: "transform", fixture_chars: text.length, declared_output: result.data }));

const transformItems = [
  {
    group: "transform",
    case: "shopify_orders_create",
    engine: "json_parse",
    per: 1,
    call: () => Object.keys(JSON.parse(text)).length,
  },
  {
    group: "transform",
    case: "shopify_orders_create",
    engine: "node_declared_jsonpath_plus_zod",
    per: 1,
    call: () => (declaredTransform(text).success ? 1 : 0),
  },
];
emit(transformItems, measure(transformItems));
if (sink === 0.5) console.log("");
