import { Browser, expect, Page, test } from "@playwright/test";
import { devLogin, screenshot } from "./helpers";

// Both projects share one server and its demo: the run with JavaScript
// moves hydra and kratos from blue into green, the run without moves vault,
// so each finds revisions that still differ. Green is production: one
// approval, two passing checks 15 s apart.
const happyApps = (project: string) => (project === "js" ? ["hydra", "kratos"] : ["vault"]);

/** Waits until the promotion on the page is in `state`: live with
 * JavaScript, by reloading without. */
async function waitState(page: Page, state: string, javaScriptEnabled: boolean) {
  const badge = page.getByTestId("promotion-state").locator("[data-state]");
  if (javaScriptEnabled) {
    await expect(badge).toHaveAttribute("data-state", state, { timeout: 150_000 });
    return;
  }
  await expect
    .poll(
      async () => {
        await page.reload();
        return badge.getAttribute("data-state");
      },
      { timeout: 150_000, intervals: [2_000] },
    )
    .toBe(state);
}

/** Opens source → target for `apps` through the form: preview, then open. */
async function openPromotion(page: Page, source: string, target: string, apps: string[], acknowledge = false) {
  await page.goto("/promotions");
  await page.getByLabel("From (source)").selectOption(source);
  await page.getByLabel("Into (target)").selectOption(target);
  for (const app of apps) {
    await page.getByLabel(app, { exact: true }).check();
  }
  await page.getByRole("button", { name: "Preview" }).click();
  const diff = page.getByTestId("promotion-diff");
  for (const app of apps) {
    await expect(diff).toContainText(app);
  }
  await expect(page.getByTestId("promotion-refusals")).toHaveCount(0);
  if (acknowledge) {
    await expect(page.getByTestId("promotion-warnings")).toContainText("not known to be released");
    // Without the acknowledgement the engine refuses, and says why.
    await page.getByRole("button", { name: "Open promotion" }).click();
    await expect(page.getByText("acknowledge to go on").first()).toBeVisible();
    await page.getByLabel("I acknowledge the channel warnings").check();
  }
  await page.getByRole("button", { name: "Open promotion" }).click();
  await expect(page).toHaveURL(/\/promotions\/\d+$/);
  return page.url();
}

/** Carol, a release approver of green, approves the promotion at `url`. */
async function approveAsCarol(browser: Browser, javaScriptEnabled: boolean, url: string) {
  const context = await browser.newContext({ javaScriptEnabled });
  const page = await context.newPage();
  await devLogin(page, "Carol Approver");
  // The header counts what waits for her, and leads to it.
  const waiting = page.getByTestId("waiting");
  await expect(waiting).toHaveText(/^[1-9]\d* waiting for you$/);
  await expect(waiting).toHaveAttribute("href", "/promotions?state=awaiting_approval");
  await page.goto(url);
  await expect(page.getByTestId("viewer-approval-note")).toContainText("approver");
  await page.getByLabel("Comment (optional)").fill("Checked the diff and the plan");
  await page.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByTestId("approvals")).toContainText("Checked the diff and the plan");
  await context.close();
}

test.describe.serial("promotions", () => {
  test.setTimeout(240_000);

  test("a release owner promotes blue into green; someone else approves; it applies and verifies", async ({ page, browser, javaScriptEnabled }, info) => {
    const apps = happyApps(info.project.name);
    await devLogin(page, "Bob Operator");
    const url = await openPromotion(page, "blue", "green", apps);
    await waitState(page, "awaiting_approval", javaScriptEnabled);
    await expect(page.getByTestId("promotion-diff")).toContainText(apps[0]);
    await expect(page.getByRole("heading", { name: "Plan" })).toBeVisible();
    // The requester may not approve: the page says why and offers no button.
    await expect(page.getByTestId("viewer-approval-note")).toContainText("someone else");
    await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
    await screenshot(page, javaScriptEnabled, "promotion-review.png");

    await approveAsCarol(browser, javaScriptEnabled, url);
    await waitState(page, "succeeded", javaScriptEnabled);
    await expect(page.getByTestId("verification-checks")).toContainText("pass 2 of 2");
    await expect(page.getByTestId("promotion-timeline")).toContainText("approved by user:carol");
    await screenshot(page, javaScriptEnabled, "promotion.png");

    // Green's history has the verified deployment.
    await page.goto("/environments/green");
    const newest = page.getByTestId("deployments").locator("tbody tr").first();
    await expect(newest).toContainText("✓");
    await expect(newest).not.toContainText("not verified");
    await expect(page.getByTestId("manifest")).toContainText(apps[0]);
  });

  test("promoting the bad hydra revision fails verification, rolls back and holds it", async ({ page, browser, javaScriptEnabled }) => {
    await devLogin(page, "Bob Operator");
    // A hold from an earlier run keeps it out: lift it first (bob promotes
    // into green, so he may).
    await page.goto("/environments/green");
    const lift = page.getByRole("button", { name: /Lift hold/ });
    while ((await lift.count()) > 0) {
      await lift.first().click();
      await page.waitForLoadState();
      await page.goto("/environments/green");
    }
    const url = await openPromotion(page, "red", "green", ["hydra", "kratos"], true);
    await waitState(page, "awaiting_approval", javaScriptEnabled);
    await approveAsCarol(browser, javaScriptEnabled, url);
    await waitState(page, "rolled_back", javaScriptEnabled);
    const checks = page.getByTestId("verification-checks");
    await expect(checks).toContainText("issuer-match");
    await expect(page.getByTestId("promotion-timeline")).toContainText("rolling back automatically");
    await expect(page.getByRole("button", { name: "Roll back" })).toHaveCount(0);

    await page.goto("/environments/green");
    await expect(page.locator('tr[data-hold="hydra/405"]')).toBeVisible();
    await expect(page.getByTestId("deployments").locator("tbody tr").first()).toContainText("rollback");
    // The hold keeps the revision out.
    await page.goto("/promotions?source=red&target=green#new");
    await expect(page.getByTestId("promotion-refusals")).toContainText("held on green");
  });
});
