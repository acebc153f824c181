import { expect, Locator, Page, test } from "@playwright/test";
import { readFileSync } from "node:fs";
import { devLogin, expectAccessible } from "./helpers";

// Both projects share one server: each builds its own environment. Named
// flaky-*, its iam layer fails once at hydra (examples/infra/scaffold/iam),
// so the log has Terraform's JSON UI with planned changes, summaries and an
// error diagnostic.
const envName = (project: string) => (project === "js" ? "flaky-logs" : "flaky-logs-2");

/** One step's section of the log. */
const section = (page: Page, label: string): Locator =>
  page.locator("details.log-step", { has: page.locator("summary", { hasText: label }) });

test.describe.serial("the job log", () => {
  test.setTimeout(150_000);
  let jobPath = "";

  test("a failed run reads as Terraform's output, step by step", async ({ page, javaScriptEnabled }, info) => {
    await devLogin(page, "Dave Viewer");
    await page.goto("/environments/new");
    await page.getByLabel("Name", { exact: true }).fill(envName(info.project.name));
    await page.getByLabel("Purpose", { exact: true }).fill("Read a failed run's log");
    await page.getByRole("button", { name: "Create environment" }).click();
    await expect(page).toHaveURL(/\/jobs\/\d+$/);
    jobPath = new URL(page.url()).pathname;
    await expect(page.getByTestId("job-status")).toHaveText("failed", { timeout: 90_000 });
    if (javaScriptEnabled) {
      // The live page has its lines; read it as the server renders it too.
      await page.reload();
    }

    const log = page.getByTestId("job-log");
    await expect(log).toHaveAttribute("tabindex", "0");
    await expect(log).toHaveAttribute("role", "log");

    // The plan of iam: its changes grouped by action, its summary highlighted.
    const plan = section(page, "iam plan");
    await expect(plan.getByTestId("change-summary")).toHaveText("Plan: 9 to add, 0 to change, 0 to destroy.");
    // It succeeded, so it starts folded: open it to read it.
    await expect(plan).not.toHaveAttribute("open", "");
    await plan.locator("summary").click();
    await expect(plan).toHaveAttribute("open", "");
    const creates = plan.locator('.change-group[data-action="create"]');
    await expect(creates.getByRole("heading")).toHaveText("Create (9)");
    await expect(creates.locator("li")).toHaveCount(9);
    await expect(creates).toContainText("module.iam.juju_application.hydra");
    // Each line is its message, with its level; no JSON shows.
    await expect(plan.locator(".ll", { hasText: "module.iam.juju_application.kratos: Plan to create" })).toHaveCount(1);
    await expect(plan.locator(".ll-summary .ll-level")).toHaveText("info");
    await expect(log).not.toContainText('"@message"');
    // The command Palette ran is there, as it is.
    await expect(plan.locator(".ll-command", { hasText: "plan -input=false -json -out=palette.tfplan" })).toHaveCount(1);

    // The failed apply is open, with the error in a box naming the resource.
    const apply = section(page, "iam apply");
    await expect(apply).toHaveAttribute("open", "");
    await expect(apply.locator("summary .log-problems")).toHaveText("1 error");
    const diagnostic = apply.getByTestId("diagnostic");
    await expect(diagnostic).toHaveAttribute("data-severity", "error");
    await expect(diagnostic.locator(".diag-severity")).toHaveText("Error");
    await expect(diagnostic.locator(".diag-summary")).toHaveText("Simulated failure (tofu stand-in)");
    await expect(diagnostic).toContainText("Resource module.iam.juju_application.hydra");
    await expect(diagnostic).toBeVisible();
    await expect(apply.locator(".ll-error", { hasText: "module.iam.juju_application.hydra: Creation errored" })).toBeVisible();

    // Steps that succeeded are folded to their heading; a click opens one.
    const k8s = section(page, "k8s apply");
    await expect(k8s).not.toHaveAttribute("open", "");
    await expect(k8s.getByTestId("change-summary")).toHaveText("Apply complete! Resources: 6 added, 0 changed, 0 destroyed.");
    const bootstrap = k8s.locator(".ll", { hasText: "juju_bootstrap: Creation complete" });
    await expect(bootstrap).toBeHidden();
    await k8s.locator("summary").click();
    await expect(k8s).toHaveAttribute("open", "");
    await expect(bootstrap).toBeVisible();
    await k8s.locator("summary").press("Enter");
    await expect(bootstrap).toBeHidden();

    await expectAccessible(page, javaScriptEnabled);
    await expectAccessible(page, javaScriptEnabled, "dark");
  });

  test("the log is searched live, or by the server without JavaScript", async ({ page, javaScriptEnabled }) => {
    await devLogin(page, "Dave Viewer");
    await page.goto(jobPath);
    const search = page.getByRole("searchbox", { name: "Search the log" });
    await search.fill("HYDRA");
    if (!javaScriptEnabled) {
      await search.press("Enter");
      await expect(page).toHaveURL(/\?q=HYDRA$/);
    }
    const lines = page.locator(".log-lines .ll");
    await expect(page.getByTestId("log-matches")).toContainText(/^\d+ of \d+ lines match$/);
    const texts = await lines.allTextContents();
    expect(texts.length).toBeGreaterThan(2);
    for (const text of texts) expect(text.toLowerCase()).toContain("hydra");
    // The section the error is in is open, and the error still shows.
    await expect(section(page, "iam apply").getByTestId("diagnostic")).toBeVisible();
    await expect(section(page, "k8s plan").locator(".log-lines")).toContainText("No line of this step matches.");
    await expectAccessible(page, javaScriptEnabled);

    if (javaScriptEnabled) {
      // Cleared, every line is back.
      await search.fill("");
      await expect(page.getByTestId("log-matches")).toHaveText("");
      expect(await lines.count()).toBeGreaterThan(texts.length);
    }
  });

  test("the raw log is the lines as written, and downloads as a file", async ({ page }) => {
    await devLogin(page, "Dave Viewer");
    await page.goto(jobPath);
    const id = jobPath.split("/").pop();

    const download = page.waitForEvent("download");
    await page.getByRole("link", { name: "Download" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`palette-job-${id}.log`);
    const saved = readFileSync(await file.path(), "utf8");
    expect(saved).toContain('"type":"planned_change"');
    expect(saved).toContain('"severity":"error"');

    await page.getByRole("link", { name: "Raw log" }).click();
    await expect(page).toHaveURL(new RegExp(`/api/v1/jobs/${id}/logs$`));
    const raw = await page.locator("body").innerText();
    expect(raw.trim()).toBe(saved.trim());
    expect(raw.split("\n").some((l) => l.startsWith('{"@level":"info","@message":"Plan: 9 to add'))).toBe(true);

    // One step's raw log, from the step's own log.
    await page.goto(jobPath);
    await page.locator('table.steps tr[data-layer="iam"] a').first().click();
    await expect(page).toHaveURL(/\?step=\d+$/);
    await expect(page.locator("details.log-step")).toHaveCount(1);
    const href = await page.getByRole("link", { name: "Raw log" }).getAttribute("href");
    expect(href).toMatch(/\/logs\?step=\d+$/);
    const step = await page.request.get(href ?? "");
    expect(await step.text()).toContain("Plan: 9 to add");
    expect(await step.text()).not.toContain("juju_bootstrap");
  });
});
