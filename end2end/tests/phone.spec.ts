import { expect, Page, test } from "@playwright/test";
import { devLogin, expectAccessible } from "./helpers";

// A phone (390 × 844 CSS pixels, as an iPhone 12–15): every page a person
// uses on the go fits the screen's width — nothing but a table's own
// scroll box scrolls sideways — and passes axe-core there too.
test.use({ viewport: { width: 390, height: 844 } });

const PAGES = [
  "/",
  "/environments/blue",
  "/promotions",
  "/releases",
  "/releases/matrix",
  "/jobs",
  "/audit",
  "/access?env=blue",
  "/oidc",
];

/** Elements wider than the viewport that are not inside a scroll box. */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const scrolls = (el: Element | null): boolean => {
      for (let e = el; e && e !== document.body; e = e.parentElement) {
        const overflowX = getComputedStyle(e).overflowX;
        if ((overflowX === "auto" || overflowX === "scroll") && e.clientWidth <= width) return true;
      }
      return false;
    };
    const out: string[] = [];
    for (const el of Array.from(document.body.querySelectorAll("*"))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.right <= width + 1 || scrolls(el.parentElement)) continue;
      const name = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ""}${el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : ""}`;
      out.push(`${name} ends at ${Math.round(box.right)} px`);
    }
    if (document.documentElement.scrollWidth > width + 1) out.unshift(`the page is ${document.documentElement.scrollWidth} px wide`);
    return out.slice(0, 10);
  });
}

test("every page fits a phone's width and stays accessible", async ({ page, javaScriptEnabled }) => {
  test.setTimeout(90_000);
  await devLogin(page, "Carol Approver");
  for (const path of PAGES) {
    await page.goto(path);
    await expect(page.locator("main")).toBeVisible();
    expect(await overflowing(page), `${path} at 390 px`).toEqual([]);
    await expectAccessible(page, javaScriptEnabled);
  }
});

test("the header's actions stay reachable on a phone", async ({ page }) => {
  await devLogin(page, "Carol Approver");
  await page.goto("/promotions");
  for (const name of ["Log out", "Log out everywhere"]) {
    const button = page.getByRole("button", { name, exact: true });
    await expect(button).toBeVisible();
    const box = await button.boundingBox();
    expect(box, name).not.toBeNull();
    expect(box!.x + box!.width, `${name} fits the width`).toBeLessThanOrEqual(390);
  }
});
