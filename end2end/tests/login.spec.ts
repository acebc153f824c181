import { expect, test } from "@playwright/test";

// A second Palette (OIDC_E2E_PALETTE_PORT, 3125) logs people in through a
// real OpenID Provider (end2end/oidc/provider.mjs, OIDC_E2E_PORT, 3124):
// both are started by playwright.config.ts. The default Palette on 3123
// uses the dev login and is not involved here.
const palette = `http://127.0.0.1:${process.env.OIDC_E2E_PALETTE_PORT ?? 3125}`;
const provider = `http://127.0.0.1:${process.env.OIDC_E2E_PORT ?? 3124}`;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("a person logs in through the OpenID Provider and out again", async ({ page }) => {
  await page.goto(`${palette}/promotions`);
  await expect(page.locator(".dev-banner")).toHaveCount(0);
  await page.getByRole("banner").getByRole("link", { name: "Log in" }).click();

  // The provider's own login form, then its consent form.
  await expect(page).toHaveURL(new RegExp(`^${escape(provider)}/interaction/`));
  await page.locator('input[name="login"]').fill("alice");
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  await page.getByRole("button", { name: "Continue" }).click();

  // Back in Palette, on the page the login started from, logged in.
  await expect(page).toHaveURL(`${palette}/promotions`);
  await expect(page.getByTestId("current-user")).toHaveText("Alice Admin");
  const cookies = await page.context().cookies(palette);
  const session = cookies.find((c) => c.name === "palette_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");

  // Logging out ends Palette's session and continues at the provider.
  await page.getByRole("button", { name: "Log out" }).click();
  await expect(page).toHaveURL(new RegExp(`^${escape(provider)}/session/end`));
  await page.getByRole("button", { name: "Yes, sign me out" }).click();
  await expect(page).toHaveURL(`${palette}/`);
  await expect(page.getByTestId("current-user")).toHaveCount(0);
  await expect(page.getByRole("banner").getByRole("link", { name: "Log in" })).toBeVisible();
});

test("a login cancelled at the provider ends on a page that offers a retry", async ({ page }) => {
  await page.goto(`${palette}/auth/login?return_to=/promotions`);
  await expect(page).toHaveURL(new RegExp(`^${escape(provider)}/interaction/`));
  await page.getByRole("link", { name: "[ Cancel ]" }).click();
  await expect(page.getByTestId("login-error")).toContainText("access_denied");
  await page.getByRole("link", { name: "Try again" }).click();
  await expect(page).toHaveURL(new RegExp(`^${escape(provider)}/interaction/`));
});
