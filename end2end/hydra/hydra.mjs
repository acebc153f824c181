// The real Ory Hydra for the browser tests, behind a small login/consent/
// logout app, on ONE loopback port (node built-ins only):
//
//   node hydra/hydra.mjs --port 3124 --palette http://127.0.0.1:3125
//
// Hydra (`hydra serve all --dev --sqa-opt-out`, DSN=memory, built by
// `scripts/servers hydra`, with fresh RSA 2048 signing keys) listens on Unix sockets in a temp dir: its admin
// API is reachable only from this script, and its public API is proxied
// from --port, where this script also serves
//   GET  /login?login_challenge=…    a login form (user name; any of ACCOUNTS)
//   POST /login                      accepts the challenge with that subject,
//                                    or rejects it (access_denied) on Cancel
//   GET  /consent?consent_challenge=…  accepts with the requested scopes and
//                                    name, email, preferred_username, groups
//                                    in the ID token
//   GET  /logout?logout_challenge=…  a confirmation form; POST accepts it
// The issuer is http://127.0.0.1:<port>. Palette's client is `palette`
// (secret `palette-secret`), redirected to <palette>/auth/callback and back
// to <palette>/ after logout. Prints {"issuer": …} once clients exist and
// the port listens; exits (killing Hydra) on SIGTERM/SIGINT.

import { spawn } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";

const VERSION = "v2.3.0";
const ACCOUNTS = {
  alice: { name: "Alice Admin", email: "alice@example.com", groups: ["platform-admins"] },
  bob: { name: "Bob Operator", email: "bob@example.com", groups: ["blue-operators", "staff"] },
  carol: { name: "Carol Viewer", email: "carol@example.com", groups: [] },
};

const args = process.argv.slice(2);
const arg = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const port = Number(arg("--port") ?? 3124);
const palette = arg("--palette") ?? "http://127.0.0.1:3125";
const issuer = `http://127.0.0.1:${port}`;

const serversDir = process.env.PALETTE_SERVERS_DIR ?? "/var/tmp/palette-servers";
const binary = join(serversDir, `hydra-${VERSION}`, "hydra");
if (!existsSync(binary)) {
  console.error(
    `Ory Hydra is not built at ${binary}: run \`scripts/servers hydra\` ` +
      `(it builds github.com/ory/hydra/v2 ${VERSION} with Go; about 10 minutes cold)`,
  );
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), "palette-e2e-hydra-"));
const publicSocket = join(dir, "public.sock");
const adminSocket = join(dir, "admin.sock");
const logFile = join(dir, "hydra.log");
const hydra = spawn(binary, ["serve", "all", "--dev", "--sqa-opt-out"], {
  stdio: ["ignore", "ignore", openSync(logFile, "w")],
  env: {
    ...process.env,
    DSN: "memory",
    SERVE_PUBLIC_HOST: `unix:${publicSocket}`,
    SERVE_ADMIN_HOST: `unix:${adminSocket}`,
    URLS_SELF_ISSUER: issuer,
    URLS_LOGIN: `${issuer}/login`,
    URLS_CONSENT: `${issuer}/consent`,
    URLS_LOGOUT: `${issuer}/logout`,
    SECRETS_SYSTEM: "palette-e2e-hydra-system-secret",
    OAUTH2_HASHERS_PBKDF2_ITERATIONS: "1",
    LOG_LEVEL: "warn",
  },
});
let stopping = false;
const stop = (code) => {
  stopping = true;
  hydra.kill();
  rmSync(dir, { recursive: true, force: true });
  process.exit(code);
};
hydra.on("exit", (code) => {
  if (!stopping) {
    console.error(`hydra exited (${code}); its log:\n${readFileSync(logFile, "utf8")}`);
    stop(1);
  }
});
process.on("SIGTERM", () => stop(0));
process.on("SIGINT", () => stop(0));

// One request to Hydra's admin API; resolves to { status, body }.
function admin(method, path, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      {
        socketPath: adminSocket,
        path,
        method,
        headers: data ? { "content-type": "application/json", "content-length": Buffer.byteLength(data) } : {},
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (text += chunk));
        response.on("end", () => {
          let parsed = text;
          try {
            parsed = JSON.parse(text);
          } catch {}
          resolve({ status: response.statusCode, body: parsed });
        });
      },
    );
    request.on("error", reject);
    if (data) request.write(data);
    request.end();
  });
}

async function adminOk(method, path, body) {
  const { status, body: answer } = await admin(method, path, body);
  if (status < 200 || status >= 300) throw new Error(`${method} ${path}: ${status} ${JSON.stringify(answer)}`);
  return answer;
}

const challengePath = (flow, action, challenge) =>
  `/admin/oauth2/auth/requests/${flow}${action ? `/${action}` : ""}?${flow}_challenge=${encodeURIComponent(challenge)}`;

const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

const page = (title, body) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
  `<body><main><h1>${title}</h1>${body}</main></body></html>`;

function send(response, status, html) {
  response.writeHead(status, { "content-type": "text/html; charset=utf-8" });
  response.end(html);
}

function redirect(response, to) {
  response.writeHead(303, { location: to });
  response.end();
}

function readForm(request) {
  return new Promise((resolve) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => resolve(new URLSearchParams(text)));
  });
}

