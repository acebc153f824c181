#!/usr/bin/env node
// A real OpenID Provider for Palette's end-to-end tests: npm `oidc-provider`
// (OpenID Certified) configured the way Palette meets Ory Hydra in
// production. Used by `crates/testkit/src/oidc.rs` (Rust HTTP tests) for
// what the real Hydra cannot be made to do (hostile tokens signed with its
// key, a key rotation); the Playwright suite logs in through the real Hydra
// (`end2end/hydra/hydra.mjs`).
//
//   node end2end/oidc/provider.mjs --port 0 --palette http://127.0.0.1:3125
//
// Arguments (or environment):
//   --port N        (OIDC_PORT)      port on 127.0.0.1; 0 picks a free one
//   --palette URL   (PALETTE_BASES)  a Palette base URL allowed as a redirect
//                                    target; repeat the flag, or separate
//                                    several with commas in the variable
//
// Prints one JSON line `{"issuer": "http://127.0.0.1:PORT"}` on stdout once
// it listens. Exits on SIGTERM/SIGINT and, when stdin is a pipe (as the Rust
// test kit starts it), when stdin closes — so it never outlives its test.
//
// What it offers:
// - accounts (the login form takes any password): alice (platform-admins),
//   bob (blue-operators, staff), carol (release-approvers, staff), erin (no
//   group);
//   claims sub, email, name, preferred_username, groups — `groups` is also
//   put in the ID token (conformIdTokenClaims: false), as Hydra does;
// - clients:
//     palette               confidential, authorization_code, client_secret_basic,
//                           redirect_uri <base>/auth/callback, post-logout <base>/
//     ci-pipeline           client_credentials
//     ci-unknown            client_credentials, a machine Palette has never
//                           seen (authentication still succeeds; what it may
//                           do is authorization's business)
//     palette-introspection may introspect any client's tokens (RFC 7662)
//   every secret is `<client_id>-secret`;
// - resource indicators (RFC 8707; Hydra uses `audience=` instead):
//     urn:palette:api         → JWT access tokens, aud `palette-api`
//     urn:palette:api:opaque  → opaque access tokens, aud `palette-api`
//     urn:other:api           → JWT access tokens, aud `other-api`
// - TEST-ONLY: `POST /test/sign` with a JSON body `{"claims": {...},
//   "key": "provider" | "foreign" | "hmac-public-key"}` returns a compact
//   JWT over those claims signed with the provider's own JWKS key
//   ("provider", kid as in the JWKS, RS256), with a fresh RSA key that is not
//   in the JWKS ("foreign", a kid of its own), or with HS256 using the
//   provider's public key (PEM) as the HMAC secret ("hmac-public-key", the
//   classic algorithm-confusion attack). The tests use it for expired and
//   wrong-issuer tokens that are otherwise perfectly signed. Never run this
//   script as a real provider.

import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import { parseArgs } from "node:util";

import Provider, { errors } from "oidc-provider";

const { values: args } = parseArgs({
  options: {
    port: { type: "string" },
    palette: { type: "string", multiple: true },
  },
});

const port = Number(args.port ?? process.env.OIDC_PORT ?? 0);
const paletteBases = (args.palette?.length ? args.palette : (process.env.PALETTE_BASES ?? "").split(","))
  .map((base) => base.trim().replace(/\/+$/, ""))
  .filter(Boolean);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`provider.mjs: --port must be a port number, not ${args.port}`);
  process.exit(2);
}
if (paletteBases.length === 0) {
  console.error("provider.mjs: give at least one Palette base URL (--palette http://127.0.0.1:3125)");
  process.exit(2);
}

const ACCOUNTS = {
  alice: { name: "Alice Admin", groups: ["platform-admins"] },
  bob: { name: "Bob Operator", groups: ["blue-operators", "staff"] },
  carol: { name: "Carol Approver", groups: ["release-approvers", "staff"] },
  // In no group: the route matrix's browser session (it holds what a test grants it).
  erin: { name: "Erin Session", groups: [] },
};

const RESOURCES = {
  "urn:palette:api": { audience: "palette-api", accessTokenFormat: "jwt" },
  "urn:palette:api:opaque": { audience: "palette-api", accessTokenFormat: "opaque" },
  "urn:other:api": { audience: "other-api", accessTokenFormat: "jwt" },
};

