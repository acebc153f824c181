import { expect, test } from "@playwright/test";

// The "traefik" project: Palette under /palette behind the real Traefik over
// TLS (end2end/traefik/start.mjs), Traefik its only trusted proxy. Relative
// paths resolve below the project's baseURL, https://localhost:<port>/palette/.
test("through Traefik under /palette: log in, open an environment, create one and watch its job", async ({ page }) => {
  test.setTimeout(120_000);
  const failed: string[] = [];
  // Everything the app asks for (wasm, JS, CSS, server functions, streams)
  // is below /palette and answers.
  page.on("response", (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname.startsWith("/palette/")) failed.push(`${r.status()} ${r.url()}`);
  });

  await page.goto("auth/login?return_to=/");
  await page.getByRole("button", { name: /Alice Admin/ }).click();
  await expect(page.getByTestId("current-user")).toHaveText("Alice Admin");
  expect(new URL(page.url()).pathname).toBe("/palette/");
  await page.waitForLoadState("networkidle");

  // Hydrated (the wasm below the prefix): the filter narrows the cards
  // without a reload.
  let navigations = 0;
  page.on("framenavigated", () => navigations++);
  await page.getByLabel("Filter").pressSequentially("blu", { delay: 30 });
  await expect(page.locator("li.env-card h2")).toHaveText(["blue"]);
  expect(navigations, "filtering must not reload the page").toBe(0);
  await page.locator('li[data-environment="blue"] h2 a').click();
  await expect(page).toHaveURL(/\/palette\/environments\/blue$/);
  await expect(page.getByTestId("env-status")).toBeVisible();

  await page.goto("environments/new");
  await page.waitForLoadState("networkidle");
  await page.getByLabel("Name", { exact: true }).fill("cyan");
  await page.getByLabel("Purpose", { exact: true }).fill("Behind Traefik");
  // A server function called with fetch below the prefix, then its redirect.
  await page.getByRole("button", { name: "Create environment" }).click();
  await expect(page).toHaveURL(/\/palette\/jobs\/\d+$/);
  // Live over the event stream through Traefik.
  await expect(page.getByTestId("job-status")).toHaveText("running", { timeout: 30_000 });
  await expect(page.getByTestId("job-status")).toHaveText("succeeded", { timeout: 90_000 });
  await expect(page.getByTestId("job-log")).toContainText("hydra");
  expect(failed).toEqual([]);
});
