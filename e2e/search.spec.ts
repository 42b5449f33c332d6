/**
 * Journey: search for a feature (by label, with a typo; by the text it fires on), open a result,
 * land on its feature page. Label and token text containing markup must show as text. Search by
 * inference on the runnable fixture, and saving its results to a new list.
 */
import { expect, test } from "@playwright/test";
import { createPrismaClient } from "../lib/db/client";
import { SYNTHETIC_MODEL_NAME, SYNTHETIC_SAE_NAME, XSS_TOKEN } from "../lib/fixtures/synthetic";
import { RUNNABLE_MODEL_NAME } from "../tests/support/e2e-runnable-model";
import { E2E_PASSWORD, E2E_USERS, snapshot } from "./support";

const XSS_LABEL = `${XSS_TOKEN} tags quoted inside prose`;

test.beforeAll(async () => {
  // a label whose text is markup, on feature 1 of the seeded SAE (written here: the seed has none)
  const prisma = createPrismaClient(process.env.DATABASE_URL);
  try {
    const feature = await prisma.feature.findFirstOrThrow({
      where: { index: 1, sae: { name: SYNTHETIC_SAE_NAME, model: { name: SYNTHETIC_MODEL_NAME } } },
    });
    if (!(await prisma.label.findFirst({ where: { featureId: feature.id, text: XSS_LABEL } }))) {
      await prisma.label.create({ data: { featureId: feature.id, text: XSS_LABEL, source: "human", status: "accepted", voteScore: 1 } });
    }
  } finally {
    await prisma.$disconnect();
  }
});

test.beforeEach(async ({ page }) => {
  // these journeys build several pages from the database; the two-core CI machine is often busy
  test.slow();
  page.on("dialog", (dialog) => {
    throw new Error(`a dialog opened: ${dialog.message()} — markup from the database was executed`);
  });
});

test("search by label with a typo, open a result, land on the feature page", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Search" }).click();
  await expect(page.getByRole("heading", { name: "Search features" })).toBeVisible();
  await snapshot(page, "search-empty");

  await page.getByLabel("Words in the label").fill("golden gate brigde");
  await page.getByRole("button", { name: "Search" }).click();
  // the URL is the search: shareable
  await expect(page).toHaveURL(/\/search\?(.*&)?q=golden\+gate\+brigde/);
  const results = page.getByRole("list", { name: "Search results" });
  await expect(results.getByRole("listitem").first()).toBeVisible();
  await expect(results.getByRole("listitem").first()).toContainText("Golden Gate Bridge");
  // the typo'd word is highlighted in the label
  await expect(results.locator("mark", { hasText: "Bridge" }).first()).toBeVisible();
  await expect(page.getByText(/brigde.*also matched as/)).toBeVisible();
  await snapshot(page, "search-labels");

  // filters narrow it and stay in the URL
  await page.getByLabel("Labels", { exact: true }).selectOption("model");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/labels=model/);
  await expect(results.getByRole("listitem").first()).toBeVisible();
  for (const item of await results.getByRole("listitem").all()) {
    await expect(item).toContainText("synthetic draft: the Golden Gate Bridge");
    await expect(item.locator(".badge-source")).toHaveText("model");
  }

  const first = results.getByRole("listitem").first().getByRole("link").first();
  const href = await first.getAttribute("href");
  expect(href).toMatch(new RegExp(`^/models/${SYNTHETIC_MODEL_NAME}/saes/${SYNTHETIC_SAE_NAME}/features/\\d+$`));
  const index = href?.split("/").pop();
  await first.click();
  await expect(page).toHaveURL(new RegExp(`/features/${index}$`));
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`${index}`);
  await snapshot(page, "search-feature-page");
});