async function login(request, response, url) {
  if (request.method === "GET") {
    const challenge = url.searchParams.get("login_challenge") ?? "";
    const login = await adminOk("GET", challengePath("login", "", challenge));
    if (login.skip) {
      const accepted = await adminOk("PUT", challengePath("login", "accept", challenge), { subject: login.subject });
      return redirect(response, accepted.redirect_to);
    }
    return send(
      response,
      200,
      page(
        "Sign in",
        `<form method="post" action="/login">` +
          `<input type="hidden" name="login_challenge" value="${escapeHtml(challenge)}">` +
          `<label>User <input name="user" autocomplete="username" autofocus></label> ` +
          `<button type="submit" name="action" value="login">Sign in</button> ` +
          `<button type="submit" name="action" value="cancel">Cancel</button></form>`,
      ),
    );
  }
  const form = await readForm(request);
  const challenge = form.get("login_challenge") ?? "";
  if (form.get("action") === "cancel") {
    const rejected = await adminOk("PUT", challengePath("login", "reject", challenge), {
      error: "access_denied",
      error_description: "The person cancelled the login.",
    });
    return redirect(response, rejected.redirect_to);
  }
  const user = form.get("user") ?? "";
  if (!Object.hasOwn(ACCOUNTS, user)) {
    return send(response, 422, page("Sign in", `<p role="alert">No such account: ${escapeHtml(user)}</p>`));
  }
  const accepted = await adminOk("PUT", challengePath("login", "accept", challenge), {
    subject: user,
    remember: true,
    remember_for: 0,
  });
  return redirect(response, accepted.redirect_to);
}

async function consent(response, url) {
  const challenge = url.searchParams.get("consent_challenge") ?? "";
  const consent = await adminOk("GET", challengePath("consent", "", challenge));
  const account = ACCOUNTS[consent.subject];
  if (!account) return send(response, 422, page("Consent", `<p role="alert">No such account</p>`));
  const accepted = await adminOk("PUT", challengePath("consent", "accept", challenge), {
    grant_scope: consent.requested_scope,
    grant_access_token_audience: consent.requested_access_token_audience,
    remember: false,
    session: {
      id_token: {
        name: account.name,
        email: account.email,
        preferred_username: consent.subject,
        groups: account.groups,
      },
      access_token: { groups: account.groups },
    },
  });
  return redirect(response, accepted.redirect_to);
}

async function logout(request, response, url) {
  if (request.method === "GET") {
    const challenge = url.searchParams.get("logout_challenge") ?? "";
    const logout = await adminOk("GET", challengePath("logout", "", challenge));
    return send(
      response,
      200,
      page(
        "Sign out",
        `<p>Sign ${escapeHtml(logout.subject)} out of the identity provider?</p>` +
          `<form method="post" action="/logout">` +
          `<input type="hidden" name="logout_challenge" value="${escapeHtml(challenge)}">` +
          `<button type="submit">Yes, sign me out</button></form>`,
      ),
    );
  }
  const form = await readForm(request);
  const accepted = await adminOk("PUT", challengePath("logout", "accept", form.get("logout_challenge") ?? ""));
  return redirect(response, accepted.redirect_to);
}

// Everything else is Hydra's public API.
function proxy(request, response) {
  const upstream = http.request(
    { socketPath: publicSocket, path: request.url, method: request.method, headers: request.headers },
    (answer) => {
      response.writeHead(answer.statusCode, answer.rawHeaders);
      answer.pipe(response);
    },
  );
  upstream.on("error", (e) => {
    response.writeHead(502, { "content-type": "text/plain" });
    response.end(`Hydra: ${e.message}`);
  });
  request.pipe(upstream);
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url, issuer);
  const handle =
    url.pathname === "/login"
      ? login(request, response, url)
      : url.pathname === "/consent"
        ? consent(response, url)
        : url.pathname === "/logout"
          ? logout(request, response, url)
          : null;
  if (handle === null) return proxy(request, response);
  handle.catch((e) => {
    console.error(e);
    if (!response.headersSent) send(response, 502, page("Error", `<p role="alert">${escapeHtml(e.message)}</p>`));
  });
});

async function waitUntilReady() {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await admin("GET", "/health/ready")).status === 200) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`Hydra was not ready within 30 s:\n${readFileSync(logFile, "utf8")}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

// Hydra would generate RSA 4096 signing keys on the first login (seconds on
// a busy machine): give it fresh RSA 2048 ones instead.
async function installKeys() {
  for (const [set, kid] of [
    ["hydra.openid.id-token", "e2e-id-token"],
    ["hydra.jwt.access-token", "e2e-access-token"],
  ]) {
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const key = { ...privateKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" };
    await adminOk("PUT", `/admin/keys/${set}`, { keys: [key] });
  }
}

try {
  await waitUntilReady();
  await installKeys();
  await adminOk("POST", "/admin/clients", {
    client_id: "palette",
    client_secret: "palette-secret",
    client_name: "Palette",
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    scope: "openid profile email groups offline_access",
    redirect_uris: [`${palette}/auth/callback`],
    post_logout_redirect_uris: [`${palette}/`],
    token_endpoint_auth_method: "client_secret_basic",
  });
  server.listen(port, "127.0.0.1", () => console.log(JSON.stringify({ issuer })));
} catch (e) {
  console.error(e.message);
  stop(1);
}
