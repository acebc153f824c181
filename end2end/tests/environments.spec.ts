import { expect, Page, test } from "@playwright/test";
import { devLogin, screenshot } from "./helpers";

// Both projects share one server: each gets its own colours.
const names = (project: string) =>
  project === "js" ? { env: "teal", flaky: "flaky-teal" } : { env: "teal-2", flaky: "flaky-teal-2" };

/** Creates an environment through the form and returns on its job page. */
async function create(page: Page, name: string) {
  await page.goto("/environments/new");
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Purpose", { exact: true }).fill("Try the identifier-first flow");
  await page.getByRole("button", { name: "Create environment" }).click();
  await expect(page).toHaveURL(/\/jobs\/\d+$/);
}

/** Waits for the job on the page to reach `status` (live with JavaScript, by reloading without). */
async function waitForJob(page: Page, status: string) {
  await expect(page.getByTestId("job-status")).toHaveText(status, { timeout: 90_000 });
}

test.describe.serial("environments", () => {
  test.setTimeout(150_000);

  test("a staff member creates an environment and watches every layer build", async ({ page, javaScriptEnabled }, info) => {
    const { env } = names(info.project.name);
    await devLogin(page, "Dave Viewer");
    await page.getByRole("link", { name: "New environment" }).click();
    await expect(page).toHaveURL(/\/environments\/new$/);
    await expect(page.getByRole("heading", { level: 1, name: "New environment" })).toBeVisible();
    // The layers as their dependency graph, all ticked.
    await expect(page.getByRole("checkbox", { name: "iam" })).toBeChecked();
    await expect(page.locator(".layer-graph li", { hasText: "jimm" })).toContainText("needs: iam");

    const name = page.getByLabel("Name", { exact: true });
    if (javaScriptEnabled) {
      // Live validation with the domain's own parsers, and the issuer template.
      await name.pressSequentially("Teal");
      await expect(page.getByText("must start with a lowercase letter")).toBeVisible();
      await name.fill(env);
      await expect(page.getByText("must start with a lowercase letter")).toHaveCount(0);
      await expect(page.getByLabel("OIDC issuer")).toHaveValue(`https://iam.${env}.example.com`);
    } else {
      // Without JavaScript the server says what is wrong and keeps what was typed.
      await name.fill("Teal");
      await page.getByRole("button", { name: "Create environment" }).click();
      await expect(page.getByText("must start with a lowercase letter")).toBeVisible();
      await expect(name).toHaveValue("Teal");
      await name.fill(env);
    }
    await page.getByLabel("Purpose", { exact: true }).fill("Staging for the identifier-first flow");
    await screenshot(page, javaScriptEnabled, "create-environment.png");
    await page.getByRole("button", { name: "Create environment" }).click();

    await expect(page).toHaveURL(/\/jobs\/\d+$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("environment.create");
    await expect(page.locator(".simulated")).toHaveText("simulated");
    if (javaScriptEnabled) {
      await expect(page.getByTestId("job-status")).toHaveText("running", { timeout: 30_000 });
      await expect(page.locator("table.steps tr[data-status=succeeded]").first()).toBeVisible({ timeout: 30_000 });
      await screenshot(page, javaScriptEnabled, "job-running.png");
    }
    await waitForJob(page, "succeeded");

    const steps = page.locator("table.steps tbody tr");
    await expect(steps).toHaveCount(10);
    await expect(page.locator("table.steps tbody tr:not([data-status=succeeded])")).toHaveCount(0);
    // The layers as their graph: every node done, cos-integration needing only k8s.
    const graph = page.getByTestId("job-graph");
    for (const layer of ["k8s", "core", "iam", "jimm", "cos-integration"]) {
      await expect(graph.locator(`g[data-layer="${layer}"]`)).toHaveAttribute("data-status", "succeeded");
    }
    await expect(graph.locator("li", { hasText: "cos-integration" })).toContainText("needs k8s");
    await expect(graph.locator("li", { hasText: "jimm" })).toContainText("needs iam");
    for (const layer of ["k8s", "core", "iam", "jimm", "cos-integration"]) {
      const apply = page.locator(`table.steps tr[data-layer="${layer}"]`).last();
      await expect(apply).toContainText(/(\d+) of \1 resources/);
    }
    await expect(page.getByTestId("job-log")).toContainText("hydra");
    // The log of one step only.
    await page.locator('table.steps tr[data-layer="k8s"] a').first().click();
    await expect(page).toHaveURL(/\?step=\d+$/);
    await expect(page.getByTestId("job-log")).not.toContainText("juju_application.hydra");

    await page.getByRole("link", { name: env, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/environments/${env}$`));
    await expect(page.getByTestId("env-status")).toHaveText("ready");
    const manifest = page.getByTestId("manifest");
    await expect(manifest).toContainText("hydra");
    await expect(manifest).toContainText("identity-platform-login-ui-operator");
    await expect(page.locator('tr[data-layer="iam"]')).toContainText("succeeded");
    await screenshot(page, javaScriptEnabled, "environment.png");

    // The overview links to it.
    await page.goto("/");
    await page.locator(`li[data-environment="${env}"] h2 a`).click();
    await expect(page).toHaveURL(new RegExp(`/environments/${env}$`));
  });

  test("a run whose iam layer fails is retried from iam and succeeds", async ({ page }, info) => {
    const { flaky } = names(info.project.name);
    await devLogin(page, "Dave Viewer");
    await create(page, flaky);
    await waitForJob(page, "failed");
    await expect(page.locator('table.steps tr[data-layer="iam"][data-status=failed]')).toHaveCount(1);
    await expect(page.locator('table.steps tr[data-layer="k8s"][data-status=succeeded]')).toHaveCount(2);
    const retry = page.getByRole("button", { name: /Retry from iam/ });
    await expect(retry).toBeVisible();
    await retry.click();
    await waitForJob(page, "succeeded");
    await expect(page.locator("table.steps tbody tr:not([data-status=succeeded])")).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Retry from/ })).toHaveCount(0);

    // Lock and unlock it, with a reason.
    await page.goto(`/environments/${flaky}`);
    await page.getByLabel("Lock, because").fill("demo on Friday");
    await page.getByRole("button", { name: "Lock", exact: true }).click();
    await expect(page.locator(".status-locked")).toContainText("demo on Friday");
    await expect(page.getByRole("button", { name: "Destroy" })).toHaveCount(0);
    await page.getByRole("button", { name: "Unlock", exact: true }).click();
    await expect(page.locator(".status-locked")).toHaveCount(0);
  });

  test("destroying asks for the name and then destroys every layer", async ({ page }, info) => {
    const { env } = names(info.project.name);
    await devLogin(page, "Dave Viewer");
    await page.goto(`/environments/${env}`);
    const confirm = page.getByLabel(`Type ${env} to destroy it`);
    await confirm.fill("not-the-name");
    await page.getByRole("button", { name: "Destroy" }).click();
    await expect(page.getByRole("alert").filter({ hasText: `type ${env} to confirm` })).toBeVisible();
    await expect(page).toHaveURL(new RegExp(`/environments/${env}`));
    await page.getByLabel(`Type ${env} to destroy it`).fill(env);
    await page.getByRole("button", { name: "Destroy" }).click();
    await expect(page).toHaveURL(/\/jobs\/\d+$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("environment.destroy");
    await waitForJob(page, "succeeded");
    await page.goto(`/environments/${env}`);
    await expect(page.getByTestId("env-status")).toHaveText("destroyed");
    await expect(page.getByRole("button", { name: "Destroy" })).toHaveCount(0);
  });

  test("someone without rights sees none of it", async ({ page, browser }, info) => {
    const { flaky } = names(info.project.name);
    // Bob is staff: he may view Dave's environment, but not operate it.
    await devLogin(page, "Bob Operator");
    await page.goto(`/environments/${flaky}`);
    await expect(page.getByTestId("manifest")).toBeVisible();
    await expect(page.getByRole("region", { name: "Actions" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Destroy|Lock|Apply/ })).toHaveCount(0);
    await page.locator("ul.job-list a").first().click();
    await expect(page).toHaveURL(/\/jobs\/\d+$/);
    await expect(page.getByRole("button", { name: /Retry|Cancel/ })).toHaveCount(0);
    await page.goto("/environments/no-such-colour");
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();

    // Someone not logged in sees neither the environment nor its jobs.
    const context = await browser.newContext({ baseURL: info.project.use.baseURL });
    const anonymous = await context.newPage();
    await anonymous.goto(`/environments/${flaky}`);
    await expect(anonymous.getByRole("heading", { name: "Not found" })).toBeVisible();
    await expect(anonymous.getByTestId("manifest")).toHaveCount(0);
    await anonymous.goto("/jobs");
    await expect(anonymous.locator("table.jobs tbody tr")).toHaveCount(0);
    await context.close();
  });

  test("jobs and audit are filterable and link back", async ({ page }, info) => {
    const { flaky } = names(info.project.name);
    await devLogin(page, "Alice Admin");
    await page.goto("/jobs");
    await page.getByLabel("Environment", { exact: true }).fill(flaky);
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(new RegExp(`environment=${flaky}`));
    // Only its jobs: the create (retried in place) and whatever OIDC checks
    // the scheduler queued meanwhile; no other environment's.
    const rows = page.locator("table.jobs tbody tr");
    await expect(rows.filter({ hasText: "environment.create" })).toHaveCount(1);
    for (const cell of await rows.locator("td:nth-child(3)").allTextContents()) {
      expect(cell.trim()).toBe(flaky);
    }
    // Narrowed by kind as well, it is one job.
    await page.getByLabel("Kind", { exact: true }).selectOption("environment.create");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/kind=environment\.create/);
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText(flaky);
    // When, as people say it, with the exact UTC time on hover and in
    // `datetime`; how long it took.
    const created = rows.first().locator("td:nth-child(6) time");
    await expect(created).toHaveText(/^(just now|\d+ s ago|\d+ min ago)$/);
    const datetime = (await created.getAttribute("datetime")) ?? "";
    expect(datetime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(Date.parse(datetime) - Date.now())).toBeLessThan(30 * 60_000);
    await expect(created).toHaveAttribute("title", `${datetime.replace("T", " ").replace("Z", "")} UTC`);
    await expect(rows.first().locator("td.took")).toHaveText(/^\d+\.\ds$|^\d+m \d\ds$/);
    await page.goto(`/audit?environment=${flaky}`);
    await expect(page.locator("table.audit")).toContainText("environment.create");
    await expect(page.locator("table.audit")).toContainText("environment.lock");
    await expect(page.locator("table.audit")).toContainText("user:dave");
  });
});
