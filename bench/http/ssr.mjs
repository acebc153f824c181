// Server-rendered pages at scale: `palette serve --demo` (release) with 200
// more environments, each created through the REST API (so with its create
// job, its step, its logs and its audit rows; one layer, on the stand-in
// with no delay, 8 workers) and then
// OIDC-checked against its simulated issuer (a stored check each). Then,
// logged in as alice (who sees everything), per page:
//   - idle: N requests one after the other (median, p99);
//   - fixed rate: RATE requests/s for SECS seconds, open loop (each
//     request's latency counts from when it was due, so a slow server is not
//     hidden by a client that waits for it), at most 256 in flight;
//   - saturated throughput with wrk (4 connections), next to the static
//     stylesheet's on the same server in the same run: the anchor;
//   - the server's RSS: idle after seeding, and the most seen under load.
//
//   node bench/http/ssr.mjs                  # 200 environments, 500 req/s, 5 s per page
//   SSR_ENVS=50 SSR_RATE=200 SSR_SECS=3 node bench/http/ssr.mjs
//   BENCH_BIN=/path/to/palette BENCH_SITE=/path/to/site node bench/http/ssr.mjs
//   SSR_DATA=/var/tmp/ssr node bench/http/ssr.mjs   # keep the seeded data dir, reuse it next run
//
// Needs the release build (./scripts/run builds it) and wrk.
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, "target");
const binary = process.env.BENCH_BIN ?? join(targetDir, "release", "palette");
const site = process.env.BENCH_SITE ?? join(root, "target", "site");
const envs = Number(process.env.SSR_ENVS ?? 200);
const rate = Number(process.env.SSR_RATE ?? 500);
const secs = Number(process.env.SSR_SECS ?? 5);
const idleRequests = Number(process.env.SSR_IDLE ?? 50);
const MAX_IN_FLIGHT = 256;

const freePort = () =>
  new Promise((ok, fail) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
    s.on("error", fail);
  });

const port = await freePort();
const base = `http://127.0.0.1:${port}`;
// SSR_DATA: a data dir kept after the run; one seeded before (with as many
// environments) is used as it is, which saves the minutes of seeding.
const keep = process.env.SSR_DATA ? resolve(process.env.SSR_DATA) : null;
const data = keep ?? mkdtempSync(join(tmpdir(), "palette-ssr-"));
const seededMark = join(data, `seeded-${envs}`);
const reuse = keep !== null && existsSync(seededMark);
if (!reuse) {
  if (keep) rmSync(keep, { recursive: true, force: true });
  mkdirSync(join(data, "infra"), { recursive: true });
  for (const dir of ["modules", "scaffold"]) cpSync(join(root, "examples/infra", dir), join(data, "infra", dir), { recursive: true });
}
const server = spawn(binary, ["serve", "--demo", "--listen", `127.0.0.1:${port}`], {
  env: {
    ...process.env,
    PALETTE_DATA_DIR: data,
    PALETTE_INFRA_DIR: join(data, "infra"),
    PALETTE_SITE_ROOT: site,
    PALETTE_LOG: "warn",
    TOFU_STANDIN_DELAY_MS: "0",
    PALETTE_WORKERS: process.env.PALETTE_WORKERS ?? "8",
  },
  stdio: ["ignore", "ignore", "inherit"],
});
const cleanup = () => {
  server.kill("SIGTERM");
  if (!keep) rmSync(data, { recursive: true, force: true });
};
process.on("exit", cleanup);

const agent = new http.Agent({ keepAlive: true, maxSockets: MAX_IN_FLIGHT });
let cookies = {};
const cookieHeader = () => Object.entries(cookies).map(([k, v]) => `${k}=${v}`).join("; ");

