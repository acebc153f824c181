// Sizes of the site's files as a browser would download them: raw, gzip
// (zlib level 9) and brotli (quality 11, the level `--precompress` uses),
// computed here with Node's zlib so the figures do not depend on which
// precompressed siblings a build made; then what is beside each file on
// disk (`.br`, `.gz`), and the wasm module's sections.
//
//   node bench/wasm/sizes.mjs                      # target/site/pkg
//   node bench/wasm/sizes.mjs path/to/pkg          # another site's pkg
//   node bench/wasm/sizes.mjs path/to/module.wasm  # one module: sections too
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const arg = process.argv[2] ?? join(root, "target", "site", "pkg");
const files = statSync(arg).isDirectory()
  ? readdirSync(arg)
      .filter((f) => /\.(wasm|js|css)$/.test(f))
      .map((f) => join(arg, f))
  : [arg];

const fmt = (n) => n.toLocaleString("en-US").padStart(11);
const brotli = (bytes) =>
  brotliCompressSync(bytes, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 22,
      [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  }).length;

console.log(`${"file".padEnd(40)} ${"raw".padStart(11)} ${"gzip -9".padStart(11)} ${"brotli 11".padStart(11)}   on disk: .gz / .br`);
const total = { raw: 0, gz: 0, br: 0 };
for (const file of files) {
  const bytes = readFileSync(file);
  const gz = gzipSync(bytes, { level: 9 }).length;
  const br = brotli(bytes);
  total.raw += bytes.length;
  total.gz += gz;
  total.br += br;
  const sibling = (ext) => (existsSync(file + ext) ? statSync(file + ext).size.toLocaleString("en-US") : "-");
  console.log(`${basename(file).padEnd(40)} ${fmt(bytes.length)} ${fmt(gz)} ${fmt(br)}   ${sibling(".gz")} / ${sibling(".br")}`);
}
if (files.length > 1) console.log(`${"total".padEnd(40)} ${fmt(total.raw)} ${fmt(total.gz)} ${fmt(total.br)}`);

// The sections of each wasm module (custom sections by name), and brotli's
// share of each: what would shrink if a section went.
const names = ["custom", "type", "import", "function", "table", "memory", "global", "export", "start", "element", "code", "data", "datacount"];
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if (b < 0x80) return [value, at];
  }
}
for (const file of files.filter((f) => f.endsWith(".wasm"))) {
  const bytes = readFileSync(file);
  console.log(`\n${basename(file)}: sections`);
  let at = 8;
  while (at < bytes.length) {
    const id = bytes[at++];
    let size;
    [size, at] = leb(bytes, at);
    let name = names[id] ?? String(id);
    if (id === 0) {
      const [length, start] = leb(bytes, at);
      name = `custom "${bytes.subarray(start, start + length).toString()}"`;
    }
    const body = bytes.subarray(at, at + size);
    console.log(`  ${name.padEnd(36)} ${fmt(size)} raw ${fmt(brotli(body))} brotli alone`);
    at += size;
  }
}
