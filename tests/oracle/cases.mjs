// Deterministic corpus cases for one event: a list of { id, input } where input is JSON text.

import { Prng } from "./prng.mjs";
import { Obj, raw, serialize, clone, getAt, setAt, deleteAt, appendEntries, escapeAll } from "./json-text.mjs";
import { VALID, TRICKY } from "./formats.mjs";

const FORMAT_TYPES = new Set(["uuid", "datetime", "email", "url"]);
const STRINGISH = new Set(["string", "uuid", "datetime", "email", "url", "enum"]);

/** Values of every JSON type, used to put a wrong type where a field is expected. */
export const WRONG_TYPES = [
  ["string", "wrong"],
  ["empty-string", ""],
  ["numeric-string", "42"],
  ["integer", 42],
  ["negative", -7],
  ["float", 1.5],
  ["float-int", raw("1.0")],
  ["zero", 0],
  ["true", true],
  ["false", false],
  ["array", []],
  ["array-items", [1, "a", null]],
  ["object", new Obj()],
  ["object-items", new Obj([["a", 1]])],
];

/** Number spellings (raw JSON text) for integer and number fields. */
export const NUMBER_EDGES = [
  "0", "-0", "0.0", "-0.0", "1", "-1", "1.0", "1.5", "-1.5", "0.5", "1e20", "1E20", "1e+20", "1e21",
  "1e-7", "1E3", "1e0", "1e-0", "0.1e1", "100e-2", "123e-2", "10E-1", "9007199254740991",
  "9007199254740992", "9007199254740993", "-9007199254740993", "9223372036854775807",
  "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
  "18446744073709551616", "123456789012345678901234567890", "2147483647", "2147483648", "-2147483649",
  "4503599627370495.5", "4503599627370496.5", "1.0000000000000001", "0.99999999999999999",
  "4.9999999999999999", "1.7976931348623157e308", "-1.7976931348623157e308", "5e-324", "1e-400",
  "-1e-400", "0.30000000000000004", "3.14159",
];

/**
 * Number literals beyond the range of a double: `JSON.parse` reads them as Infinity or -Infinity
 * (rounding to nearest, so the largest double plus less than half a unit stays finite).
 */
export const OVERFLOW_LITERALS = [
  "1e999", "-1e999", "123e400", "-2.5E+309", "1.7976931348623159e308", `1${"0".repeat(400)}`,
];

/**
 * Number literals that a reader which does not round correctly reads one unit in the last place
 * off (`3e81` as 2.9999999999999996e81); `JSON.parse` rounds correctly.
 */
export const ROUNDING_LITERALS = ["3e81", "6e107", "-267e166", "945314e-102", "7114858e-292"];

/** Raw JSON string literals with escapes and unusual characters. */
const STRING_EDGES = [
  ['empty', '""'],
  ['space', '" "'],
  ['nul-escape', '"a\\u0000b"'],
  ['newline-escape', '"line1\\nline2"'],
  ['tab-escape', '"a\\tb"'],
  ['quote-escape', '"say \\"hi\\""'],
  ['backslash', '"back\\\\slash"'],
  ['solidus-escape', '"a\\/b"'],
  ['latin-escape', '"caf\\u00e9"'],
  ['latin-raw', '"caf\u00e9"'],
  ['upper-escape', '"\\u00C9T\\u00C9"'],
  ['astral-escape', '"\\ud83d\\ude00"'],
  ['astral-escape-upper', '"\\uD83D\\uDE00"'],
  ['astral-raw', '"\ud83d\ude00"'],
  ['zwj-family', '"\ud83d\udc68\u200d\ud83d\udc69\u200d\ud83d\udc67"'],
  ['combining', '"e\u0301"'],
  ['line-separators', '"a\u2028b\u2029c"'],
  ['rtl', '"\u05e9\u05dc\u05d5\u05dd"'],
  ['cjk', '"\u6f22\u5b57"'],
  ['bom-escape', '"\\ufeffx"'],
  ['del-raw', '"a\u007fb"'],
  ['nbsp', '"\u00a0"'],
  ['all-escaped', escapeAll("abc")],
];

