import { expect, test } from "@playwright/test";
import { apiHeaders, devLogin, expectAccessible } from "./helpers";

// Lists page with `?before=` (a cursor: the oldest id shown) and carry their
// filters from page to page in the URL, so a page can be linked and reloaded.
test("the audit log pages with a cursor and keeps its filters in the URL", async ({ page, javaScriptEnabled }) => {
  await devLogin(page, "Alice Admin");
  const headers = await apiHeaders(page);
  // 26 locks and unlocks of yellow: 52 events, more than one page of 50.
  for (let i = 0; i < 26; i++) {
    const lock = await page.request.post("/api/v1/environments/yellow/lock", { headers, data: { reason: `paging ${i}` } });
    expect(lock.status()).toBe(200);
    const unlock = await page.request.post("/api/v1/environments/yellow/unlock", { headers });
    expect(unlock.status()).toBe(200);
  }

  await page.goto("/audit?environment=yellow&action=environment.");
  const rows = page.locator("table.audit tbody tr");
  await expect(rows).toHaveCount(50);
  const ids = async () => (await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.getAttribute("data-event")))));
  const first = await ids();
  expect([...first].sort((a, b) => b - a)).toEqual(first);
  for (const cell of await rows.locator("td:nth-child(4)").allTextContents()) expect(cell).toBe("environment:yellow");
  for (const cell of await rows.locator("td:nth-child(3)").allTextContents()) expect(cell).toMatch(/^environment\./);

  // The next page: older events only, under the same filters.
  await page.getByRole("link", { name: "Older" }).click();
  await expect(page).toHaveURL(new RegExp(`/audit\\?(?=.*environment=yellow)(?=.*action=environment\\.)(?=.*before=${Math.min(...first)}(&|$))`));
  await expect(rows.first()).not.toHaveAttribute("data-event", String(first[0]));
  const second = await ids();
  expect(second.length).toBeGreaterThan(0);
  expect(Math.max(...second)).toBeLessThan(Math.min(...first));
  for (const cell of await rows.locator("td:nth-child(4)").allTextContents()) expect(cell).toBe("environment:yellow");
  // The filter form shows the filters it pages under.
  await expect(page.getByLabel("Environment", { exact: true })).toHaveValue("yellow");
  await expect(page.getByLabel("Action", { exact: true })).toHaveValue("environment.");
  await expectAccessible(page, javaScriptEnabled);
});
