import { expect, Page, test } from "@playwright/test";
import { devLogin } from "./helpers";

// The pages hydrate under Palette's Content-Security-Policy
// (server/src/http/security.rs, docs/security.md) and the browser refuses
// nothing of theirs. Violations are seen twice: Chromium's console message
// ("…violates the following Content Security Policy directive…") and the
// `securitypolicyviolation` event, recorded by an init script (which runs
// before the page's own scripts and is not subject to the page's policy).

declare global {
  interface Window {
    __cspViolations: string[];
  }
}

function watchViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (message) => {
    if (/Content Security Policy/i.test(message.text())) seen.push(`console: ${message.text()}`);
  });
  return seen;
}

test.beforeEach(async ({ page }) => {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__cspViolations.push(`${e.violatedDirective} refused ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
    });
  });
});

async function violationsOnThisPage(page: Page): Promise<string[]> {
  return page.evaluate(() => window.__cspViolations);
}

test("the pages hydrate under the Content-Security-Policy and nothing is refused", async ({ page }) => {
  const messages = watchViolations(page);
  await devLogin(page, "Alice Admin");
  const response = await page.goto("/", { waitUntil: "networkidle" });
  const csp = response?.headers()["content-security-policy"] ?? "";
  expect(csp).toContain("script-src 'self' 'nonce-");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(await violationsOnThisPage(page)).toEqual([]);

  // Hydrated: the filter narrows the cards as you type, without a reload.
  let navigations = 0;
  page.on("framenavigated", () => navigations++);
  await page.getByLabel("Filter").pressSequentially("gre", { delay: 30 });
  await expect(page.locator("li.env-card h2")).toHaveText(["green"]);
  expect(navigations, "filtering must not reload the page").toBe(0);
  // The colour cards keep their colour: style attributes are allowed.
  const colour = await page
    .locator('li.env-card[data-environment="green"]')
    .evaluate((card) => getComputedStyle(card).getPropertyValue("--env-colour").trim());
  expect(colour).toBe("green");

  for (const path of ["/environments/blue", "/jobs", "/oidc", "/promotions", "/releases", "/audit", "/no-such-page"]) {
    await page.goto(path, { waitUntil: "networkidle" });
    expect(await violationsOnThisPage(page), path).toEqual([]);
  }
  expect(messages).toEqual([]);
});

test("an inline script without the nonce is refused and reported (the check above can fail)", async ({ page }) => {
  const messages = watchViolations(page);
  await devLogin(page, "Alice Admin");
  await page.goto("/", { waitUntil: "networkidle" });
  const ran = await page.evaluate(async () => {
    const script = document.createElement("script");
    script.textContent = "window.__injected = true;";
    document.head.append(script);
    await new Promise((resolve) => setTimeout(resolve, 100));
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran, "an injected inline script must not run").toBe(false);
  await expect.poll(() => violationsOnThisPage(page)).toHaveLength(1);
  expect((await violationsOnThisPage(page))[0]).toContain("script-src");
  await expect.poll(() => messages.length).toBeGreaterThan(0);
});
