/**
 * Journey of issue 18: import SAEDashboard batch files browse-only with the CLI (no model, no SAE
 * weights) → open a feature → its intervals and logits are as the file says → the page says testing
 * text needs the weights → label it → find it by label search.
 * The files are SAEDashboard's own sample output (tests/fixtures/saedashboard-test-simple).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { expect, test } from "@playwright/test";
import { E2E_PASSWORD, E2E_USERS, snapshot } from "./support";

const FIXTURE = path.resolve("tests/fixtures/saedashboard-test-simple");
const MODEL = "gpt2-small";
const SAE = "0-res-jb";
const FEATURE = 2;

interface RawFeature { feature_index: number; pos_str: string[]; activations: Array<{ bin_min: number; bin_max: number }> }

test("import SAEDashboard batches browse-only, browse a feature, label it, find it by its label", async ({ page }) => {
  test.setTimeout(180_000);
  const dir = mkdtempSync(path.join(os.tmpdir(), "fs-e2e-batches-"));
  cpSync(FIXTURE, dir, { recursive: true });
  const output = execFileSync(process.execPath, [path.resolve("node_modules/tsx/dist/cli.mjs"), "scripts/import-neuronpedia.ts", "--export", dir], {
    env: process.env, encoding: "utf8", timeout: 150_000,
  });
  expect(output).toContain(`browse-only SAE ${MODEL}/${SAE}`);
  expect(output).toMatch(/4 features, 120 top and 49 interval examples/);

  const raw = (JSON.parse(gunzipSync(readFileSync(path.join(FIXTURE, "batch-1.json.gz"))).toString("utf8")) as { features: RawFeature[] })
    .features.find((f) => f.feature_index === FEATURE)!;

  // the model is listed as known by name only, the SAE as browse-only
  await page.goto("/");
  await expect(page.getByText("known by name only (no model package)")).toBeVisible();
  await page.goto(`/models/${MODEL}/saes/${SAE}`);
  await expect(page.getByTestId("browse-only-note")).toBeVisible();
  await snapshot(page, "import-browse-only-sae");

  await page.goto(`/models/${MODEL}/saes/${SAE}/features/${FEATURE}`);
  // intervals as the file's bins: five equal bins of (0, 0.8], highest first
  const bins = [...new Set(raw.activations.filter((a) => a.bin_min >= 0).map((a) => `${a.bin_min}|${a.bin_max}`))];
  expect(bins.length).toBe(5);
  const heads = page.locator(".interval-head");
  await expect(heads).toHaveCount(5);
  await expect(heads.first()).toContainText("Interval 5: activation in (0.64, 0.80]");
  await expect(heads.last()).toContainText("Interval 1: activation in (0, 0.16]");
  // the promoted tokens are the file's pos_str, in order
  const promoted = page.getByRole("table", { name: "Positive: promoted tokens" }).locator(".logit-token");
  await expect(promoted).toHaveCount(raw.pos_str.length);
  expect(await promoted.allTextContents()).toEqual(raw.pos_str);
  // the file writes GPT-2's vocabulary string "ãĤ±"; the page shows the token as GPT-2 decodes it
  await expect(page.getByRole("table", { name: "Negative: suppressed tokens" }).locator(".logit-token").first()).toHaveText("ケ");
  await expect(page.getByTestId("browse-only-note")).toContainText("Testing your own text needs the model's weights");
  await snapshot(page, "import-browse-only-feature");

  // label it as an editor, then find it by label search
  await page.goto("/signin");
  await page.getByLabel("Email").first().fill(E2E_USERS.editor);
  await page.getByLabel("Password").fill(E2E_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((url) => !url.pathname.startsWith("/signin"));
  await page.goto(`/models/${MODEL}/saes/${SAE}/features/${FEATURE}`);
  const label = "medical imaging words such as MRI";
  await page.getByLabel("New label").fill(label);
  await page.getByRole("button", { name: "Add label" }).click();
  await expect(page.getByRole("listitem", { name: `Label: ${label}` })).toBeVisible();

  await page.goto(`/search?q=${encodeURIComponent("medical imaging")}`);
  const results = page.getByRole("list", { name: "Search results" });
  await expect(results.getByRole("listitem").first()).toContainText(label);
  await expect(results.getByRole("listitem").first()).toContainText(SAE);
  await snapshot(page, "import-browse-only-search");
});
