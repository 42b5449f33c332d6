/**
 * Journey: feature page → "Steer with this feature" → run → the default and the steered completion
 * side by side → the permalink shows the same texts, and "Run again" reproduces them exactly.
 * Uses the runnable fixture (random weights served by the inference service): gibberish text, real
 * machinery. Also: finding a feature by its label, a strength sweep, and the form's limits.
 */
import { expect, test, type Page } from "@playwright/test";
import { createPrismaClient } from "../lib/db/client";
import { RUNNABLE_MODEL_NAME, RUNNABLE_SAE_NAME } from "../tests/support/e2e-runnable-model";
import { snapshot } from "./support";

const FEATURE = 3;
const LABELLED_FEATURE = 7;
const LABEL = "suspension bridges and their towers";
const featurePath = `/models/${RUNNABLE_MODEL_NAME}/saes/${RUNNABLE_SAE_NAME}/features/${FEATURE}`;
// generation runs on the shared 2-core CPU next to everything else
const generation = { timeout: 60_000 };

test.beforeAll(async () => {
  const prisma = createPrismaClient(process.env.DATABASE_URL);
  try {
    const feature = await prisma.feature.findFirstOrThrow({
      where: { index: LABELLED_FEATURE, sae: { name: RUNNABLE_SAE_NAME, model: { name: RUNNABLE_MODEL_NAME } } },
    });
    if (!(await prisma.label.findFirst({ where: { featureId: feature.id, text: LABEL } }))) {
      await prisma.label.create({ data: { featureId: feature.id, text: LABEL, source: "human", status: "accepted", voteScore: 1 } });
    }
  } finally {
    await prisma.$disconnect();
  }
});

async function outputTexts(page: Page) {
  return {
    default: (await page.getByTestId("default-text").first().textContent()) ?? "",
    steered: (await page.getByTestId("steered-text").first().textContent()) ?? "",
  };
}