// The signing key: generated here so the test-only signer can use it too.
const KID = `test-${crypto.randomBytes(4).toString("hex")}`;
const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
const foreign = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });

const secret = (clientId) => `${clientId}-secret`;

function configuration() {
  return {
    clients: [
      {
        client_id: "palette",
        client_secret: secret("palette"),
        client_name: "Palette",
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: paletteBases.map((base) => `${base}/auth/callback`),
        post_logout_redirect_uris: paletteBases.map((base) => `${base}/`),
      },
      ...["ci-pipeline", "ci-unknown", "palette-introspection"].map((clientId) => ({
        client_id: clientId,
        client_secret: secret(clientId),
        grant_types: clientId === "palette-introspection" ? [] : ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: "client_secret_basic",
      })),
    ],
    jwks: { keys: [{ ...privateKey.export({ format: "jwk" }), kid: KID, use: "sig", alg: "RS256" }] },
    cookies: { keys: [crypto.randomBytes(32).toString("hex")] },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "preferred_username"],
      groups: ["groups"],
    },
    scopes: ["openid", "offline_access", "profile", "email", "groups"],
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    async findAccount(_ctx, id) {
      const account = ACCOUNTS[id];
      if (!account) return undefined;
      return {
        accountId: id,
        async claims() {
          return {
            sub: id,
            email: `${id}@example.com`,
            email_verified: true,
            name: account.name,
            preferred_username: id,
            groups: account.groups,
          };
        },
      };
    },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      introspection: {
        enabled: true,
        async allowedPolicy(_ctx, client, token) {
          return client.clientId === "palette-introspection" || client.clientId === token.clientId;
        },
      },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // No `resource` parameter: the access token is only for userinfo.
        defaultResource: async (_ctx, _client, oneOf) => oneOf,
        useGrantedResource: async () => false,
        async getResourceServerInfo(_ctx, resource) {
          const server = RESOURCES[resource];
          if (!server) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            scope: "palette",
            audience: server.audience,
            accessTokenTTL: 600,
            accessTokenFormat: server.accessTokenFormat,
            ...(server.accessTokenFormat === "jwt" ? { jwt: { sign: { alg: "RS256" } } } : {}),
          };
        },
      },
    },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  };
}

// ---- test-only signer -------------------------------------------------------

const b64url = (value) => Buffer.from(value).toString("base64url");

function sign(claims, key) {
  switch (key ?? "provider") {
    case "provider":
    case "foreign": {
      const own = key !== "foreign";
      const header = { alg: "RS256", typ: "at+jwt", kid: own ? KID : "not-in-the-jwks" };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const signature = crypto.sign("sha256", Buffer.from(input), own ? privateKey : foreign.privateKey);
      return `${input}.${signature.toString("base64url")}`;
    }
    case "hmac-public-key": {
      const header = { alg: "HS256", typ: "JWT", kid: KID };
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
      const pem = publicKey.export({ type: "spki", format: "pem" });
      const signature = crypto.createHmac("sha256", pem).update(input).digest();
      return `${input}.${signature.toString("base64url")}`;
    }
    default:
      throw new Error(`unknown key ${key}`);
  }
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
}

// ---- start ------------------------------------------------------------------

const server = http.createServer();
server.listen(port, "127.0.0.1", () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  provider.on("server_error", (_ctx, err) => console.error("provider.mjs: server_error", err));
  const handle = provider.callback();
  server.on("request", async (req, res) => {
    if (req.method === "POST" && req.url === "/test/sign") {
      try {
        const body = await readJson(req);
        const token = sign(body.claims ?? {}, body.key);
        res.writeHead(200, { "content-type": "text/plain" }).end(token);
      } catch (err) {
        res.writeHead(400, { "content-type": "text/plain" }).end(String(err));
      }
      return;
    }
    handle(req, res);
  });
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
server.on("error", (err) => {
  console.error(`provider.mjs: cannot listen on 127.0.0.1:${port}: ${err.message}`);
  process.exit(1);
});

const stop = () => {
  server.close();
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// Stdin is watched only when it is a pipe: under Playwright it is /dev/null,
// which would end at once.
try {
  const stat = fs.fstatSync(0);
  if (stat.isFIFO() || stat.isSocket()) {
    process.stdin.on("end", stop);
    process.stdin.on("close", stop);
    process.stdin.resume();
  }
} catch {
  // no stdin at all: rely on signals
}
