import { expect, test } from "@playwright/test";
import { devLogin } from "./helpers";

const DEMO = ["blue", "green", "red", "yellow"];

test("anonymous visitors are asked to log in and see no environment", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("note")).toContainText("Dev login is on");
  await expect(page.locator("li.env-card")).toHaveCount(0);
  await page.getByRole("main").getByRole("link", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { name: "Dev login" })).toBeVisible();
});

test.describe("logged in as a platform admin", () => {
  test.beforeEach(async ({ page }) => {
    await devLogin(page, "Alice Admin");
  });

  test("the overview lists the demo environments as cards in their colour", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "Environments" })).toBeVisible();
  // Other specs may add environments to the shared server: the demo's four
  // are there, in name order.
  const cards = page.locator("li.env-card").filter({ has: page.locator("h2", { hasText: /^(blue|green|red|yellow)$/ }) });
  await expect(cards.locator("h2")).toHaveText(DEMO);
  // blue is drawn in CSS blue.
  const blue = page.locator('li[data-environment="blue"]');
  await expect(blue).toHaveCSS("border-top-color", "rgb(0, 0, 255)");
  await expect(blue).toContainText("Bleeding edge");
  await expect(blue).toContainText("edge");
});

  test("the navigation reaches every section", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("link", { name: "Promotions" }).click();
  await expect(page).toHaveURL(/\/promotions$/);
  await expect(page.getByRole("heading", { level: 1, name: "Promotions" })).toBeVisible();
  await page.getByRole("link", { name: "Environments" }).click();
  await expect(page.locator('li.env-card[data-environment="blue"]')).toBeVisible();
});

  test("the filter form narrows the cards", async ({ page, javaScriptEnabled }) => {
  await page.goto("/");
  const filter = page.getByLabel("Filter");
  await filter.fill("juju");
  if (!javaScriptEnabled) {
    await filter.press("Enter");
    await expect(page).toHaveURL(/\?q=juju/);
  }
  await expect(page.locator("li.env-card h2")).toHaveText(["red"]);
});
});

test("an operator sees the header name and can log out", async ({ page }) => {
  await devLogin(page, "Bob Operator");
  await page.getByRole("button", { name: "Log out", exact: true }).click();
  await expect(page.getByTestId("current-user")).toHaveCount(0);
  await expect(page.locator("li.env-card")).toHaveCount(0);
});