function request(method, path, { body, headers = {} } = {}) {
  return new Promise((ok, fail) => {
    const req = http.request(
      `${base}${path}`,
      { method, agent, headers: { accept: "text/html", cookie: cookieHeader(), ...headers } },
      (res) => {
        for (const set of res.headers["set-cookie"] ?? []) {
          const [pair] = set.split(";");
          const at = pair.indexOf("=");
          cookies[pair.slice(0, at)] = pair.slice(at + 1);
        }
        const chunks = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => ok({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("error", fail);
    if (body) req.write(body);
    req.end();
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
for (let i = 0; ; i++) {
  try {
    if ((await request("GET", "/healthz")).status === 200) break;
  } catch {}
  if (i > 300) throw new Error("palette did not answer /healthz within 60 s");
  await sleep(200);
}

const csrfOf = (html) => html.match(/name="_csrf" value="([^"]+)"/)?.[1];
const login = await request("GET", "/auth/login?return_to=%2F");
const loggedIn = await request("POST", "/auth/dev-login", {
  body: new URLSearchParams({ user: "alice", return_to: "/", _csrf: csrfOf(login.body) }).toString(),
  headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
});
if (loggedIn.status !== 303 && loggedIn.status !== 302) throw new Error(`dev login answered ${loggedIn.status}`);
const csrf = csrfOf((await request("GET", "/")).body);
const api = (method, path, json) =>
  request(method, `/api/v1${path}`, {
    body: json && JSON.stringify(json),
    headers: { accept: "application/json", "content-type": "application/json", "x-csrf-token": csrf, origin: base },
  });

// Seed, four requests at a time.
const names = Array.from({ length: envs }, (_, i) => `bench-${String(i + 1).padStart(3, "0")}`);
async function each(items, f) {
  const queue = [...items];
  await Promise.all(Array.from({ length: 4 }, async () => { while (queue.length) await f(queue.shift()); }));
}
const seedStart = Date.now();
if (!reuse) await seed();
const seedSecs = (Date.now() - seedStart) / 1000;
async function seed() {
await each(names, async (name) => {
  const made = await api("POST", "/environments", {
    name, tier: "staging", purpose: `benchmark environment ${name}`, channel: "edge",
    oidc_issuer: `${base}/simulated/oidc/${name}`, layers: ["k8s"],
  });
  if (made.status !== 201 && made.status !== 202) throw new Error(`creating ${name}: ${made.status} ${made.body}`);
});
async function settled(what) {
  for (;;) {
    let open = 0;
    for (const status of ["queued", "running"]) {
      open += JSON.parse((await api("GET", `/jobs?status=${status}`)).body).items.length;
    }
    if (open === 0) return;
    if (Date.now() - seedStart > 600_000) throw new Error(`${what}: jobs still open after 10 minutes`);
    await sleep(500);
  }
}
await settled("creating");
await each(names, async (name) => {
  const asked = await api("POST", `/environments/${name}/oidc-checks`);
  if (asked.status >= 300) throw new Error(`checking ${name}: ${asked.status} ${asked.body}`);
});
await settled("checking");
if (keep) writeFileSync(seededMark, new Date().toISOString());
}

const rssKb = () => Number(readFileSync(`/proc/${server.pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]);
const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const ms = (x) => `${x.toFixed(1)} ms`;

const css = (await request("GET", "/")).body.match(/\/pkg\/palette[.A-Za-z0-9_-]*\.css/)[0];
const pages = [
  ["overview /", "/"],
  [`environment /environments/${names[0]}`, `/environments/${names[0]}`],
  ["jobs /jobs", "/jobs"],
  ["OIDC matrix /oidc", "/oidc"],
];
for (const [, path] of pages) {
  const page = await request("GET", path);
  if (page.status !== 200) throw new Error(`${path} answered ${page.status}`);
}
const listed = new Set((await request("GET", "/")).body.match(/bench-\d{3}/g) ?? []).size;
const idleRss = rssKb();
console.log(
  `palette serve --demo (release), ${envs} more environments (${reuse ? `seeded before, in ${data}` : `seeded in ${seedSecs.toFixed(0)} s`} through the API: create on the stand-in, one OIDC check each); ` +
    `the overview names ${listed} of them; idle RSS ${(idleRss / 1024).toFixed(0)} MB; ${execFileSync("nproc").toString().trim()} cores, load generator on the same machine`,
);

async function idle(path) {
  const times = [];
  for (let i = 0; i < idleRequests; i++) {
    const t = process.hrtime.bigint();
    await request("GET", path);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times;
}

async function fixedRate(path) {
  const total = Math.round(rate * secs);
  const latencies = [];
  let inFlight = 0, refused = 0, failed = 0, peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssKb())), 50);
  const start = process.hrtime.bigint();
  const pending = [];
  for (let i = 0; i < total; i++) {
    const due = start + BigInt(Math.round((i * 1e9) / rate));
    const wait = Number(due - process.hrtime.bigint()) / 1e6;
    if (wait > 1) await sleep(wait);
    if (inFlight >= MAX_IN_FLIGHT) { refused++; continue; }
    inFlight++;
    pending.push(
      request("GET", path).then(
        (res) => { if (res.status !== 200) failed++; latencies.push(Number(process.hrtime.bigint() - due) / 1e6); },
        () => failed++,
      ).finally(() => inFlight--),
    );
  }
  await Promise.all(pending);
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  clearInterval(sampler);
  latencies.sort((a, b) => a - b);
  return { latencies, refused, failed, achieved: latencies.length / elapsed, peakRss };
}

function wrk(path) {
  const out = execFileSync("wrk", ["-t2", "-c4", "-d3s", "-H", `Cookie: ${cookieHeader()}`, `${base}${path}`]).toString();
  return Number(out.match(/Requests\/sec:\s+([\d.]+)/)[1]);
}

const staticRps = wrk(css);
console.log(`anchor: ${css} with wrk -t2 -c4: ${staticRps.toFixed(0)} requests/s`);
console.log(
  `${"page".padEnd(36)} ${"idle p50".padStart(9)} ${"idle p99".padStart(9)} | ${`at ${rate}/s: achieved`.padStart(20)} ${"p50".padStart(9)} ${"p99".padStart(9)} ${"dropped".padStart(8)} | ${"wrk req/s".padStart(9)} ${"× static".padStart(8)} | peak RSS`,
);
let peak = idleRss;
for (const [label, path] of pages) {
  const quiet = await idle(path);
  const loaded = await fixedRate(path);
  const saturated = wrk(path);
  peak = Math.max(peak, loaded.peakRss);
  const l = loaded.latencies;
  console.log(
    `${label.padEnd(36)} ${ms(quantile(quiet, 0.5)).padStart(9)} ${ms(quantile(quiet, 0.99)).padStart(9)} | ${`${loaded.achieved.toFixed(0)}/s`.padStart(20)} ${(l.length ? ms(quantile(l, 0.5)) : "-").padStart(9)} ${(l.length ? ms(quantile(l, 0.99)) : "-").padStart(9)} ${String(loaded.refused + loaded.failed).padStart(8)} | ${saturated.toFixed(0).padStart(9)} ${(saturated / staticRps).toFixed(3).padStart(8)} | ${(loaded.peakRss / 1024).toFixed(0)} MB`,
  );
}
console.log(`RSS: ${(idleRss / 1024).toFixed(0)} MB idle after seeding, at most ${(peak / 1024).toFixed(0)} MB under load`);
process.exit(0);
