#!/usr/bin/env node
// Turns the results of one benches/compare.sh run into markdown tables: medians and ratios.
//
//   node benches/compare/report.mjs DIR
//
// DIR holds rust-<n>.jsonl and node-<n>.jsonl (one file per harness run, the runs alternating),
// client.json (the `compare-json:` line of the client benchmark) and machine.json. A figure is
// the median over the runs of each run's median.

import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
if (!dir) {
  console.error("usage: node report.mjs DIR");
  process.exit(2);
}

const runs = { rust: [], node: [] };
for (const file of readdirSync(dir).sort()) {
  const side = file.match(/^(rust|node)-\d+\.jsonl$/)?.[1];
  if (!side) continue;
  const lines = readFileSync(join(dir, file), "utf8").split("\n").filter((l) => l.startsWith("{"));
  runs[side].push(lines.map((l) => JSON.parse(l)));
}
const machine = JSON.parse(readFileSync(join(dir, "machine.json"), "utf8"));
const client = existsSync(join(dir, "client.json")) ? JSON.parse(readFileSync(join(dir, "client.json"), "utf8")) : null;

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The median over the runs of one figure, in ns; undefined when absent. */
function figure(side, group, c, engine) {
  const values = runs[side]
    .map((run) => run.find((r) => r.group === group && r.case === c && r.engine === engine)?.ns)
    .filter((v) => v !== undefined);
  return values.length ? median(values) : undefined;
}

function meta(side, name) {
  for (const run of runs[side]) {
    const m = run.find((r) => r.meta === name);
    if (m) return m;
  }
  return undefined;
}

function time(ns) {
  if (ns === undefined) return "n/a";
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(ns >= 1e5 ? 1 : 2)} µs`;
  return `${ns.toFixed(1)} ns`;
}

function ratio(other, base) {
  if (other === undefined || base === undefined) return "n/a";
  return `${(other / base).toFixed(2)}x`;
}

const out = [];
const corpus = meta("rust", "corpus");
const nodeCorpus = meta("node", "corpus");
const versions = nodeCorpus?.versions ?? {};

out.push(
  `Run of ${machine.date} (${machine.start}–${machine.end} UTC) on ${machine.cpus} cores (${machine.model}), ` +
    `${machine.rustc}, Node ${versions.node}; load average ${machine.load_before} before, ${machine.load_after} after. ` +
    `${runs.rust.length} Rust and ${runs.node.length} Node harness runs, alternating; ` +
    `each figure is the median of the runs' medians.`,
);
out.push("");

// ---------------------------------------------------------------- validation
out.push("### Validation (time per payload; ratio = that engine's time / this crate's)");
out.push("");
out.push(
  "| payload | loop-contracts `issues` | `jsonschema` all errors | ratio | ajv `allErrors` | ratio | " +
    "loop-contracts `validate_event` | Zod `safeParse` | ratio |",
);
out.push("|---|---|---|---|---|---|---|---|---|");
const labels = {
  lead_valid: "lead, valid",
  lead_invalid: "lead, invalid (7 issues)",
  order_25_items: "order, 25 line items, valid",
  order_3_bad_items: "order, 25 line items, 3 bad (3 issues)",
};
const cases = [...(corpus?.fixed ?? []), `parity_corpus_slice_${corpus?.slice}`];
for (const c of cases) {
  const label =
    labels[c] ?? `parity corpus, every 20th line (${corpus.slice} payloads, ${corpus.slice_valid} valid), mean`;
  const issues = figure("rust", "validation", c, "loop_contracts_issues");
  const validate = figure("rust", "validation", c, "loop_contracts_validate_event");
  const js = figure("rust", "validation", c, "jsonschema_all_errors");
  const ajv = figure("node", "validation", c, "ajv_all_errors");
  const zod = figure("node", "validation", c, "zod_safe_parse");
  out.push(
    `| ${label} | ${time(issues)} | ${time(js)} | ${ratio(js, issues)} | ${time(ajv)} | ${ratio(ajv, issues)} | ` +
      `${time(validate)} | ${time(zod)} | ${ratio(zod, validate)} |`,
  );
}
out.push("");
out.push("`validate_event` against the `jsonschema` crate's all-errors pass (target: no slower, ratio ≥ 1.00):");
out.push("");
out.push("| payload | `validate_event` | `jsonschema` all errors | jsonschema / validate_event |");
out.push("|---|---|---|---|");
for (const c of corpus?.fixed ?? []) {
  const validate = figure("rust", "validation", c, "loop_contracts_validate_event");
  const js = figure("rust", "validation", c, "jsonschema_all_errors");
  out.push(`| ${labels[c] ?? c} | ${time(validate)} | ${time(js)} | ${ratio(js, validate)} |`);
}
out.push("");

