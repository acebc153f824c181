import { expect, Page, test } from "@playwright/test";
import { apiHeaders, devLogin, expectAccessible, screenshot } from "./helpers";

// Both projects share one server and its demo with the promotion specs,
// which move hydra, kratos and vault into green. This spec changes nothing
// but a quarantine it lifts again, each project on a revision that no test
// promotes and that red runs: openfga 58 (also yellow's) and hook-service 118.
const revision = (project: string) =>
  project === "js" ? { charm: "openfga", revision: "58" } : { charm: "hook-service", revision: "118" };

/** The matrix's cell of `application` in `environment`. */
const cell = (page: Page, application: string, environment: string) =>
  page.locator(`tr[data-application="${application}"] td[data-environment="${environment}"]`);

/** Lifts every quarantine on `charm` at `revision` that an earlier run left. */
async function liftLeftovers(page: Page, charm: string, rev: string) {
  const lift = page.getByRole("button", { name: `Lift quarantine on ${charm} revision ${rev}` });
  while ((await lift.count()) > 0) {
    await lift.click();
    await expect(page.locator(`tr[data-quarantine="${charm}/${rev}"]`)).toHaveCount(0);
  }
}

test.describe("releases", () => {
  test("the matrix shows the environments in upstream order and marks what differs", async ({ page, javaScriptEnabled }) => {
    await devLogin(page, "Alice Admin");
    await page.getByRole("main").getByRole("link", { name: "Release matrix" }).click();
    await expect(page).toHaveURL(/\/releases\/matrix$/);
    await expect(page.getByRole("heading", { level: 1, name: "Release matrix" })).toBeVisible();

    const matrix = page.getByTestId("release-matrix");
    const columns = await matrix.locator("thead th[data-environment]").evaluateAll((ths) =>
      ths.map((th) => th.getAttribute("data-environment")),
    );
    // blue has no upstream; green and red come from blue, yellow from red.
    expect(columns.slice(0, 4)).toEqual(["blue", "green", "red", "yellow"]);
    await expect(matrix.locator("thead th").last()).toHaveText("Newest releases");

    // Red runs beta revisions, blue edge: marked in words, not only colour.
    const traefik = cell(page, "traefik", "red");
    await expect(traefik).toHaveAttribute("data-differs", "true");
    await expect(traefik).toContainText("228");
    await expect(traefik.locator(".channel")).toHaveText("beta");
    await expect(traefik).toContainText("differs from blue");
    await expect(traefik.locator(".marker-differs")).toHaveAttribute("title", "differs from blue");
    // Blue has no upstream: nothing of it differs.
    await expect(matrix.locator('td[data-environment="blue"][data-differs="true"]')).toHaveCount(0);

    // The newest release of each channel links to its row on /releases.
    const newest = page.locator('tr[data-application="hydra"] td.newest li[data-channel="latest/edge"] a');
    await expect(newest).toHaveText(/412/);
    await expect(newest).toHaveAttribute("href", /^\/releases\?before=\d+#release-\d+$/);

    await expectAccessible(page, javaScriptEnabled);
    await screenshot(page, javaScriptEnabled, "release-matrix.png");
  });

  test("a Promote link opens the New promotion form from the upstream", async ({ page }) => {
    await devLogin(page, "Alice Admin", "/releases/matrix");
    await page.goto("/releases/matrix");
    // Blue has no upstream: its link names no source.
    await expect(page.getByRole("link", { name: "Promote into blue" })).toHaveAttribute("href", "/promotions?target=blue#new");
    await page.getByRole("link", { name: "Promote into green" }).click();
    await expect(page).toHaveURL(/\/promotions\?source=blue&target=green#new$/);
    await expect(page.getByLabel("From (source)")).toHaveValue("blue");
    await expect(page.getByLabel("Into (target)")).toHaveValue("green");

    // A target alone: the source is its upstream.
    await page.goto("/promotions?target=yellow#new");
    await expect(page.getByLabel("From (source)")).toHaveValue("red");
    await expect(page.getByLabel("Into (target)")).toHaveValue("yellow");
  });

  test("a release owner quarantines a revision, sees it marked everywhere, and lifts it", async ({ page, javaScriptEnabled }, info) => {
    const { charm, revision: rev } = revision(info.project.name);
    const application = charm;
    await devLogin(page, "Alice Admin");
    await page.goto("/releases/matrix");
    await liftLeftovers(page, charm, rev);
    await expect(cell(page, application, "red")).not.toContainText("quarantined");

    // A reason of blanks is refused, and what was typed stays.
    await page.getByLabel("Charm", { exact: true }).fill(charm);
    await page.getByLabel("Revision", { exact: true }).fill(rev);
    await page.getByLabel("Reason", { exact: true }).fill("   ");
    await page.getByRole("button", { name: "Quarantine", exact: true }).click();
    await expect(page.getByText("say why")).toBeVisible();
    await expect(page.getByLabel("Charm", { exact: true })).toHaveValue(charm);
    await expect(page.getByLabel("Revision", { exact: true })).toHaveValue(rev);

    const reason = `Breaks the tuple migration (${info.project.name} run)`;
    await page.getByLabel("Reason", { exact: true }).fill(reason);
    await page.getByRole("button", { name: "Quarantine", exact: true }).click();
    const row = page.locator(`tr[data-quarantine="${charm}/${rev}"]`);
    await expect(row).toContainText(reason);
    await expect(row).toContainText("user:alice");
    if (javaScriptEnabled) {
      await expect(page.getByRole("status")).toHaveText(`Quarantined ${charm} revision ${rev}.`);
    }
    // Red runs it: its cell says so, with the reason.
    const red = cell(page, application, "red");
    await expect(red).toContainText("quarantined");
    await expect(red.locator(".marker-quarantined")).toHaveAttribute("title", reason);
    await expect(red).toHaveClass(/\bquarantined\b/);
    // The newest beta release is that revision: marked too.
    await expect(page.locator(`tr[data-application="${application}"] td.newest li[data-channel="latest/beta"]`)).toContainText("quarantined");
    // The form is empty again.
    await expect(page.getByLabel("Reason", { exact: true })).toHaveValue("");
    await expectAccessible(page, javaScriptEnabled);
    await screenshot(page, javaScriptEnabled, "quarantine.png");

    await page.getByRole("button", { name: `Lift quarantine on ${charm} revision ${rev}` }).click();
    await expect(row).toHaveCount(0);
    await expect(cell(page, application, "red")).not.toContainText("quarantined");
    if (javaScriptEnabled) {
      await expect(page.getByRole("status")).toHaveText(`Lifted the quarantine on ${charm} revision ${rev}.`);
    }
  });

  test("/releases lists the recorded releases, each at its anchor, newest first", async ({ page, javaScriptEnabled }) => {
    await devLogin(page, "Dave Viewer");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Releases", exact: true }).click();
    await expect(page).toHaveURL(/\/releases$/);
    await expect(page.getByRole("heading", { level: 1, name: "Releases" })).toBeVisible();
    const rows = page.getByTestId("releases").locator("tbody tr");
    await expect(rows.first()).toHaveAttribute("id", /^release-\d+$/);
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute("data-release"))));
    expect(ids.length).toBeGreaterThan(9);
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);
    // The demo's releases: hydra's edge revision among them.
    const hydra = rows.filter({ hasText: "latest/edge" }).filter({ has: page.locator("code", { hasText: /^hydra$/ }) });
    await expect(hydra.first()).toContainText("412");
    await expectAccessible(page, javaScriptEnabled);
    await screenshot(page, javaScriptEnabled, "releases.png");

    // From the matrix, a newest release opens the page that starts with it.
    await page.goto("/releases/matrix");
    const link = page.locator('tr[data-application="vault"] td.newest li[data-channel="latest/candidate"] a');
    const href = await link.getAttribute("href");
    const id = href?.split("#release-")[1];
    await link.click();
    const target = page.locator(`tr#release-${id}`);
    await expect(target).toBeVisible();
    await expect(target).toContainText("vault-k8s");
    await expect(target).toContainText("325");
    await expect(rows.first()).toHaveAttribute("id", `release-${id}`);
    // Paged with ?before=, back to the newest.
    await page.getByRole("link", { name: "Newest" }).click();
    await expect(page).toHaveURL(/\/releases$/);
    await expect(rows.first()).toHaveAttribute("data-release", String(ids[0]));
  });

  test("a recorded release says where it went in each environment that tracks its channel", async ({ page }, info) => {
    // Alice holds `releaser`. Only yellow tracks candidate and it does not
    // auto-deploy, so recording opens no promotion that other specs meet.
    await devLogin(page, "Alice Admin");
    const revision = info.project.name === "js" ? 9001 : 9002;
    const response = await page.request.post("/api/v1/releases", {
      headers: await apiHeaders(page),
      data: { application: "openfga", charm: "openfga", revision, channel: "candidate", resources: { "openfga-image": 12 } },
    });
    expect([200, 201]).toContain(response.status());
    const { release } = await response.json();

    await page.goto("/releases");
    const row = page.locator(`tr#release-${release.id}`);
    await expect(page.getByTestId("releases").locator("tbody tr").first()).toHaveAttribute("id", `release-${release.id}`);
    await expect(row).toContainText(String(revision));
    await expect(row).toContainText("latest/candidate");
    await expect(row).toContainText("openfga-image 12");
    await expect(row).toContainText("user:alice");
    const yellow = row.locator('li[data-environment="yellow"]');
    await expect(yellow).toContainText("auto-deploy is off");
    await expect(yellow.getByRole("link", { name: "yellow" })).toHaveAttribute("href", "/environments/yellow");
  });

  test("the policy says where an environment is promoted from and whether it auto-deploys", async ({ page }) => {
    await devLogin(page, "Dave Viewer");
    await page.goto("/environments/green");
    await expect(page.getByTestId("policy-upstream")).toHaveText("blue");
    await expect(page.getByTestId("policy-auto-deploy")).toContainText("no");
  });

  test("an owner's policy form offers the upstream and auto-deploy; a cycle is refused", async ({ page }) => {
    await devLogin(page, "Alice Admin");
    await page.goto("/environments/blue");
    await expect(page.getByLabel("Deploy releases recorded on this environment's channel automatically")).toBeChecked();
    const upstream = page.getByLabel("Promoted from (upstream)");
    await expect(upstream).toHaveValue("");
    for (const other of ["green", "red", "yellow"]) {
      await expect(upstream.locator(`option[value="${other}"]`)).toHaveCount(1);
    }
    await expect(upstream.locator('option[value="blue"]')).toHaveCount(0);
    // green is promoted from blue: blue cannot come from green.
    await upstream.selectOption("green");
    await page.getByRole("button", { name: "Save policy" }).click();
    await expect(page.locator(".policy-form .field-error")).toBeVisible();
    await page.goto("/environments/blue");
    await expect(page.getByLabel("Promoted from (upstream)")).toHaveValue("");
  });
});
