import AxeBuilder from "@axe-core/playwright";
import { BrowserContext, expect, Page } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";

/** Logs in through the dev login (works with JavaScript on and off). */
export async function devLogin(page: Page, name: string, returnTo = "/") {
  await page.goto(`/auth/login?return_to=${encodeURIComponent(returnTo)}`);
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await expect(page.getByTestId("current-user")).toHaveText(name);
}

const shots = resolve(__dirname, "../../docs/screenshots");

/** Saves a full-page screenshot into docs/screenshots (the JavaScript run only). */
export async function screenshot(page: Page, javaScriptEnabled: boolean, file: string) {
  if (!javaScriptEnabled) return;
  mkdirSync(shots, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: resolve(shots, file), fullPage: true });
}

/** Fails on any serious or critical axe-core violation of the page as it is
 * now, in the light colour scheme or the dark one. Without JavaScript axe
 * cannot run in the page: it checks the same URL, as the server renders
 * it, in a context that runs scripts but loads none of the app's. */
export async function expectAccessible(page: Page, javaScriptEnabled: boolean, colorScheme: "light" | "dark" = "light") {
  let checked = page;
  let context: BrowserContext | undefined;
  if (!javaScriptEnabled) {
    const browser = page.context().browser();
    if (!browser) throw new Error("no browser to run axe-core in");
    context = await browser.newContext({ javaScriptEnabled: true, colorScheme, storageState: await page.context().storageState() });
    await context.route(/\/pkg\/.*\.(js|wasm)$/, (route) => route.abort());
    checked = await context.newPage();
    await checked.goto(page.url());
  } else {
    await page.emulateMedia({ colorScheme });
  }
  try {
    const results = await new AxeBuilder({ page: checked }).analyze();
    const serious = results.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.map((n) => n.target.join(" ")).join("\n  ")}`);
    expect(serious, `${colorScheme}: ${serious.join("\n")}`).toEqual([]);
  } finally {
    await context?.close();
  }
}

/** Headers for a REST call from the logged-in page: its CSRF token and origin. */
export async function apiHeaders(page: Page) {
  const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
  return { "x-csrf-token": csrf, origin: new URL(page.url()).origin };
}