function uuidFrom(prng) {
  const variant = prng.pick(["8", "9", "a", "b"]);
  return `${prng.hex(8)}-${prng.hex(4)}-4${prng.hex(3)}-${variant}${prng.hex(3)}-${prng.hex(12)}`;
}

function datetimeFrom(prng) {
  const pad = (n, w = 2) => String(n).padStart(w, "0");
  const year = prng.int(1990, 2035);
  const month = prng.int(1, 12);
  const day = prng.int(1, 28);
  let text = `${year}-${pad(month)}-${pad(day)}T${pad(prng.int(0, 23))}:${pad(prng.int(0, 59))}`;
  if (prng.bool(0.9)) text += `:${pad(prng.int(0, 59))}`;
  if (text.length > 16 && prng.bool(0.4)) text += "." + String(prng.int(0, 999999)).padStart(prng.int(1, 6), "0").slice(0, prng.int(1, 6));
  return text + "Z";
}

const STRING_ALPHABET = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.,"];
const UNICODE_ALPHABET = ["\u00e9", "\u00fc", "\u6f22", "\u05e9", "\ud83d\ude00", "\u2603", "\n", '"', "\\"];

/** A random string of exactly `units` UTF-16 code units. */
function stringOfUnits(prng, units, unicode) {
  let out = "";
  while (out.length < units) {
    const c = unicode && prng.bool(0.25) ? prng.pick(UNICODE_ALPHABET) : prng.pick(STRING_ALPHABET);
    if (out.length + c.length <= units) out += c;
  }
  return out;
}

function stringFor(spec, prng) {
  const lo = spec.minLength ?? 0;
  const hi = spec.maxLength ?? Math.max(lo, 24);
  const want = prng.int(Math.max(lo, Math.min(hi, 1)), Math.min(hi, lo + 24));
  return stringOfUnits(prng, want, prng.bool(0.3));
}

function recordFor(prng) {
  return prng.pick([
    () => new Obj(),
    () => new Obj([["utm_source", "newsletter"], ["utm_medium", "email"], ["utm_campaign", "spring-2026"]]),
    () => new Obj([["channel", "paid"], ["clickId", prng.hex(12)], ["score", prng.int(0, 100)]]),
    () => new Obj([["nested", new Obj([["a", [1, 2, 3]], ["b", null], ["c", true]])], ["n", 1.25]]),
    () => new Obj([["referrer", "https://example.com/?q=1"], ["landing", "/vsl"], ["tags", ["a", "b"]]]),
  ])();
}

/**
 * A valid value for `spec`. `full` makes every optional field present and every array hold three
 * items (the base that single faults are applied to).
 */
export function validValue(spec, prng, full) {
  switch (spec.type) {
    case "uuid": return full ? prng.pick(VALID.uuid) : uuidFrom(prng);
    case "datetime": return full ? prng.pick(VALID.datetime) : datetimeFrom(prng);
    case "email": return prng.pick(VALID.email);
    case "url": return prng.pick(VALID.url.slice(0, 3));
    case "enum": return prng.pick(spec.values);
    case "string": return stringFor(spec, prng);
    case "integer": return prng.pick([0, 1, 3, 42, 1000, -5, prng.int(0, 1000000)]);
    case "number": return prng.pick([0, 1, 19.99, 100, 0.5, -3.25, prng.int(0, 100000) / 100]);
    case "boolean": return prng.bool();
    case "object":
      if (!spec.fields) return recordFor(prng);
      return objectValue(spec.fields, prng, full);
    case "array": {
      if (full) {
        // Faults go at indices 0 and 2; the middle item keeps only its required fields.
        const middle = spec.items.type === "object" && spec.items.fields
          ? objectValue(spec.items.fields, prng, false, "required")
          : validValue(spec.items, prng, true);
        return [validValue(spec.items, prng, true), middle, validValue(spec.items, prng, true)];
      }
      return Array.from({ length: prng.int(0, 3) }, () => validValue(spec.items, prng, false));
    }
    default: throw new Error(`unknown type ${spec.type}`);
  }
}

