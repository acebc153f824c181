// Where the hydrate wasm's code comes from, by crate: each function body of
// the code section attributed to the crate its (mangled) name starts with,
// the `Self` type's crate for `<T as Trait>::f`. Run it on rustc's output
// before wasm-bindgen and wasm-opt, which still has the `name` section:
//
//   node bench/wasm/crates.mjs $CARGO_TARGET_DIR/front/wasm32-unknown-unknown/wasm-release/frontend.wasm [TOP]
//
// wasm-opt -Oz then shrinks the code by about a quarter and drops the names;
// the shares carry over roughly. `twiggy top`/`twiggy dominators` on the
// same file give the per-function view.
import { readFileSync } from "node:fs";

const file = process.argv[2];
const top = Number(process.argv[3] ?? 40);
if (!file) {
  console.error("usage: node bench/wasm/crates.mjs FILE.wasm [TOP]");
  process.exit(2);
}
const bytes = readFileSync(file);

function leb(at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}

let importedFunctions = 0;
const bodies = [];
const names = new Map();
let at = 8;
while (at < bytes.length) {
  const id = bytes[at++];
  let size;
  [size, at] = leb(at);
  const end = at + size;
  if (id === 2) {
    let count;
    let p;
    [count, p] = leb(at);
    for (let i = 0; i < count; i++) {
      for (let s = 0; s < 2; s++) {
        let length;
        [length, p] = leb(p);
        p += length;
      }
      const kind = bytes[p++];
      if (kind === 0) {
        [, p] = leb(p);
        importedFunctions++;
      } else if (kind === 1) {
        p++;
        let flags;
        [flags, p] = leb(p);
        [, p] = leb(p);
        if (flags & 1) [, p] = leb(p);
      } else if (kind === 2) {
        let flags;
        [flags, p] = leb(p);
        [, p] = leb(p);
        if (flags & 1) [, p] = leb(p);
      } else if (kind === 3) {
        p += 2;
      } else {
        [, p] = leb(p);
      }
    }
  } else if (id === 10) {
    let count;
    let p;
    [count, p] = leb(at);
    for (let i = 0; i < count; i++) {
      let length;
      [length, p] = leb(p);
      bodies.push(length);
      p += length;
    }
  } else if (id === 0) {
    const [length, start] = leb(at);
    const name = bytes.subarray(start, start + length).toString();
    if (name === "name") {
      let p = start + length;
      while (p < end) {
        const sub = bytes[p++];
        let subSize;
        [subSize, p] = leb(p);
        if (sub === 1) {
          let count;
          let q;
          [count, q] = leb(p);
          for (let i = 0; i < count; i++) {
            let index;
            let nameLength;
            [index, q] = leb(q);
            [nameLength, q] = leb(q);
            names.set(index, bytes.subarray(q, q + nameLength).toString());
            q += nameLength;
          }
        }
        p += subSize;
      }
    }
  }
  at = end;
}

/** The crate a (legacy-mangled or plain) symbol belongs to. */
function crateOf(symbol) {
  if (!symbol) return "(unnamed)";
  let s = symbol;
  if (s.startsWith("_ZN")) {
    const m = /^_ZN(\d+)/.exec(s);
    if (!m) return "(unmangled)";
    const length = Number(m[1]);
    s = s.slice(m[0].length, m[0].length + length);
    s = s.replace(/^_?\$LT\$/, "").replace(/^\$u5b\$/, "");
    s = s.replace(/^\$RF\$/, "").replace(/^mut\$u20\$/, "");
    const crate = s.split(/\.\.|\$/)[0];
    // `<T as tachys::view::Render>::f`: a blanket impl, the trait's crate.
    const trait = /\$u20\$as\$u20\$([A-Za-z_][A-Za-z0-9_]*)\.\./.exec(s);
    if (trait && (!crate || !s.startsWith(`${crate}..`))) return trait[1];
    return crate || "(generic)";
  }
  if (s.startsWith("_R")) {
    // v0 mangling: `_RNv…C<len><crate>…`; the first crate name it names.
    const m = /C(?:s[0-9a-zA-Z]*_)?(\d+)([A-Za-z_][A-Za-z0-9_]*)/.exec(s);
    return m ? m[2].slice(0, Number(m[1])) : "(v0)";
  }
  const plain = /^([A-Za-z_][A-Za-z0-9_]*)::/.exec(s.replace(/^<+/, ""));
  if (plain) return plain[1];
  return s.startsWith("__wbg") || s.startsWith("__wbindgen") ? "wasm-bindgen glue" : "(other)";
}

const byCrate = new Map();
let total = 0;
bodies.forEach((size, i) => {
  const crate = crateOf(names.get(importedFunctions + i));
  const entry = byCrate.get(crate) ?? { size: 0, functions: 0 };
  entry.size += size;
  entry.functions += 1;
  byCrate.set(crate, entry);
  total += size;
});
console.log(`${file}: ${bodies.length} function bodies, ${total.toLocaleString("en-US")} bytes of code (before wasm-opt)`);
console.log(`${"crate".padEnd(28)} ${"bytes".padStart(11)} ${"share".padStart(7)} ${"functions".padStart(10)}`);
const rows = [...byCrate.entries()].sort((a, b) => b[1].size - a[1].size);
for (const [crate, { size, functions }] of rows.slice(0, top)) {
  console.log(`${crate.padEnd(28)} ${size.toLocaleString("en-US").padStart(11)} ${((100 * size) / total).toFixed(1).padStart(6)}% ${String(functions).padStart(10)}`);
}
const rest = rows.slice(top).reduce((sum, [, { size }]) => sum + size, 0);
if (rest) console.log(`${"(the rest)".padEnd(28)} ${rest.toLocaleString("en-US").padStart(11)} ${((100 * rest) / total).toFixed(1).padStart(6)}%`);
