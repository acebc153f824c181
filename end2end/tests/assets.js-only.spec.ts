import { expect, test } from "@playwright/test";
import { devLogin } from "./helpers";

// The release build's assets as Chromium gets them (server/src/http/cache.rs,
// docs/benchmarks.md): content-hashed names, compressed on the wire with
// what the browser accepts, cached for good, and not requested again on
// the next page.

const hashed = /\/pkg\/palette\.[A-Za-z0-9_-]{22}\.(css|js|wasm)$/;

test("the stylesheet, the script and the wasm are hashed, compressed and kept", async ({ page }) => {
  const assets = new Map<string, { encoding: string; accepted: string; cacheControl: string; vary: string }>();
  page.on("response", async (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith("/pkg/")) return;
    const headers = await response.allHeaders();
    const sent = await response.request().allHeaders();
    assets.set(url.pathname, {
      encoding: headers["content-encoding"] ?? "",
      accepted: sent["accept-encoding"] ?? "",
      cacheControl: headers["cache-control"] ?? "",
      vary: headers["vary"] ?? "",
    });
  });
  // The login page, then the overview, which hydrates: the wasm is fetched.
  await devLogin(page, "Alice Admin");
  await page.waitForLoadState("networkidle");

  const links = await page.evaluate(() => ({
    css: [...document.querySelectorAll('link[rel="stylesheet"]')].map((l) => (l as HTMLLinkElement).href),
    modules: [...document.querySelectorAll('link[rel="modulepreload"]')].map((l) => (l as HTMLLinkElement).href),
    wasm: [...document.querySelectorAll('link[rel="preload"][as="fetch"]')].map((l) => (l as HTMLLinkElement).href),
  }));
  for (const [kind, urls] of Object.entries(links)) {
    expect(urls.length, kind).toBe(1);
    expect(new URL(urls[0]).pathname, kind).toMatch(hashed);
  }

  // Whatever came over the network came compressed, immutable, varying by encoding.
  for (const [path, seen] of assets) {
    expect(path).toMatch(hashed);
    // What Chromium asked for, when Playwright saw the request's headers
    // (not for a response replayed from the memory cache).
    const expected = /\bbr\b/.test(seen.accepted) ? ["br"] : /gzip/.test(seen.accepted) ? ["gzip"] : ["br", "gzip"];
    expect(expected, `${path} (Accept-Encoding: ${seen.accepted})`).toContain(seen.encoding);
    expect(seen.cacheControl, path).toBe("public, max-age=31536000, immutable");
    expect(seen.vary.toLowerCase(), path).toContain("accept-encoding");
  }
  const wasm = [...assets.keys()].find((p) => p.endsWith(".wasm"));
  expect(wasm, "the wasm was fetched on the first page with scripts").toBeTruthy();

  // Another page of the app: the files come from the cache, not the network.
  await page.goto("/jobs", { waitUntil: "networkidle" });
  const transferred = await page.evaluate(() =>
    performance
      .getEntriesByType("resource")
      .filter((e) => new URL(e.name).pathname.startsWith("/pkg/"))
      .map((e) => ({ name: new URL(e.name).pathname, transferSize: (e as PerformanceResourceTiming).transferSize })),
  );
  expect(transferred.length).toBeGreaterThan(0);
  for (const entry of transferred) {
    expect(entry.transferSize, `${entry.name} came over the network again`).toBe(0);
  }
});
