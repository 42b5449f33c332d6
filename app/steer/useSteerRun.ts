"use client";
/** Runs one steering request from the browser and keeps the streamed result in state. */
import { useCallback, useRef, useState } from "react";
import type { SteerRequest } from "@/lib/inference/protocol";
import { appendStep, emptyResult, resultFromDone, type SteerResultView } from "@/lib/steering/result";
import { streamSteer, SteerRequestError } from "@/lib/steering/stream";

export interface SteerRunState {
  status: "idle" | "running" | "done" | "error";
  prompt: string;
  result: SteerResultView;
  executionProvider: string | null;
  timingsMs: { firstToken: number; total: number } | null;
  permalink: string | null;
  error: string | null;
  /** Seconds to wait after a 429. */
  retryAfter: number | null;
}

const IDLE: SteerRunState = { status: "idle", prompt: "", result: emptyResult(), executionProvider: null, timingsMs: null, permalink: null, error: null, retryAfter: null };

export function useSteerRun() {
  const [state, setState] = useState<SteerRunState>(IDLE);
  const abort = useRef<AbortController | null>(null);

  const run = useCallback(async (request: SteerRequest): Promise<SteerRunState> => {
    abort.current?.abort();
    const controller = new AbortController();
    abort.current = controller;
    let current: SteerRunState = { ...IDLE, status: "running", prompt: request.prompt };
    const update = (next: SteerRunState) => {
      current = next;
      if (abort.current === controller) setState(next);
    };
    update(current);
    try {
      const { done, saved } = await streamSteer(request, (event) => {
        if (event.event === "start") update({ ...current, executionProvider: event.data.executionProvider });
        else if (event.event === "token") update({ ...current, result: appendStep(current.result, event.data) });
        else if (event.event === "saved") update({ ...current, permalink: event.data.permalink });
      }, { signal: controller.signal });
      update({ ...current, status: "done", result: resultFromDone(done), timingsMs: done.timingsMs, permalink: saved?.permalink ?? current.permalink });
    } catch (error) {
      if (controller.signal.aborted) return current;
      const message = error instanceof SteerRequestError ? error.message : `Steering failed: ${(error as Error).message}`;
      update({ ...current, status: "error", error: message, retryAfter: error instanceof SteerRequestError ? (error.retryAfter ?? null) : null });
    }
    return current;
  }, []);

  const stop = useCallback(() => {
    abort.current?.abort();
    abort.current = null;
    setState((s) => (s.status === "running" ? { ...s, status: "error", error: "Stopped." } : s));
  }, []);

  return { state, run, stop };
}
