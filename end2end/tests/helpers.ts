import { expect, Page } from "@playwright/test";
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
