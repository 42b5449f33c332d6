import { describe, expect, it } from "vitest";
import { ConcurrencyLimiter, OverloadedError } from "./limiter";

const deferred = () => {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
};

describe("ConcurrencyLimiter", () => {
  it("runs at most maxConcurrent tasks and queues the next ones in order", async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 2, maxQueued: 5, maxWaitMs: 5000 });
    const gates = [deferred(), deferred(), deferred()];
    const order: number[] = [];
    const runs = gates.map((gate, i) => limiter.run(async () => { order.push(i); await gate.promise; return i; }));
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([0, 1]);
    expect(limiter.stats.active).toBe(2);
    expect(limiter.stats.queued).toBe(1);
    gates[0].resolve();
    await runs[0];
    await new Promise((r) => setTimeout(r, 5));
    expect(order).toEqual([0, 1, 2]);
    gates[1].resolve(); gates[2].resolve();
    expect(await Promise.all(runs)).toEqual([0, 1, 2]);
    expect(limiter.stats.active).toBe(0);
  });

  it("refuses work beyond the queue with a Retry-After estimate", async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 1, maxWaitMs: 5000 });
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    const second = limiter.run(async () => "second");
    const third = limiter.run(async () => "third");
    await expect(third).rejects.toBeInstanceOf(OverloadedError);
    await expect(third).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
    gate.resolve();
    await first;
    expect(await second).toBe("second");
  });

  it("gives up on a queued task after maxWaitMs", async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 4, maxWaitMs: 50 });
    const gate = deferred();
    const first = limiter.run(() => gate.promise);
    await expect(limiter.run(async () => 1)).rejects.toThrow(/Waited 50 ms/);
    expect(limiter.stats.queued).toBe(0);
    gate.resolve();
    await first;
  });

  it("frees the slot when a task throws", async () => {
    const limiter = new ConcurrencyLimiter({ maxConcurrent: 1, maxQueued: 0, maxWaitMs: 50 });
    await expect(limiter.run(async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    expect(await limiter.run(async () => "ok")).toBe("ok");
  });
});