/** mode: "full" (all fields), "required" (only required), "random" (optional fields absent/null/present). */
function objectValue(fields, prng, full, mode = full ? "full" : "random") {
  const entries = [];
  for (const [name, child] of fields) {
    if (!child.required) {
      if (mode === "required") continue;
      if (mode === "random") {
        const r = prng.next();
        if (r < 0.25) continue;
        if (r < 0.45) { entries.push([name, null]); continue; }
      }
    }
    entries.push([name, validValue(child, prng, mode === "full")]);
  }
  return new Obj(entries);
}

/**
 * Every place in the full base document where a single fault can go: root fields, nested object
 * fields, array items at indices 0 and 2 (and the fields of object items at those indices).
 */
function targetsOf(fields, path = [], depth = 0) {
  const out = [];
  for (const [name, spec] of fields) {
    const here = [...path, name];
    out.push({ path: here, spec, element: false, depth });
    out.push(...childTargets(spec, here, depth));
  }
  return out;
}

function childTargets(spec, here, depth) {
  const out = [];
  if (spec.type === "object" && spec.fields) out.push(...targetsOf(spec.fields, here, depth + 1));
  if (spec.type === "array") {
    for (const index of [0, 2]) {
      const at = [...here, index];
      out.push({ path: at, spec: spec.items, element: true, depth: depth + 1 });
      if (index === 0 || depth === 0) out.push(...childTargets(spec.items, at, depth + 1));
    }
  }
  return out;
}

const label = (path) => (path.length ? path.join(".") : "(root)");