test("feature page → Steer → both outputs → the permalink reproduces the same texts", async ({ page }) => {
  test.slow();
  await page.goto(featurePath);
  await page.getByRole("link", { name: "Steer with this feature" }).click();
  await expect(page).toHaveURL(new RegExp(`/steer\\?.*feature=${FEATURE}`), generation);
  const setting = page.getByRole("group", { name: `Steering feature ${FEATURE}` });
  await expect(setting).toBeVisible();
  await expect(setting.getByRole("radio", { name: "Clamp" })).toBeChecked();
  await expect(setting.getByText("× max activation")).toBeVisible();
  // the clamp unit is the feature's max activation (2 in the fixture)
  await expect(setting.getByText(/pinned to 10\.000/)).toBeVisible();
  await setting.getByRole("button", { name: "Golden Gate (10×)" }).click();
  await expect(setting.getByLabel(/Strength \(/)).toHaveValue("10");

  await page.getByLabel("Prompt").fill("The bridge at dawn was");
  await page.getByText(/^Sampling:/).click();
  await page.getByLabel("Max tokens").fill("16");
  await page.getByLabel("Seed").fill("7");
  await snapshot(page, "steer-form");
  await page.getByRole("button", { name: "Steer", exact: true }).click();

  const permalink = page.getByRole("link", { name: "Permalink to this run" });
  await expect(permalink).toBeVisible(generation);
  const defaultColumn = page.getByRole("region", { name: "Default completion" });
  const steeredColumn = page.getByRole("region", { name: "Steered completion" });
  await expect(defaultColumn.locator(".steer-token").first()).toBeVisible();
  await expect(steeredColumn.locator(".steer-token").first()).toBeVisible();
  const live = await outputTexts(page);
  expect(live.default.length).toBeGreaterThan(0);
  expect(live.steered.length).toBeGreaterThan(0);
  // every token carries its logprob in a tooltip, and its own position's reading
  await expect(steeredColumn.locator(".steer-token").first()).toHaveAttribute("title", /logprob -?\d+\.\d{3}/);
  await expect(steeredColumn.locator(".steer-token").first()).toHaveAttribute("title", /activation at this token \(after steering\)/);
  // the mean KL says which prefix it is on and over how many steps
  await expect(page.getByTestId("mean-kl").first()).toHaveText(/on the default text's prefix .*: \d+\.\d{4} nats over \d+ steps?/);
  if (live.default !== live.steered) await expect(page.locator(".steer-token-changed").first()).toBeVisible();
  await snapshot(page, "steer-result");

  await permalink.click();
  await expect(page.getByRole("heading", { level: 1, name: /Steering run [A-Za-z0-9_-]{8}/ })).toBeVisible(generation);
  // the permalink id is random (lib/steering/permalink.ts)
  expect(new URL(page.url()).pathname).toMatch(/^\/steer\/runs\/[A-Za-z0-9_-]{22}$/);
  expect(await outputTexts(page)).toEqual(live);
  await expect(page.getByRole("table", { name: "Run settings" })).toContainText(`${RUNNABLE_SAE_NAME} #${FEATURE} — clamp 10× max`);
  await page.getByRole("button", { name: "Run again" }).click();
  await expect(page.getByRole("status")).toHaveText(/Reproduced exactly/, generation);
  const rerun = page.getByRole("region", { name: "Steered completion" }).nth(1);
  await expect(rerun.getByTestId("steered-text")).toHaveText(live.steered);
  await snapshot(page, "steer-permalink");
});

test("finds a feature by its label, checks limits, and sweeps its strength", async ({ page }) => {
  test.slow();
  await page.goto("/steer");
  await page.getByLabel("Model").selectOption({ label: "Runnable fixture (random weights, for tests) (1 SAE)" });
  await page.getByLabel("Find a feature by label or index").fill("suspension bridge");
  const results = page.getByRole("list", { name: "Matching features" });
  await expect(results.getByText(LABEL)).toBeVisible(generation);
  await results.getByRole("button", { name: "Add" }).first().click();
  const setting = page.getByRole("group", { name: `Steering feature ${LABELLED_FEATURE}` });
  await expect(setting).toBeVisible();
  await setting.getByRole("radio", { name: "Add" }).check();
  // the SAE's typical ‖h‖ is measured, so add starts in those units at half of it
  await expect(setting.getByRole("radio", { name: "× typical ‖h‖ (unit direction)" })).toBeChecked();
  await expect(setting.getByText("× typical ‖h‖", { exact: true })).toBeVisible();
  await expect(setting.getByLabel(/Strength \(/)).toHaveValue("0.5");
  await expect(setting.getByText(/Typical ‖h‖ at blocks\.1\.hook_resid_post: N = \d+\.\d{3}; s = 0\.5 adds a vector of length/)).toBeVisible();
  await snapshot(page, "steer-add-units");
  await setting.getByRole("radio", { name: "raw decoder row" }).check();
  await expect(setting.getByText("coefficient s (h + s·d)", { exact: true })).toBeVisible();
  await expect(setting.getByLabel(/Strength \(/)).toHaveValue("4");
  await setting.getByRole("radio", { name: "Ablate" }).check();
  await expect(setting.getByRole("slider")).toHaveCount(0);

  // limits are explained before anything is sent
  await page.getByLabel("Prompt").fill("x".repeat(2_001));
  await expect(page.getByRole("note")).toHaveText(/Prompts are limited to 2,000 characters/);
  await expect(page.getByRole("button", { name: "Steer", exact: true })).toBeDisabled();
  await page.getByLabel("Prompt").fill("Over the water");
  await setting.getByRole("radio", { name: "Clamp" }).check();

  await page.getByRole("link", { name: /Sweep its strength/ }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Strength sweep" })).toBeVisible(generation);
  await page.getByLabel("Values").fill("3");
  await page.getByLabel("Tokens").fill("8");
  await page.getByRole("button", { name: "Sweep 3 values" }).click();
  const table = page.getByRole("table", { name: "Outputs per strength" });
  await expect(table.locator("tbody tr")).toHaveCount(4, { timeout: 120_000 });
  await expect(page.getByRole("button", { name: "Sweep 3 values" })).toBeEnabled(generation);
  await expect(page.locator('.sweep-chart svg.recharts-surface[role="application"]')).toBeVisible();
  // what the means average is said next to them
  await expect(table.getByRole("columnheader", { name: "mean activation (tokens)" })).toBeVisible();
  await expect(page.getByText(/each read at the token's own position after steering/)).toBeVisible();
  await snapshot(page, "steer-sweep");
});
