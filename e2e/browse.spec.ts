/** Browsing journeys: home → SAE → sort → feature → neighbour → back; examples; embed mode. */
import { expect, test } from "@playwright/test";
import { SYNTHETIC_MODEL_NAME, SYNTHETIC_SAE_NAME, XSS_TOKEN } from "../lib/fixtures/synthetic";
import { snapshot } from "./support";

const saePath = `/models/${SYNTHETIC_MODEL_NAME}/saes/${SYNTHETIC_SAE_NAME}`;
const featurePath = (index: number) => `${saePath}/features/${index}`;
// page loads after a click: generous, since the 2-core CI machine is often busy
const afterNavigation = { timeout: 30_000 };

test("home → SAE → sort by density → feature → neighbour → back", async ({ page }) => {
  test.slow(); // five page loads
  await page.goto("/");
  await snapshot(page, "browse-home");
  await page.getByRole("link", { name: SYNTHETIC_SAE_NAME }).click();
  await expect(page.getByRole("heading", { level: 1, name: SYNTHETIC_SAE_NAME })).toBeVisible(afterNavigation);
  await expect(page.getByText("48 features match")).toBeVisible(afterNavigation);

  await page.getByRole("columnheader", { name: "Density" }).getByRole("link").click();
  await expect(page).toHaveURL(/sort=density/, afterNavigation);
  const densityHeader = page.getByRole("columnheader", { name: /Density/ });
  await expect(densityHeader).toHaveAttribute("aria-sort", "descending");
  const densities = await page.locator("tbody tr td:nth-child(4)").allTextContents();
  const values = densities.map((text) => parseFloat(text));
  expect(values).toEqual([...values].sort((a, b) => b - a));
  await snapshot(page, "browse-sae-by-density");

  const firstFeature = page.locator("tbody tr").first().getByRole("link");
  const firstIndex = Number((await firstFeature.textContent())!.replace("#", ""));
  await firstFeature.click();
  await expect(page.getByRole("heading", { level: 1, name: `Feature ${firstIndex}` })).toBeVisible(afterNavigation);
  await expect(page.getByRole("list", { name: "Top activating examples" }).getByRole("listitem")).toHaveCount(10);
  // the synthetic fixture's logit effects carry no record of how they were computed, and the page says so
  await expect(page.getByText("Logit effects as imported; how they were computed is not recorded.")).toBeVisible();
  await expect(page.locator(".histogram svg").first()).toBeVisible();
  await snapshot(page, "browse-feature");

  const neighbours = page.getByRole("region", { name: "Nearest features" }).getByRole("link");
  const neighbourLabel = (await neighbours.first().textContent())!;
  const neighbourIndex = Number(neighbourLabel.replace("#", ""));
  await neighbours.first().click();
  await expect(page.getByRole("heading", { level: 1, name: `Feature ${neighbourIndex}` })).toBeVisible(afterNavigation);
  await page.goBack();
  await expect(page.getByRole("heading", { level: 1, name: `Feature ${firstIndex}` })).toBeVisible(afterNavigation);
});

test("filters the table to machine-drafted labels and pages with keyset cursors", async ({ page }) => {
  await page.goto(saePath);
  await page.getByLabel("Labels").selectOption("drafted");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(/label=drafted/, afterNavigation);
  const statuses = await page.locator("tbody tr td:nth-child(3)").allTextContents();
  expect(statuses.length).toBeGreaterThan(0);
  for (const status of statuses) expect(status).toBe("draft");

  await page.goto(`${saePath}?limit=10`);
  await page.getByRole("link", { name: "Next →" }).first().click();
  await expect(page.locator("tbody tr").first().getByRole("link")).toHaveText("#10", afterNavigation);
  await page.getByRole("link", { name: "← Previous" }).first().click();
  await expect(page.locator("tbody tr").first().getByRole("link")).toHaveText("#0", afterNavigation);
});

test("model tokens render as text: an HTML-looking token shows literally and runs nothing", async ({ page }) => {
  let dialogs = 0;
  page.on("dialog", async (dialog) => {
    dialogs++;
    await dialog.dismiss();
  });
  await page.goto(featurePath(0));
  const top = page.getByRole("list", { name: "Top activating examples" }).getByRole("listitem").first();
  await expect(top.locator(".tok-max")).toHaveText(XSS_TOKEN);
  await expect(page.locator("main img")).toHaveCount(0);
  expect(dialogs).toBe(0);
});

