/**
 * Bounded concurrency with a bounded queue: at most maxConcurrent tasks run, at most maxQueued
 * wait; anything beyond is refused at once (the service answers 429 with Retry-After) instead of
 * piling up until the process falls over.
 */
import type { InferenceLimits } from "./config";

export class OverloadedError extends Error {
  constructor(readonly retryAfterSeconds: number, reason: string) {
    super(reason);
    this.name = "OverloadedError";
  }
}

interface Waiter {
  start: () => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class ConcurrencyLimiter {
  private active = 0;
  private readonly queue: Waiter[] = [];
  /** Recent task durations, for the Retry-After estimate. */
  private averageMs = 1000;

  constructor(private readonly limits: InferenceLimits) {}

  get stats() {
    return { active: this.active, queued: this.queue.length, ...this.limits, averageTaskMs: Math.round(this.averageMs) };
  }

  private retryAfter(): number {
    const ahead = this.active + this.queue.length;
    return Math.max(1, Math.ceil((ahead / this.limits.maxConcurrent) * (this.averageMs / 1000)));
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limits.maxConcurrent) {
      if (this.queue.length >= this.limits.maxQueued) {
        throw new OverloadedError(this.retryAfter(), `The inference service is busy (${this.active} running, ${this.queue.length} waiting).`);
      }
      await new Promise<void>((resolve, reject) => {
        const waiter: Waiter = {
          start: () => { clearTimeout(waiter.timer); resolve(); },
          reject,
          timer: setTimeout(() => {
            const index = this.queue.indexOf(waiter);
            if (index >= 0) this.queue.splice(index, 1);
            reject(new OverloadedError(this.retryAfter(), `Waited ${this.limits.maxWaitMs} ms for a free slot.`));
          }, this.limits.maxWaitMs),
        };
        this.queue.push(waiter);
      });
    }
    this.active += 1;
    const started = performance.now();
    try {
      return await task();
    } finally {
      this.averageMs = 0.8 * this.averageMs + 0.2 * (performance.now() - started);
      this.active -= 1;
      this.queue.shift()?.start();
    }
  }
}
