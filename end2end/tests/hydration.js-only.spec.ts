import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import { devLogin } from "./helpers";

test.beforeEach(async ({ page }) => {
  await devLogin(page, "Alice Admin");
});

test("after hydration the filter narrows cards as you type, without a reload", async ({ page }) => {
  await page.goto("/", { waitUntil: "networkidle" });
  let navigations = 0;
  page.on("framenavigated", () => navigations++);
  await page.getByLabel("Filter").pressSequentially("gre", { delay: 30 });
  await expect(page.locator("li.env-card h2")).toHaveText(["green"]);
  await expect(page.getByText(/^1 of \d+ environments$/)).toBeVisible();
  expect(navigations, "filtering must not reload the page").toBe(0);
  expect(page.url()).not.toContain("?q=");
});

test("screenshot of the overview for the README", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await page.goto("/", { waitUntil: "networkidle" });
  await expect(page.locator('li.env-card[data-environment="blue"]')).toBeVisible();
  const dir = resolve(__dirname, "../../docs/screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: resolve(dir, "overview.png"), fullPage: true });
});
