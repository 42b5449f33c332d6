/** Shared helpers for the e2e journeys: seeded users, sign-in, screenshots. */
import fs from "node:fs";
import path from "node:path";
import type { Page } from "@playwright/test";

export { E2E_PASSWORD, E2E_USERS } from "../tests/support/e2e-seed";

const SCREENSHOT_DIR = path.resolve("e2e/screenshots");

/**
 * Saves a full-page screenshot under e2e/screenshots/<name>.png for people to look at, and leaves
 * the page scrolled where it was. Chromium's full-page capture resizes the viewport and leaves the
 * page scrolled elsewhere; with a form field still focused, Chromium scrolls back on the next focus
 * change — in the middle of the next click, between mousedown and mouseup — so that click lands on
 * nothing (this is what kept the steering journey's "Steer" click from submitting the form).
 */
export async function snapshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  const scroll = await page.evaluate(() => ({ x: window.scrollX, y: window.scrollY }));
  await page.screenshot({ path: file, fullPage: true });
  await page.evaluate(({ x, y }) => new Promise<void>((resolve) => {
    window.scrollTo(x, y);
    requestAnimationFrame(() => resolve());
  }), scroll);
  return file;
}