test("examples: hover and keyboard show token id and value; more pages load; context width changes", async ({ page }) => {
  await page.goto(featurePath(4));
  const list = page.getByRole("list", { name: "Top activating examples" });
  const inspector = page.locator("#top-activating-examples-inspector");

  await list.getByRole("listitem").first().locator(".tok-max").hover();
  await expect(inspector).toContainText("token id");
  await expect(inspector).toContainText("100% of max");

  await list.getByRole("listitem").first().focus();
  await page.keyboard.press("ArrowDown");
  await expect(list.getByRole("listitem").nth(1)).toBeFocused();
  await page.keyboard.press("ArrowLeft");
  await expect(inspector).toContainText("position");

  const firstRow = list.getByRole("listitem").first().locator(".tok");
  const wide = await firstRow.count();
  await page.getByLabel("Context around max").selectOption("4");
  await expect.poll(() => firstRow.count()).toBeLessThan(wide);
  await expect(firstRow).toHaveCount(9);

  await page.getByRole("button", { name: /Show more top examples/ }).click();
  await expect(list.getByRole("listitem")).toHaveCount(20);
  await expect(page.getByRole("button", { name: /Show more top examples/ })).toHaveCount(0);
  await snapshot(page, "browse-feature-examples");
});

test("previous / next / random navigate between features", async ({ page }) => {
  await page.goto(featurePath(4));
  await page.getByRole("link", { name: "#5 →" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Feature 5" })).toBeVisible(afterNavigation);
  await page.getByRole("link", { name: "← #4" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Feature 4" })).toBeVisible(afterNavigation);
  await page.keyboard.press("]");
  await expect(page.getByRole("heading", { level: 1, name: "Feature 5" })).toBeVisible(afterNavigation);
  await page.keyboard.press("[");
  await expect(page.getByRole("heading", { level: 1, name: "Feature 4" })).toBeVisible(afterNavigation);
  await page.getByRole("link", { name: "Random" }).click();
  await expect(page.getByRole("heading", { level: 1, name: /^Feature \d+$/ })).toBeVisible(afterNavigation);
  await expect(page).toHaveURL(/\/features\/\d+$/);
});

test("embed mode renders the feature card alone", async ({ page }) => {
  await page.goto(`${featurePath(5)}?embed=1`);
  await expect(page.getByRole("heading", { level: 1, name: /Feature 5/ })).toBeVisible(afterNavigation);
  await expect(page.locator(".site-header")).toBeHidden();
  await expect(page.getByRole("navigation", { name: "Breadcrumb" })).toHaveCount(0);
  await expect(page.getByRole("list", { name: "Top activating examples" }).getByRole("listitem")).toHaveCount(10);
  await expect(page.getByRole("link", { name: /Open feature 5 in Featurescope/ })).toHaveAttribute("href", featurePath(5));
  await snapshot(page, "browse-embed");
});

test("test your own text highlights each token by the feature's activation and marks the max on the histogram", async ({ page }) => {
  // The inference service is covered by its own tests; here the page's side of the contract is checked
  // with a canned POST /api/v1/activations answer in exactly the route's response shape.
  let requestBody: { text?: string; saes?: { saeId: number; features: number[] }[] } = {};
  await page.route("**/api/v1/activations", async (route) => {
    requestBody = route.request().postDataJSON();
    const saeId = requestBody.saes![0].saeId;
    await route.fulfill({
      json: {
        modelId: 1,
        executionProvider: "cpu",
        tokens: [
          { id: 0, text: "<|endoftext|>", partial: false, bos: true },
          { id: 9, text: " Paris", partial: false, bos: false },
          { id: 11, text: " is", partial: false, bos: false },
          { id: 38, text: XSS_TOKEN, partial: false, bos: false },
          { id: 8, text: "\n", partial: false, bos: false },
        ],
        saes: [{ saeId, saeName: SYNTHETIC_SAE_NAME, hookName: "blocks.1.hook_resid_post", perToken: [], top: [],
          features: [{ index: 4, values: [50, 2.5, 0, 1.25, 0] }] }],
        timingsMs: { total: 12, forward: 8, encode: 2 },
      },
    });
  });
  await page.goto(featurePath(4));
  await page.getByLabel("Text to run through the model").fill(`Paris is ${XSS_TOKEN}`);
  await page.getByRole("button", { name: "Show activations" }).click();
  const tokens = page.getByTestId("probe-tokens").locator(".tok");
  await expect(tokens).toHaveCount(5);
  expect(requestBody.saes![0].features).toEqual([4]);
  // the max ignores BOS (50) and lands on " Paris"
  await expect(page.getByTestId("probe-tokens").locator(".tok-max")).toHaveText(" Paris");
  await expect(tokens.nth(3)).toHaveText(XSS_TOKEN);
  await expect(tokens.nth(2)).not.toHaveAttribute("style", /background/);
  await expect(tokens.nth(1)).toHaveAttribute("style", /background-color: rgba\(255, 122, 0/);
  await expect(page.locator(".histogram").first()).toContainText("your text 2.50");
  await expect(page.locator("main img")).toHaveCount(0);
  await snapshot(page, "browse-test-your-text");
});
