import { expect, type Page, test } from "@playwright/test";

// A second Palette (OIDC_E2E_PALETTE_PORT, 3125) logs people in through the
// real Ory Hydra (end2end/hydra/hydra.mjs on OIDC_E2E_PORT, 3124: Hydra's
// public API and its login/consent/logout app on one port): both are started
// by playwright.config.ts. That Palette makes group:platform-admins a
// platform admin (PALETTE_ADMINS), so whether the groups in Hydra's ID token
// reached it shows in what the audit log shows. The default Palette on 3123
// uses the dev login and is not involved here.
const palette = `http://127.0.0.1:${process.env.OIDC_E2E_PALETTE_PORT ?? 3125}`;
const provider = `http://127.0.0.1:${process.env.OIDC_E2E_PORT ?? 3124}`;

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const loginForm = new RegExp(`^${escape(provider)}/login\\?login_challenge=`);

async function signIn(page: Page, user: string) {
  await expect(page).toHaveURL(loginForm);
  await page.getByLabel("User").fill(user);
  await page.getByRole("button", { name: "Sign in" }).click();
}

test("a person logs in through Hydra, their groups reach Palette, and they log out through Hydra", async ({ page }) => {
  await page.goto(`${palette}/promotions`);
  await expect(page.locator(".dev-banner")).toHaveCount(0);
  await page.getByRole("banner").getByRole("link", { name: "Log in" }).click();

  // Hydra sends the browser to the login app; consent is granted by it.
  await signIn(page, "alice");

  // Back in Palette, on the page the login started from, logged in.
  await expect(page).toHaveURL(`${palette}/promotions`);
  await expect(page.getByTestId("current-user")).toHaveText("Alice Admin");
  const cookies = await page.context().cookies(palette);
  const session = cookies.find((c) => c.name === "palette_session");
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe("Lax");

  // Her group makes her a platform admin: she reads the whole audit log,
  // her own login (an event on no environment) included.
  await page.goto(`${palette}/audit`);
  await expect(
    page.locator("tr").filter({ hasText: "auth.login" }).filter({ hasText: "user:alice" }).first(),
  ).toBeVisible();

  // Logging out ends Palette's session and continues at Hydra's
  // end-session endpoint, which asks the logout app.
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`^${escape(provider)}/logout\\?logout_challenge=`));
  await page.getByRole("button", { name: "Yes, sign me out" }).click();
  await expect(page).toHaveURL(`${palette}/`);
  await expect(page.getByTestId("current-user")).toHaveCount(0);

  // Hydra forgot her too: logging in asks who is there again.
  await page.getByRole("banner").getByRole("link", { name: "Log in" }).click();
  await expect(page).toHaveURL(loginForm);
});

test("a person outside platform-admins logs in but does not read the whole audit log", async ({ page }) => {
  await page.goto(`${palette}/auth/login?return_to=/audit`);
  await signIn(page, "bob");
  await expect(page).toHaveURL(`${palette}/audit`);
  await expect(page.getByTestId("current-user")).toHaveText("Bob Operator");
  await expect(page.getByText("No events match.")).toBeVisible();
  await expect(page.locator("tr").filter({ hasText: "auth.login" })).toHaveCount(0);
});

test("a login cancelled at Hydra ends on a page that offers a retry", async ({ page }) => {
  await page.goto(`${palette}/auth/login?return_to=/promotions`);
  await expect(page).toHaveURL(loginForm);
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByTestId("login-error")).toContainText("access_denied");
  await page.getByRole("link", { name: "Try again" }).click();
  await expect(page).toHaveURL(loginForm);
});