// ---------------------------------------------------------------- bytes
const rustBytes = meta("rust", "bytes");
const nodeBytes = meta("node", "bytes");
if (rustBytes) {
  const same =
    nodeBytes?.texts?.length === rustBytes.texts.length &&
    rustBytes.texts.every((t, i) => {
      const n = nodeBytes.texts[i];
      return n.case === t.case && n.bytes === t.bytes && n.sha256 === t.sha256;
    });
  const sizes = rustBytes.texts.map((t) => `${labels[t.case] ?? t.case}: ${t.bytes} bytes`).join("; ");
  out.push("### From JSON text to the verdict and issues (time per payload)");
  out.push("");
  out.push(
    `The compact JSON text of each payload, keys in the order of \`payloads.json\` (${sizes}); ` +
      (same ? "both harnesses time the same text (SHA-256 checked)." : "**the two harnesses' texts differ**."),
  );
  out.push("");
  out.push(
    "| payload | floor: syntax-only parse (`IgnoredAny`) | `check_slice` | × floor | `validate_slice_into` | " +
      "typed `from_json_slice` | typed / `check_slice` | parse `Value` + `issues` | parse `Value` + `jsonschema` | " +
      "`JSON.parse` | `JSON.parse` + ajv `allErrors` | ajv / `check_slice` | `JSON.parse` + Zod |",
  );
  out.push("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
  for (const t of rustBytes.texts) {
    const B = (side, engine) => figure(side, "bytes", t.case, engine);
    const floor = B("rust", "serde_ignored_any");
    const check = B("rust", "loop_contracts_check_slice");
    const typed = B("rust", "loop_contracts_typed");
    const ajv = B("node", "json_parse_ajv_all_errors");
    out.push(
      `| ${labels[t.case] ?? t.case} | ${time(floor)} | ${time(check)} | ${ratio(check, floor)} | ` +
        `${time(B("rust", "loop_contracts_validate_slice_into"))} | ${time(typed)} | ${ratio(typed, check)} | ` +
        `${time(B("rust", "loop_contracts_value_issues"))} | ${time(B("rust", "jsonschema_all_errors"))} | ` +
        `${time(B("node", "json_parse"))} | ${time(ajv)} | ${ratio(ajv, check)} | ${time(B("node", "json_parse_zod_safe_parse"))} |`,
    );
  }
  out.push("");
  out.push(
    "Typed decoding in one reading, against the generated `Deserialize` alone (which decodes a valid " +
      "payload and stops at an invalid one's first refusal, with no issues) and against `check_slice` " +
      "(target for an invalid payload: typed / `check_slice` ≤ 1.3x):",
  );
  out.push("");
  out.push("| payload | `Deserialize` alone | typed `from_json_slice` | typed / `Deserialize` | `check_slice` | typed / `check_slice` |");
  out.push("|---|---|---|---|---|---|");
  for (const t of rustBytes.texts) {
    const B = (engine) => figure("rust", "bytes", t.case, engine);
    const alone = B("loop_contracts_typed_deserialize_only");
    const typed = B("loop_contracts_typed");
    const check = B("loop_contracts_check_slice");
    out.push(
      `| ${labels[t.case] ?? t.case} | ${time(alone)} | ${time(typed)} | ${ratio(typed, alone)} | ${time(check)} | ` +
        `${ratio(typed, check)} |`,
    );
  }
  out.push("");
}

// ---------------------------------------------------------------- per issue
const perIssue = [...new Set(runs.rust.flat().filter((r) => r.group === "per_issue").map((r) => r.case))];
if (perIssue.length) {
  out.push("### Per issue on long arrays (time per issue; each line item has one)");
  out.push("");
  out.push(
    "| line items | `check_slice` (bytes) | parse `Value` + `issues` | `issues` on a parsed `Value` | " +
      "parse `Value` + `jsonschema` | `jsonschema` on a parsed `Value` | jsonschema (bytes) / `check_slice` |",
  );
  out.push("|---|---|---|---|---|---|---|");
  for (const c of perIssue) {
    const P = (engine) => figure("rust", "per_issue", c, engine);
    const check = P("loop_contracts_check_slice");
    const jsBytes = P("jsonschema_all_errors_bytes");
    const n = Number(c.match(/\d+/)[0]).toLocaleString("en-US");
    out.push(
      `| ${n} | ${time(check)} | ${time(P("loop_contracts_value_issues"))} | ${time(P("loop_contracts_issues"))} | ` +
        `${time(jsBytes)} | ${time(P("jsonschema_all_errors"))} | ${ratio(jsBytes, check)} |`,
    );
  }
  out.push("");
}

// ---------------------------------------------------------------- transforms
const rustTransform = meta("rust", "transform");
const nodeTransform = meta("node", "transform");
out.push(
  `### Transforms: Shopify \`orders/create\` fixture (${rustTransform?.fixture_bytes} bytes) to a validated ` +
    "`order.completed.v1`",
);
out.push("");
out.push("| step | Rust | ratio to the bare parse | Node | ratio to the bare parse | Node / Rust |");
out.push("|---|---|---|---|---|---|");
const T = (side, engine) => figure(side, "transform", "shopify_orders_create", engine);
const serdeParse = T("rust", "serde_json_value_parse");
const jsonParse = T("node", "json_parse");
const builtIn = T("rust", "loop_contracts_built_in");
const declared = T("rust", "loop_contracts_declared");
const nodeDeclared = T("node", "node_declared_jsonpath_plus_zod");
out.push(
  `| bare parse (\`serde_json::from_slice::<Value>\` / \`JSON.parse\`) | ${time(serdeParse)} | 1.00x | ` +
    `${time(jsonParse)} | 1.00x | ${ratio(jsonParse, serdeParse)} |`,
);
out.push(
  `| declared transform, validated (loop-contracts / jsonpath-plus + Zod) | ${time(declared)} | ` +
    `${ratio(declared, serdeParse)} | ${time(nodeDeclared)} | ${ratio(nodeDeclared, jsonParse)} | ` +
    `${ratio(nodeDeclared, declared)} |`,
);
out.push(`| built-in transform, validated (loop-contracts) | ${time(builtIn)} | ${ratio(builtIn, serdeParse)} | | | |`);
out.push("");
if (rustTransform && nodeTransform) {
  const a = rustTransform.declared_output;
  const b = nodeTransform.declared_output;
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  const differ = fields.filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
  out.push(
    differ.length === 0
      ? "Both declared transforms produce the same payload."
      : "The declared transforms' outputs differ in: " +
          differ.map((f) => `\`${f}\` (Rust ${JSON.stringify(a[f])}, Node ${JSON.stringify(b[f])})`).join("; ") +
          ".",
  );
  out.push("");
}

// ---------------------------------------------------------------- client
if (client) {
  out.push(
    `### Client: \`lead.captured.v1\` to the in-process sandbox (${client.rounds} interleaved rounds; ` +
      `load average ${client.load_before} before, ${client.load_after} after)`,
  );
  out.push("");
  out.push("| | loop-contracts `Client::send_json` | plain reqwest POST | client / plain (target ≤ 1.10) |");
  out.push("|---|---|---|---|");
  const us = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} ms` : `${v.toFixed(1)} µs`);
  const row = (label, r) => `| ${label} | ${us(r.client_us)} | ${us(r.plain_us)} | ${r.ratio.toFixed(3)} |`;
  out.push(row("sequential (one in flight), per send", client.sequential));
  out.push(row("64 in flight, wall time per send", client.in_flight));
  out.push(
    `| 64 in flight, sends per second | ${(1e6 / client.in_flight.client_us).toFixed(0)} | ` +
      `${(1e6 / client.in_flight.plain_us).toFixed(0)} | |`,
  );
  out.push(row("64 in flight, process CPU per send (sandbox + client + kernel)", client.cpu_per_send));
  out.push("");
}

console.log(out.join("\n"));
