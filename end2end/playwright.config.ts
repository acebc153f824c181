import { defineConfig } from "@playwright/test";
import { cpSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

// Browsers cannot be downloaded here: drive Debian's Chromium.
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const port = Number(process.env.E2E_PORT ?? 3123);
const root = resolve(__dirname, "..");
const targetDir = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, "target");
const binary = process.env.E2E_PALETTE_BIN ?? join(targetDir, "release", "palette");
// cargo-leptos writes the site (wasm, JS, CSS) under the workspace root's
// `target/site` (site-root in Cargo.toml) even when CARGO_TARGET_DIR moves
// the compiled binaries elsewhere.
const siteRoot = join(root, "target", "site");
const dataDir = mkdtempSync(join(tmpdir(), "palette-e2e-"));
// Layer workspaces (and the stand-in's state in them) live under the infra
// tree: give every run a fresh copy so runs do not see each other's state.
const infraDir = join(dataDir, "infra");
cpSync(join(root, "examples", "infra"), infraDir, {
  recursive: true,
  filter: (src) => !src.includes(join("examples", "infra", "environments", "")),
});
// login.spec.ts: a second Palette logging in through the real Ory Hydra
// (hydra/hydra.mjs: Hydra behind its login/consent app on one port).
const oidcPort = Number(process.env.OIDC_E2E_PORT ?? 3124);
const oidcPalettePort = Number(process.env.OIDC_E2E_PALETTE_PORT ?? 3125);
const oidcDataDir = mkdtempSync(join(tmpdir(), "palette-e2e-oidc-"));
// traefik.js-only.spec.ts: a third Palette, under /palette, behind the real
// Traefik over TLS (end2end/traefik/start.mjs), Traefik its only trusted proxy.
const traefikPort = Number(process.env.TRAEFIK_E2E_PORT ?? 3126);
const traefikPalettePort = Number(process.env.TRAEFIK_E2E_PALETTE_PORT ?? 3127);
const traefikDataDir = mkdtempSync(join(tmpdir(), "palette-e2e-traefik-"));
const traefikInfraDir = join(traefikDataDir, "infra");
cpSync(join(root, "examples", "infra"), traefikInfraDir, {
  recursive: true,
  filter: (src) => !src.includes(join("examples", "infra", "environments", "")),
});
const traefikOrigin = `https://localhost:${traefikPort}`;

export const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  retries: 0,
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL,
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-quic",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  // Every spec runs with JavaScript on and off; specs that prove
  // interactivity are named *.js-only.spec.ts.
  projects: [
    { name: "js", use: { javaScriptEnabled: true }, testIgnore: /traefik\.js-only\.spec\.ts$/ },
    { name: "no-js", use: { javaScriptEnabled: false }, testIgnore: /\.js-only\.spec\.ts$/ },
    {
      name: "traefik",
      testMatch: /traefik\.js-only\.spec\.ts$/,
      // The test CA is made afresh by start.mjs; the browser is not told of it.
      use: { javaScriptEnabled: true, baseURL: `${traefikOrigin}/palette/`, ignoreHTTPSErrors: true },
    },
  ],
  webServer: [{
    command: `${binary} serve --demo --listen 127.0.0.1:${port}`,
    cwd: root,
    url: `${baseURL}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PALETTE_DATA_DIR: dataDir,
      PALETTE_INFRA_DIR: infraDir,
      PALETTE_SITE_ROOT: siteRoot,
      PALETTE_LOG: "warn",
    },
  },
  {
    command: `node hydra/hydra.mjs --port ${oidcPort} --palette http://127.0.0.1:${oidcPalettePort}`,
    url: `http://127.0.0.1:${oidcPort}/.well-known/openid-configuration`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  },
  {
    // No --demo: it implies the dev login, which is refused with an issuer.
    command: `${binary} serve --listen 127.0.0.1:${oidcPalettePort}`,
    cwd: root,
    url: `http://127.0.0.1:${oidcPalettePort}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PALETTE_DATA_DIR: oidcDataDir,
      PALETTE_SITE_ROOT: siteRoot,
      PALETTE_LOG: "warn",
      PALETTE_OIDC_ISSUER: `http://127.0.0.1:${oidcPort}`,
      PALETTE_OIDC_CLIENT_ID: "palette",
      PALETTE_OIDC_CLIENT_SECRET: "palette-secret",
      PALETTE_API_AUDIENCE: "palette-api",
      // Groups from Hydra's ID token decide who may read the whole audit log.
      PALETTE_ADMINS: "group:platform-admins",
    },
  },
  {
    command: `${binary} serve --demo --listen 127.0.0.1:${traefikPalettePort}`,
    cwd: root,
    url: `http://127.0.0.1:${traefikPalettePort}/palette/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PALETTE_DATA_DIR: traefikDataDir,
      PALETTE_INFRA_DIR: traefikInfraDir,
      PALETTE_SITE_ROOT: siteRoot,
      PALETTE_LOG: "warn",
      PALETTE_PATH_PREFIX: "/palette",
      PALETTE_PUBLIC_URL: traefikOrigin,
      PALETTE_TRUSTED_PROXIES: "127.0.0.1",
    },
  },
  {
    command: `node traefik/start.mjs --port ${traefikPort} --upstream 127.0.0.1:${traefikPalettePort}`,
    url: `${traefikOrigin}/palette/healthz`,
    ignoreHTTPSErrors: true,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: "pipe",
    stderr: "pipe",
  }],
});
