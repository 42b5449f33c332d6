import { expect, test } from "@playwright/test";
import { snapshot } from "./support";

test("the status page shows a healthy database, the job worker and the queues", async ({ page }) => {
  await page.goto("/status");
  await expect(page.getByRole("heading", { name: "System status" })).toBeVisible();
  await expect(page.getByTestId("db-status")).toContainText("Healthy");
  await expect(page.getByTestId("db-status")).toContainText("PostgreSQL 17");
  // the job worker reports within a few seconds of starting
  await expect(async () => {
    await page.reload();
    await expect(page.getByTestId("workers-status")).toContainText("healthy");
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId("queues-status")).toContainText("maintenance.cleanup");
  await snapshot(page, "status");
});

test("the home page lists the seeded model and its SAE", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { name: "Models and SAEs" })).toBeVisible();
  await expect(page.getByText("synthetic-res-l1")).toBeVisible();
  await snapshot(page, "home");
});
