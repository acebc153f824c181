// Bytes a browser transfers to open Palette's overview: a first load with an
// empty cache (the HTML, the stylesheet, the JS and the wasm), then the same
// page again in the same browser (what the cache saved), as Chromium's
// DevTools protocol counts them (Network.loadingFinished encodedDataLength:
// headers and body as received, compressed or not).
//
//   node bench/http/first-load.mjs                 # the release build of ./scripts/run
//   BENCH_BIN=/path/to/palette BENCH_SITE=/path/to/site node bench/http/first-load.mjs
//
// Starts `palette serve --demo --no-workers` on a free port (or BENCH_PORT)
// over a fresh data directory, logs in as alice through the dev login in
// one browser context, then loads `/` in a second context that has the
// session cookie and an empty cache. Needs the end2end node packages
// (`cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci`) and Chromium.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const require = createRequire(join(root, "end2end", "package.json"));
const { chromium } = require("@playwright/test");

const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, "target");
const binary = process.env.BENCH_BIN ?? join(targetDir, "release", "palette");
const site = process.env.BENCH_SITE ?? join(root, "target", "site");

async function freePort() {
  if (process.env.BENCH_PORT) return Number(process.env.BENCH_PORT);
  return new Promise((ok) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

async function waitFor(url) {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((ok) => setTimeout(ok, 200));
  }
  throw new Error(`${url} did not answer within 60 s`);
}

/** Loads `url` in `page` and sums what the network delivered, by kind. */
async function load(page, cdp, url) {
  const seen = new Map();
  const urls = new Map();
  const onRequest = (e) => urls.set(e.requestId, e.request.url);
  const onResponse = (e) => {
    seen.set(e.requestId, {
      url: e.response.url,
      status: e.response.status,
      encoding: e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] ?? "",
      cacheControl: e.response.headers["cache-control"] ?? e.response.headers["Cache-Control"] ?? "",
      fromCache: e.response.fromDiskCache || e.response.fromPrefetchCache || false,
      bytes: 0,
    });
  };
  const onCached = (e) => {
    // Served from the memory cache: no request at all.
    const entry = seen.get(e.requestId);
    if (entry) entry.fromCache = true;
    else seen.set(e.requestId, { url: urls.get(e.requestId) ?? "", status: 200, encoding: "", cacheControl: "", fromCache: true, bytes: 0 });
  };
  const onData = (e) => {
    const entry = seen.get(e.requestId);
    if (entry) entry.decoded = (entry.decoded ?? 0) + e.dataLength;
  };
  const onFinished = (e) => {
    const entry = seen.get(e.requestId);
    if (entry) entry.bytes = e.encodedDataLength;
  };
  cdp.on("Network.requestWillBeSent", onRequest);
  cdp.on("Network.responseReceived", onResponse);
  cdp.on("Network.requestServedFromCache", onCached);
  cdp.on("Network.dataReceived", onData);
  cdp.on("Network.loadingFinished", onFinished);
  await page.goto(url, { waitUntil: "networkidle" });
  cdp.off("Network.requestWillBeSent", onRequest);
  cdp.off("Network.responseReceived", onResponse);
  cdp.off("Network.requestServedFromCache", onCached);
  cdp.off("Network.dataReceived", onData);
  cdp.off("Network.loadingFinished", onFinished);
  return [...seen.values()];
}

function kind(url) {
  if (!url) return "(unknown)";
  const path = new URL(url).pathname;
  if (path.endsWith(".wasm")) return "wasm";
  if (path.endsWith(".js")) return "js";
  if (path.endsWith(".css")) return "css";
  if (path === "/") return "html";
  return path;
}

function report(title, entries) {
  console.log(`\n${title}`);
  let total = 0;
  for (const e of entries) {
    total += e.bytes;
    const how = e.fromCache && e.bytes === 0 ? "from cache" : `${e.status} ${e.encoding || "identity"}`;
    console.log(`  ${kind(e.url).padEnd(24)} ${String(e.bytes).padStart(9)} bytes (${String(e.decoded ?? 0).padStart(9)} decoded)  ${how.padEnd(12)} ${e.cacheControl ?? ""}`);
  }
  console.log(`  ${"total".padEnd(24)} ${String(total).padStart(9)} bytes over the network, ${entries.length} responses`);
}

const port = await freePort();
const data = mkdtempSync(join(tmpdir(), "palette-first-load-"));
const server = spawn(binary, ["serve", "--demo", "--no-workers", "--listen", `127.0.0.1:${port}`], {
  cwd: root,
  env: { ...process.env, PALETTE_DATA_DIR: data, PALETTE_SITE_ROOT: site, PALETTE_LOG: "warn" },
  stdio: ["ignore", "ignore", "inherit"],
});
const base = `http://127.0.0.1:${port}`;
let browser;
try {
  await waitFor(`${base}/healthz`);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-quic", "--disable-component-update", "--disable-sync"],
  });
  const login = await browser.newContext();
  const loginPage = await login.newPage();
  await loginPage.goto(`${base}/auth/login?return_to=%2F`);
  await loginPage.getByRole("button", { name: /Alice Admin/ }).click();
  await loginPage.waitForURL(`${base}/`);
  const storageState = await login.storageState();
  await login.close();

  const context = await browser.newContext({ storageState });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.setCacheDisabled", { cacheDisabled: false });
  console.log(`${binary}\nsite ${site}; Chromium ${browser.version()}`);
  report("first load of / (empty cache)", await load(page, cdp, `${base}/`));
  report("second load of / (same browser, cache kept)", await load(page, cdp, `${base}/`));
} finally {
  await browser?.close();
  server.kill("SIGTERM");
  rmSync(data, { recursive: true, force: true });
}