test("label text with markup is shown as text, and pages are shareable", async ({ page }) => {
  await page.goto("/search?q=tags+prose");
  const results = page.getByRole("list", { name: "Search results" });
  await expect(results).toContainText(XSS_LABEL);
  await expect(results.locator("img")).toHaveCount(0);

  await page.goto("/search?q=synthetic&limit=5");
  await expect(results.getByRole("listitem")).toHaveCount(5);
  const firstPage = await results.getByRole("listitem").allInnerTexts();
  await page.getByRole("link", { name: "Next →" }).click();
  await expect(page).toHaveURL(/after=/);
  await expect(results.getByRole("listitem")).toHaveCount(5);
  const secondPage = await results.getByRole("listitem").allInnerTexts();
  expect(secondPage.some((text) => firstPage.includes(text))).toBe(false);
  await snapshot(page, "search-page-2");
});

test("search by the text a feature fires on, with the match outlined", async ({ page }) => {
  await page.goto(`/search?mode=activations&model=${SYNTHETIC_MODEL_NAME}&q=${encodeURIComponent(XSS_TOKEN)}`);
  const results = page.getByRole("list", { name: "Search results" });
  const first = results.getByRole("listitem").first();
  await expect(first).toBeVisible();
  await expect(first.locator('[data-match="true"]').first()).toHaveText(XSS_TOKEN);
  await expect(results.locator("img")).toHaveCount(0);
  await snapshot(page, "search-activations");

  await page.goto(`/search?mode=activations&model=${SYNTHETIC_MODEL_NAME}&q=golden+gate`);
  await expect(page.getByText(/Matched as 2 consecutive tokens/)).toBeVisible();
  await first.getByRole("link").first().click();
  await expect(page).toHaveURL(/\/features\/\d+$/);
});

test("semantic search says it is off when no endpoint is configured", async ({ page }) => {
  await page.goto("/search?mode=semantic&q=lying");
  await expect(page.getByRole("status")).toContainText("Semantic search is off");
  await snapshot(page, "search-semantic-off");
});

test("run a text, save the features shown to a new list, and find them on the list page", async ({ page }) => {
  await page.goto("/signin");
  await page.getByLabel("Email").first().fill(E2E_USERS.viewer);
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));

  // the runnable fixture runs in the inference service on the shared CPU
  await page.goto(`/search?mode=inference&model=${RUNNABLE_MODEL_NAME}&q=${encodeURIComponent("The bridge at dawn was")}`);
  await expect(page.getByRole("heading", { name: "Strongest over the text" }).first()).toBeVisible({ timeout: 60_000 });
  const save = page.getByRole("form", { name: "Save features to a list" });
  await expect(save).toBeVisible();
  const shown = await page.getByRole("checkbox", { name: /^Select .+ #\d+ to save$/ }).count();
  expect(shown).toBeGreaterThan(0);

  const name = `e2e search list ${Date.now()}`;
  await save.getByLabel("List to save to").selectOption("new");
  await save.getByLabel("Name of the new list").fill(name);
  await save.getByRole("button", { name: /Save all shown/ }).click();
  const status = save.getByRole("status").filter({ hasText: "Saved to" });
  await expect(status).toContainText(name);
  await expect(status).toContainText(/\d+ features? added/);
  await snapshot(page, "search-inference-saved");

  // saving one of them again adds nothing
  await page.getByRole("checkbox", { name: /^Select .+ #\d+ to save$/ }).first().check();
  await save.getByRole("button", { name: "Save ticked" }).click();
  await expect(save.getByRole("status").filter({ hasText: "Saved to" })).toContainText("0 features added, 1 was already there");

  await status.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { level: 1 })).toHaveText(name);
  await expect(page.getByRole("table", { name: `Features in ${name}` }).getByRole("row")).not.toHaveCount(0);
  await snapshot(page, "search-saved-list");
});

test("contrast prompts: results ranked on one scale, with what was counted said above them", async ({ page }) => {
  const pos = ["The bridge at dawn was", "The bridge at night was"].join("\n");
  const neg = "A river at dawn was";
  await page.goto(`/search?mode=contrast&model=${RUNNABLE_MODEL_NAME}&pos=${encodeURIComponent(pos)}&neg=${encodeURIComponent(neg)}`);
  const summary = page.locator(".search-summary");
  await expect(summary).toContainText("active on every positive prompt", { timeout: 60_000 });
  await expect(summary).toContainText("stay under 1% of their max on the negative prompts");
  await snapshot(page, "search-contrast");
});
