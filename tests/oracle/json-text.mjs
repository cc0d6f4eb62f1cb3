// A small JSON document model that can be serialised to exact JSON text: raw number spellings,
// duplicate keys, escaped keys and escaped strings survive, which JSON.stringify cannot express.

/** A fragment of JSON text inserted verbatim (a number spelling, an escaped string, ...). */
export class Raw {
  constructor(text) {
    this.text = text;
  }
}

/** A JSON object as an ordered list of [key, value] entries (keys may repeat; a key may be Raw). */
export class Obj {
  constructor(entries = []) {
    this.entries = entries;
  }

  static from(record) {
    return new Obj(Object.entries(record));
  }
}

export const raw = (text) => new Raw(text);

export function serialize(value) {
  if (value instanceof Raw) return value.text;
  if (value instanceof Obj) {
    const parts = [];
    for (const [key, item] of value.entries) {
      if (item === undefined) continue;
      const keyText = key instanceof Raw ? key.text : JSON.stringify(key);
      parts.push(`${keyText}:${serialize(item)}`);
    }
    return `{${parts.join(",")}}`;
  }
  if (Array.isArray(value)) return `[${value.map((item) => serialize(item)).join(",")}]`;
  if (value === undefined) throw new Error("cannot serialise undefined");
  if (typeof value === "object" && value !== null) {
    throw new Error("plain objects are not allowed in documents; use Obj");
  }
  return JSON.stringify(value);
}

export function clone(value) {
  if (value instanceof Obj) return new Obj(value.entries.map(([k, v]) => [k, clone(v)]));
  if (Array.isArray(value)) return value.map(clone);
  return value;
}

function keyName(key) {
  return key instanceof Raw ? JSON.parse(key.text) : key;
}

function findIndex(obj, key) {
  for (let i = obj.entries.length - 1; i >= 0; i--) {
    if (keyName(obj.entries[i][0]) === key) return i;
  }
  return -1;
}

/** The container holding the last step of `path`. */
function parentOf(doc, path) {
  let node = doc;
  for (const step of path.slice(0, -1)) {
    if (node instanceof Obj) {
      const i = findIndex(node, step);
      if (i < 0) throw new Error(`no key ${step} in document`);
      node = node.entries[i][1];
    } else if (Array.isArray(node)) {
      node = node[step];
    } else {
      throw new Error(`cannot descend into ${String(node)} at ${step}`);
    }
  }
  return node;
}

export function getAt(doc, path) {
  if (path.length === 0) return doc;
  const parent = parentOf(doc, path);
  const last = path[path.length - 1];
  if (parent instanceof Obj) {
    const i = findIndex(parent, last);
    return i < 0 ? undefined : parent.entries[i][1];
  }
  return parent[last];
}

/** Returns a copy of `doc` with the value at `path` replaced (or added at the end of its object). */
export function setAt(doc, path, value) {
  const copy = clone(doc);
  const parent = parentOf(copy, path);
  const last = path[path.length - 1];
  if (parent instanceof Obj) {
    const i = findIndex(parent, last);
    if (i < 0) parent.entries.push([last, value]);
    else parent.entries[i][1] = value;
  } else if (Array.isArray(parent)) {
    parent[last] = value;
  } else {
    throw new Error("cannot set inside a scalar");
  }
  return copy;
}

/** Returns a copy of `doc` without the key at `path` (all occurrences). */
export function deleteAt(doc, path) {
  const copy = clone(doc);
  const parent = parentOf(copy, path);
  const last = path[path.length - 1];
  if (!(parent instanceof Obj)) throw new Error("can only delete object keys");
  parent.entries = parent.entries.filter(([k]) => keyName(k) !== last);
  return copy;
}

/** Returns a copy of `doc` with extra entries appended to the object at `path`. */
export function appendEntries(doc, path, entries) {
  const copy = clone(doc);
  const target = path.length === 0 ? copy : getAt(copy, path);
  if (!(target instanceof Obj)) throw new Error("can only append to objects");
  target.entries.push(...entries);
  return copy;
}

/** A JSON string literal with every character written as a \uXXXX escape. */
export function escapeAll(text) {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    out += "\\u" + text.charCodeAt(i).toString(16).padStart(4, "0");
  }
  return out + '"';
}