/** Type-specific faults and edge values for a spec: [detail, value] pairs. */
function edgeValues(spec, catalog, prng, thorough) {
  const out = [];
  if (FORMAT_TYPES.has(spec.type)) {
    const list = TRICKY[spec.type];
    const chosen = thorough ? list : prng.sample(list, 16);
    for (const s of chosen) out.push([`format-${list.indexOf(s)}`, s]);
    out.push(["escaped-valid", raw(escapeAll(VALID[spec.type][0]))]);
  }
  if (spec.type === "enum") {
    const v = spec.values[0];
    const last = spec.values[spec.values.length - 1];
    const title = v.charAt(0).toUpperCase() + v.slice(1);
    const foreign = catalog.enumValues.filter((x) => !spec.values.includes(x)).slice(0, 3);
    const misses = [
      ["upper", v.toUpperCase()], ["title", title], ["leading-space", ` ${v}`], ["trailing-space", `${v} `],
      ["trailing-newline", `${v}\n`], ["prefix", `x${v}`], ["suffix", `${v}x`], ["truncated", v.slice(0, -1)],
      ["empty", ""], ["hyphenated", v.replace(/_/g, "-")], ["joined", spec.values.join("|")],
      ["last-upper", last.toUpperCase()], ["escaped-valid", raw(escapeAll(v))],
      ["fullwidth", [...v].map((c) => (c >= "a" && c <= "z" ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join("")],
      ["zero-width", `${v}\u200b`], ["array-of-value", [v]], ["quoted", `"${v}"`], ["apostrophe", `'${v}'`],
      ...foreign.map((x, i) => [`foreign-${i}`, x]),
      ...(foreign.length === 0 ? [["foreign-0", "other_value"]] : []),
    ];
    out.push(...misses);
    for (const value of spec.values) out.push([`value-${value}`, value]);
  }
  if (spec.type === "integer" || spec.type === "number") {
    for (const n of NUMBER_EDGES) out.push([`number-${n}`, raw(n)]);
  }
  if (spec.type === "string") {
    out.push(...lengthEdges(spec));
    const edges = thorough ? STRING_EDGES : prng.sample(STRING_EDGES, 6);
    for (const [name, text] of edges) out.push([`text-${name}`, raw(text)]);
  }
  if (spec.type === "boolean") {
    for (const s of ["true", "false", "1", "0", "\"true\"", "\"false\"", "null"]) out.push([`bool-${s}`, raw(s)]);
  }
  return out;
}

/** Strings at and around minLength/maxLength, in ASCII, BMP and astral (2 UTF-16 units) characters. */
function lengthEdges(spec) {
  const out = [];
  const bounds = [];
  if (typeof spec.minLength === "number") bounds.push(["min", spec.minLength]);
  if (typeof spec.maxLength === "number") bounds.push(["max", spec.maxLength]);
  const astral = "\ud83d\ude00";
  const done = new Set();
  for (const [which, n] of bounds) {
    for (const len of [n - 1, n, n + 1]) {
      if (len < 0 || done.has(len)) continue;
      done.add(len);
      out.push([`${which}-${len}-ascii`, "a".repeat(len)]);
      out.push([`${which}-${len}-bmp`, "\u00e9".repeat(len)]);
      out.push([`${which}-${len}-astral`, astral.repeat(Math.floor(len / 2)) + "a".repeat(len % 2)]);
      if (len >= 1) {
        // len code points whose last one is astral: len + 1 UTF-16 units.
        out.push([`${which}-${len}-codepoints-astral-last`, "a".repeat(len - 1) + astral]);
      }
      out.push([`${which}-${len}-escaped`, raw(escapeAll("b".repeat(len)))]);
    }
  }
  if (bounds.length === 0) out.push(["long-1000", "x".repeat(1000)]);
  return out;
}

/** Single-fault operations for a target: [detail, apply(doc) -> doc]. */
function faultsFor(target, catalog, prng, thorough) {
  const ops = [];
  const { path, spec } = target;
  if (!target.element) ops.push(["missing", (d) => deleteAt(d, path)]);
  ops.push(["null", (d) => setAt(d, path, null)]);
  for (const [name, value] of WRONG_TYPES) ops.push([`type-${name}`, (d) => setAt(d, path, clone(value))]);
  for (const [detail, value] of edgeValues(spec, catalog, prng, thorough)) {
    ops.push([detail, (d) => setAt(d, path, clone(value))]);
  }
  if (spec.type === "array") {
    ops.push(["empty-array", (d) => setAt(d, path, [])]);
    const good = () => validValue(spec.items, prng, true);
    for (const [name, bad] of WRONG_TYPES.slice(0, 12)) {
      ops.push([`items-${name}-at-0`, (d) => setAt(d, path, [clone(bad)])]);
      ops.push([`items-${name}-at-2`, (d) => setAt(d, path, [good(), good(), clone(bad)])]);
    }
    ops.push(["items-null-at-0-and-2", (d) => setAt(d, path, [null, good(), null])]);
  }
  if (spec.type === "object" && spec.fields) {
    ops.push(["empty-object", (d) => setAt(d, path, new Obj())]);
    ops.push(["unknown-keys", (d) => appendEntries(d, path, [["extraKey", 1], ["__proto__", new Obj([["x", 1]])]])]);
  }
  if (spec.type === "object" && !spec.fields) {
    for (const [name, value] of RECORD_EDGES) ops.push([`record-${name}`, (d) => setAt(d, path, clone(value))]);
  }
  return ops;
}

function deepRecord(depth) {
  let v = new Obj([["leaf", true]]);
  for (let i = 0; i < depth; i++) v = new Obj([["k", v]]);
  return v;
}

const RECORD_EDGES = [
  ["empty", new Obj()],
  ["values", new Obj([["s", "x"], ["n", 1], ["f", raw("1.50")], ["b", false], ["z", null], ["a", [1, [2]]], ["o", new Obj([["p", 1]])]])],
  ["proto-object", new Obj([["__proto__", new Obj([["polluted", true]])]])],
  ["proto-between", new Obj([["a", 1], ["__proto__", 2], ["b", 3]])],
  ["proto-null", new Obj([["__proto__", null]])],
  ["proto-escaped-key", new Obj([[raw('"\\u005f_proto__"'), 5], ["c", 6]])],
  ["proto-nested", new Obj([["inner", new Obj([["__proto__", 1], ["kept", 2]])]])],
  ["constructor-key", new Obj([["constructor", 1], ["toString", "x"], ["hasOwnProperty", null]])],
  ["integer-like-keys", new Obj([["b", 1], ["10", 2], ["2", 3], ["a", 4], ["-1", 5], ["01", 6], ["4294967295", 7], ["4294967294", 8]])],
  ["duplicate-keys", new Obj([["a", 1], ["b", 2], ["a", 3]])],
  ["empty-key", new Obj([["", "empty"], [" ", "space"]])],
  ["unicode-keys", new Obj([["caf\u00e9", 1], [raw('"\\ud83d\\ude00"'), 2], [raw('"\\n"'), 3]])],
  ["deep-48", deepRecord(48)],
  ["big-numbers", new Obj([["big", raw("123456789012345678901234567890")], ["neg0", raw("-0")], ["exp", raw("1E300")]])],
];

/** Ids and inputs for one event. */
export function generateCases(event, catalog) {
  const prng = new Prng(`corpus:${event.name}`);
  const fields = event.spec.fields;
  const cases = [];
  const seen = new Set();
  const add = (category, detail, input) => {
    let id = `${event.name}/${category}${detail === "" ? "" : `/${detail}`}`;
    if (seen.has(id)) {
      let n = 2;
      while (seen.has(`${id}#${n}`)) n++;
      id = `${id}#${n}`;
    }
    seen.add(id);
    cases.push({ id, input: typeof input === "string" ? input : serialize(input) });
  };

  const base = objectValue(fields, prng, true, "full");

  // Valid payloads.
  add("valid", "full", base);
  add("valid", "required-only", objectValue(fields, prng, false, "required"));
  add("valid", "optional-null", new Obj(fields.map(([n, s]) => [n, s.required ? validValue(s, prng, true) : null])));
  for (let i = 0; i < 30; i++) add("valid", `random-${i}`, objectValue(fields, prng, false, "random"));
  add("valid", "pretty", JSON.stringify(JSON.parse(serialize(base)), null, 2));
  add("valid", "tabs-crlf", JSON.stringify(JSON.parse(serialize(base)), null, "\t").replace(/\n/g, "\r\n"));
  add("valid", "surrounding-whitespace", ` \n\t${serialize(base)}\r\n `);
  add("valid", "reversed-keys", new Obj(clone(base).entries.reverse()));
  add("valid", "escaped-keys", new Obj(clone(base).entries.map(([k, v]) => [raw(escapeAll(k)), v])));

  // Roots that are not objects, and the empty object.
  for (const [name, text] of [
    ["null", "null"], ["empty-array", "[]"], ["array-of-payload", `[${serialize(base)}]`], ["string", '"payload"'],
    ["empty-string", '""'], ["integer", "0"], ["float", "1.5"], ["true", "true"], ["false", "false"],
    ["exponent", "1e2"], ["empty-object", "{}"],
  ]) add("root", name, text);

  // Single faults at every target.
  const targets = targetsOf(fields);
  const thoroughKinds = new Set();
  const allFaults = [];
  for (const target of targets) {
    // The first field of each kind gets every tricky string; the others a sample.
    // Targets inside the item at index 2, or more than two object levels down, get a reduced set.
    const isDeep = target.path.includes(2) || target.path.filter((s) => typeof s === "string").length > 2;
    const kindKey = target.spec.type;
    const thorough = !isDeep && !thoroughKinds.has(kindKey);
    if (thorough) thoroughKinds.add(kindKey);
    const ops = faultsFor(target, catalog, prng, thorough);
    const kept = isDeep ? ops.filter(([d]) => d === "missing" || d === "null" || d.startsWith("type-") || d.startsWith("format-")).slice(0, 12) : ops;
    for (const [detail, apply] of kept) {
      add("fault", `${label(target.path)}/${detail}`, apply(base));
      allFaults.push({ target, detail, apply });
    }
  }

  // Several faults at once (2-5), on unrelated paths.
  for (let i = 0; i < 40; i++) {
    const k = prng.int(2, 5);
    const chosen = [];
    for (let tries = 0; chosen.length < k && tries < 200; tries++) {
      const f = prng.pick(allFaults);
      const p = f.target.path;
      const related = chosen.some((c) => {
        const q = c.target.path;
        const n = Math.min(p.length, q.length);
        return p.slice(0, n).every((s, j) => s === q[j]);
      });
      if (!related) chosen.push(f);
    }
    let doc = base;
    for (const f of chosen) doc = f.apply(doc);
    add("multi", `${i}:${chosen.map((f) => `${label(f.target.path)}=${f.detail}`).join(",")}`, doc);
  }

  // Unknown keys at the root (stripped from the output).
  const extra = [
    ["extra", "value"], ["__proto__", new Obj([["isAdmin", true]])], ["constructor", "x"], ["toString", 1],
    [fields[0][0].toUpperCase(), "x"], [`${fields[0][0]} `, "x"], ["", null], ["caf\u00e9", [1]],
  ];
  for (const [k, v] of extra) add("unknown-key", `root/${k === "" ? "(empty)" : k}`, appendEntries(base, [], [[k, clone(v)]]));
  add("unknown-key", "root/all", appendEntries(base, [], extra.map(([k, v]) => [k, clone(v)])));
  add("unknown-key", "root/proto-first", new Obj([["__proto__", new Obj([["email", "x"]])], ...clone(base).entries]));
  for (const target of targets) {
    if (target.spec.type === "object" && target.spec.fields) {
      add("unknown-key", `${label(target.path)}/extra`, appendEntries(base, target.path, [["extra", 1], ["__proto__", 2]]));
    }
  }

  // Duplicate keys: the last occurrence wins.
  for (const [name, spec] of fields.slice(0, 8)) {
    const good = getAt(base, [name]);
    const bad = spec.type === "string" || spec.type === "enum" || FORMAT_TYPES.has(spec.type) ? 12345 : "not-valid";
    const others = clone(base).entries.filter(([k]) => k !== name);
    add("duplicate-key", `${name}/bad-then-good`, new Obj([[name, bad], ...others, [name, clone(good)]]));
    add("duplicate-key", `${name}/good-then-bad`, new Obj([[name, clone(good)], ...others, [name, bad]]));
    add("duplicate-key", `${name}/adjacent-good-null`, new Obj([...others, [name, clone(good)], [name, null]]));
  }
  add("duplicate-key", "whole-payload-twice", new Obj([...clone(base).entries, ...clone(base).entries]));

  // Strings with unicode and escapes in every plain string field, and in unknown keys.
  for (const target of targets) {
    if (target.element || target.depth > 0) continue;
    if (target.spec.type === "string") continue; // covered by its own edge values
    if (!STRINGISH.has(target.spec.type)) continue;
    for (const [name, text] of STRING_EDGES.slice(0, 8)) add("text", `${label(target.path)}/${name}`, setAt(base, target.path, raw(text)));
  }

  // Number literals beyond a double (Infinity to JSON.parse): every literal at every number and
  // integer place; one at the first place of each other type; inside records, unknown keys and
  // duplicate keys; and many at once.
  const overflowKinds = new Set();
  for (const target of targets) {
    const numeric = target.spec.type === "integer" || target.spec.type === "number";
    const kind = target.spec.fields ? "object-with-fields" : target.spec.type;
    if (!numeric && overflowKinds.has(kind)) continue;
    overflowKinds.add(kind);
    const literals = numeric ? OVERFLOW_LITERALS : OVERFLOW_LITERALS.slice(0, 2);
    for (const literal of literals) {
      add("overflow", `${label(target.path)}/${literal.length > 24 ? "1e400-digits" : literal}`, setAt(base, target.path, raw(literal)));
    }
    if (target.spec.type === "object" && !target.spec.fields) {
      const inside = new Obj([["n", raw("1e999")], ["list", [raw("-1e999"), 1]], ["deep", new Obj([["x", raw("123e400")]])], ["__proto__", raw("1e999")]]);
      add("overflow", `${label(target.path)}/inside-record`, setAt(base, target.path, inside));
    }
  }
  add("overflow", "unknown-key/1e999", appendEntries(base, [], [["extra", raw("1e999")], ["more", [raw("-1e999")]]]));
  const firstNumeric = targets.find((t) => !t.element && (t.spec.type === "integer" || t.spec.type === "number"));
  if (firstNumeric) {
    const good = getAt(base, firstNumeric.path);
    const parent = firstNumeric.path.slice(0, -1);
    const name = firstNumeric.path[firstNumeric.path.length - 1];
    add("overflow", `${label(firstNumeric.path)}/duplicate-1e999-then-finite`,
      appendEntries(setAt(base, firstNumeric.path, raw("1e999")), parent, [[name, clone(good)]]));
    add("overflow", `${label(firstNumeric.path)}/duplicate-finite-then-1e999`, appendEntries(base, parent, [[name, raw("1e999")]]));
    add("overflow", `${label(firstNumeric.path)}/duplicate-1e999-then-null`,
      appendEntries(setAt(base, firstNumeric.path, raw("1e999")), parent, [[name, null]]));
  }
  {
    let doc = base;
    for (const target of targets.filter((t) => !t.element && t.depth === 0).slice(0, 6)) doc = setAt(doc, target.path, raw("-1e999"));
    add("overflow", "many-root-fields", doc);
  }

  // Correctly rounded numbers: each literal at every number and integer place, and in a record.
  for (const target of targets) {
    if (target.spec.type === "integer" || target.spec.type === "number") {
      for (const literal of ROUNDING_LITERALS) add("rounding", `${label(target.path)}/${literal}`, setAt(base, target.path, raw(literal)));
    }
    if (target.spec.type === "object" && !target.spec.fields && !target.element) {
      const inside = new Obj(ROUNDING_LITERALS.map((literal, i) => [`n${i}`, raw(literal)]));
      add("rounding", `${label(target.path)}/inside-record`, setAt(base, target.path, inside));
    }
  }

  // Large arrays with faults scattered through them.
  for (const target of targets) {
    if (target.spec.type !== "array" || target.element) continue;
    const items = Array.from({ length: 60 }, () => validValue(target.spec.items, prng, true));
    add("large-array", `${label(target.path)}/valid-60`, setAt(base, target.path, items));
    const faulty = items.map(clone);
    for (const i of [7, 31, 59]) faulty[i] = i === 31 ? null : 3.5;
    add("large-array", `${label(target.path)}/faults-7-31-59`, setAt(base, target.path, faulty));
  }

  return cases;
}

/**
 * Inputs the platform's JavaScript JSON parser accepts but a strict parser rejects: strings with
 * lone UTF-16 surrogates. Kept apart (tagged `divergent`).
 */
export function divergentCases(event) {
  const fields = event.spec.fields;
  const prng = new Prng(`divergent:${event.name}`);
  const base = objectValue(fields, prng, true, "full");
  const out = [];
  const str = fields.find(([, s]) => s.type === "string") ?? fields.find(([, s]) => STRINGISH.has(s.type));
  const rec = fields.find(([, s]) => s.type === "object" && !s.fields);
  const push = (detail, doc, reason) => out.push({ id: `${event.name}/divergent/${detail}`, input: serialize(doc), reason });
  if (str) {
    push(`${str[0]}/lone-high-surrogate`, setAt(base, [str[0]], raw('"\\ud800"')), "lone surrogate escape");
    push(`${str[0]}/lone-low-surrogate`, setAt(base, [str[0]], raw('"x\\udc00y"')), "lone surrogate escape");
  }
  if (rec) {
    push(`${rec[0]}/lone-surrogate-key`, setAt(base, [rec[0]], new Obj([[raw('"\\udfff"'), 1]])), "lone surrogate escape");
  }
  push("unknown-key/lone-surrogate", appendEntries(base, [], [[raw('"\\ud83d"'), 1]]), "lone surrogate escape");
  return out;
}
