// Starts the real Traefik (built by `scripts/servers traefik`) in front of
// one Palette for traefik.js-only.spec.ts, as crates/testkit/src/traefik.rs
// does for the Rust tests: a CA and a certificate for localhost made here
// with the openssl CLI, a static file (no version check, no anonymous
// usage, one explicit loopback entry point) and deploy/traefik/dynamic.yml
// itself with its host, upstream and certificate paths replaced.
//
//   node traefik/start.mjs --port 3126 --upstream 127.0.0.1:3127
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const { values } = parseArgs({ options: { port: { type: "string" }, upstream: { type: "string" } } });
if (!values.port || !values.upstream) {
  console.error("usage: node traefik/start.mjs --port PORT --upstream HOST:PORT");
  process.exit(2);
}
const root = resolve(fileURLToPath(new URL(".", import.meta.url)), "../..");
const servers = process.env.PALETTE_SERVERS_DIR ?? "/var/tmp/palette-servers";
const binary = join(servers, "traefik-v3.6.12", "traefik");
if (!existsSync(binary)) {
  console.error(`Traefik is not built: run \`scripts/servers traefik\` (it builds ${binary})`);
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "palette-e2e-traefik-"));
const openssl = (...args) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
openssl("req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
  "-subj", "/CN=Palette e2e CA", "-addext", "basicConstraints=critical,CA:TRUE",
  "-addext", "keyUsage=critical,keyCertSign,cRLSign");
openssl("req", ...ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
writeFileSync(join(dir, "server.ext"),
  "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n" +
  "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n");
openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
  "-out", "server.pem", "-days", "2", "-extfile", "server.ext");

let dynamic = readFileSync(join(root, "deploy", "traefik", "dynamic.yml"), "utf8");
for (const [from, to] of [
  ["Host(`palette.example.com`)", "Host(`localhost`)"],
  ["http://palette:3000", `http://${values.upstream}`],
  ["/etc/traefik/certs/palette.crt", join(dir, "server.pem")],
  ["/etc/traefik/certs/palette.key", join(dir, "server.key")],
]) {
  if (!dynamic.includes(from)) {
    console.error(`deploy/traefik/dynamic.yml no longer has ${from}: update end2end/traefik/start.mjs`);
    process.exit(1);
  }
  dynamic = dynamic.replace(from, to);
}
writeFileSync(join(dir, "dynamic.yml"), dynamic);
writeFileSync(join(dir, "traefik.yml"), [
  "global:", "  checkNewVersion: false", "  sendAnonymousUsage: false",
  "entryPoints:", "  websecure:", `    address: "127.0.0.1:${values.port}"`, "    http:", "      tls: {}",
  "providers:", "  file:", `    filename: "${join(dir, "dynamic.yml")}"`, "    watch: false",
  "log:", "  level: WARN", "",
].join("\n"));

const child = spawn(binary, [`--configFile=${join(dir, "traefik.yml")}`], { stdio: "inherit" });
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
