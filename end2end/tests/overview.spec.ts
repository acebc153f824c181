import { expect, test } from "@playwright/test";
import { devLogin, screenshot } from "./helpers";

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
  // are there, in pipeline order (blue, then green and red promoted from
  // it, then yellow promoted from red).
  const cards = page.locator("li.env-card").filter({ has: page.locator("h2", { hasText: /^(blue|green|red|yellow)$/ }) });
  await expect(cards.locator("h2")).toHaveText(DEMO);
  // blue is drawn in CSS blue.
  const blue = page.locator('li[data-environment="blue"]');
  await expect(blue).toHaveCSS("border-top-color", "rgb(0, 0, 255)");
  await expect(blue).toContainText("Bleeding edge");
  await expect(blue).toContainText("edge");
});

  test("each card says whether the environment is all right", async ({ page, javaScriptEnabled }) => {
  await page.goto("/");
  const card = (name: string) => page.locator(`li.env-card[data-environment="${name}"]`);
  for (const name of DEMO) {
    // The running or last infrastructure job, with its state and when.
    const job = card(name).locator('[data-card="job"]');
    await expect(job.getByRole("link")).toHaveText(/^#\d+ (environment|promotion)\.[a-z]+$/);
    await expect(job.locator(".status")).toHaveText(/^(queued|running|succeeded|failed|cancelled)$/);
    await expect(job.locator("time")).toHaveAttribute("datetime", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The lock, and the OIDC verdict with its age once checked.
    await expect(card(name).locator('[data-card="lock"]')).toHaveText(/^(unlocked|locked: .+)$/);
    const oidc = card(name).locator('[data-card="oidc"]');
    await expect(oidc.locator("a.oidc-badge")).toHaveText(/^OIDC (✓ pass|! warn|✗ fail|\? unknown)$/);
    const verdict = (await oidc.locator("a.oidc-badge").textContent()) ?? "";
    await expect(oidc.locator("time")).toHaveCount(verdict.includes("unknown") ? 0 : 1);
  }
  // Where each is promoted from, and whether it runs what its upstream runs.
  await expect(card("blue").locator('[data-card="upstream"]')).toHaveText("none");
  for (const [name, upstream] of [["green", "blue"], ["red", "blue"], ["yellow", "red"]]) {
    const cell = card(name).locator('[data-card="upstream"]');
    await expect(cell.getByRole("link", { name: upstream })).toHaveAttribute("href", `/environments/${upstream}`);
    await expect(cell).toHaveText(new RegExp(`^(in step with ${upstream}|.+ differs? from ${upstream})$`));
  }
  // Green tracks stable where blue tracks edge, so applications differ (how
  // many depends on what earlier tests promoted); the title names each one.
  const lags = card("green").locator(".lags");
  await expect(lags).toHaveText(/^(\d+ applications|[a-z0-9-]+(, [a-z0-9-]+)*) differs? from blue$/);
  const text = (await lags.textContent()) ?? "";
  const names = ((await lags.getAttribute("title")) ?? "").split(", ");
  for (const name of names) expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
  if (/^\d/.test(text)) expect(names).toHaveLength(Number(text.split(" ")[0]));
  else expect(text).toBe(`${names.join(", ")} ${names.length === 1 ? "differs" : "differ"} from blue`);
  await screenshot(page, javaScriptEnabled, "overview.png");
});

  test("the OIDC matrix fits a 1280 px window and scrolls inside its box", async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto("/oidc");
  const box = page.locator(".matrix-scroll").first();
  await expect(box.locator("table.oidc-matrix")).toBeVisible();
  const pageWidth = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(pageWidth[0], "the page itself does not scroll sideways").toBeLessThanOrEqual(pageWidth[1]);
  // Narrower, the matrix scrolls inside its box, never the page, and the
  // environment column stays in view while it does.
  await page.setViewportSize({ width: 800, height: 800 });
  const narrow = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  expect(narrow[0]).toBeLessThanOrEqual(narrow[1]);
  const first = box.locator('tbody th[scope="row"]').first();
  await expect(first).toHaveCSS("position", "sticky");
  const cell = box.locator("tbody tr").first().locator("td").nth(1);
  const [thBefore, cellBefore] = [await first.boundingBox(), await cell.boundingBox()];
  const scrolled = await box.evaluate((el) => {
    el.scrollLeft = 200;
    return el.scrollLeft;
  });
  expect(scrolled, "the matrix is wider than its box at 800 px").toBeGreaterThan(0);
  const [thAfter, cellAfter] = [await first.boundingBox(), await cell.boundingBox()];
  expect(thAfter?.x).toBeCloseTo(thBefore?.x ?? -1, 0);
  expect(cellAfter?.x).toBeCloseTo((cellBefore?.x ?? 0) - scrolled, 0);
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
