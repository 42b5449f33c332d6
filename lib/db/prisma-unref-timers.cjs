// Preloaded into the Prisma CLI (see prisma-offline.ts, point 3): the wasm schema engine leaves
// long timers armed after a command finishes, keeping the process alive for 10–60 s. Timers of
// 5 s or more never do useful work at the end of a CLI command, so they must not hold it open.
"use strict";
const LONG_MS = 5000;
const originalSetTimeout = global.setTimeout;
const originalSetInterval = global.setInterval;
global.setTimeout = function (fn, ms, ...args) {
  const timer = originalSetTimeout(fn, ms, ...args);
  if (typeof ms === "number" && ms >= LONG_MS && timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
global.setInterval = function (fn, ms, ...args) {
  const timer = originalSetInterval(fn, ms, ...args);
  if (typeof ms === "number" && ms >= LONG_MS && timer && typeof timer.unref === "function") timer.unref();
  return timer;
};
