import { expect, Page } from "@playwright/test";

/** Logs in through the dev login (works with JavaScript on and off). */
export async function devLogin(page: Page, name: string, returnTo = "/") {
  await page.goto(`/auth/login?return_to=${encodeURIComponent(returnTo)}`);
  await page.getByRole("button", { name: new RegExp(name) }).click();
  await expect(page.getByTestId("current-user")).toHaveText(name);
}
