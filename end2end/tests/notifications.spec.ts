import { expect, test } from "@playwright/test";
import { devLogin, expectAccessible } from "./helpers";

test("a platform admin adds a webhook, never sees its secret again, and deletes it", async ({ page, javaScriptEnabled }, info) => {
  const name = `ops-${info.project.name}`;
  const secret = `secret-${info.project.name}-do-not-show`;
  await devLogin(page, "Alice Admin");
  await page.getByRole("link", { name: "Notifications" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Notifications" })).toBeVisible();
  await expectAccessible(page, javaScriptEnabled);

  // A refused form says why and keeps what was typed (never the secret).
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("URL").fill("ftp://hooks.example.com");
  await page.getByRole("button", { name: "Add webhook" }).click();
  await expect(page.getByRole("alert")).toContainText("must be an absolute http(s) URL");
  await expect(page.getByLabel("Name")).toHaveValue(name);

  await page.getByLabel("URL").fill("http://127.0.0.1:9/palette-hook");
  await page.getByLabel("Format").selectOption("json");
  await page.getByLabel("Secret").fill(secret);
  await page.getByLabel("Environment").selectOption("green");
  await page.getByLabel(/An OIDC check passes again/).check();
  await page.getByLabel(/A promotion was rolled back/).check();
  await page.getByRole("button", { name: "Add webhook" }).click();

  const card = page.locator("article.webhook").filter({ has: page.getByRole("heading", { name }) });
  await expect(card).toBeVisible();
  await expect(card).toContainText("http://127.0.0.1:9/palette-hook");
  await expect(card).toContainText("green");
  await expect(card.getByTestId("webhook-events")).toHaveText("promotion.rolled_back, oidc.recovered");
  await expect(card).toContainText("yes (the secret is not shown again)");
  await expect(card).toContainText("Nothing delivered yet.");
  expect(await page.content()).not.toContain(secret);
  await page.reload();
  expect(await page.content()).not.toContain(secret);
  await expectAccessible(page, javaScriptEnabled, "dark");

  await card.getByRole("button", { name: `Delete ${name}` }).click();
  await expect(page.locator("article.webhook").filter({ has: page.getByRole("heading", { name }) })).toHaveCount(0);
});

test("only platform admins see webhooks", async ({ page }) => {
  await devLogin(page, "Bob Operator");
  await page.goto("/notifications");
  await expect(page.getByRole("alert")).toContainText(/not allowed|forbidden|may not/i);
  await expect(page.locator("article.webhook")).toHaveCount(0);
});
