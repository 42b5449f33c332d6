/** Shared helpers for the e2e journeys: seeded users, sign-in, screenshots. */
import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";

export { E2E_PASSWORD, E2E_USERS } from "../tests/support/e2e-seed";

const SCREENSHOT_DIR = path.resolve("e2e/screenshots");

/** Saves a full-page screenshot under e2e/screenshots/<name>.png for people to look at. */
export async function snapshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
