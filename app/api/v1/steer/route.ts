/** POST /api/v1/steer — generate with features added, clamped, ablated or multiplied, next to the default. */
import { SteerBodySchema } from "@/lib/api/contracts/steering";
import { ApiError, badRequest, unauthenticated } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { resolveSteeringFeatures, saveSteeringRun, SteeringInputError, typicalHookNorms } from "@/lib/db/steering";
import { inferenceSteer } from "@/lib/inference/client";
import { requireWeights } from "@/lib/db/weights";
import { steeringSettings } from "@/lib/inference/steering-settings";
import { anonymousSteeringAllowed } from "@/lib/auth/anonymous-steering";
import { steeringRunPath } from "@/lib/steering/permalink";
import type { SteerEvent } from "@/lib/inference/protocol";

export const dynamic = "force-dynamic";

const settings = steeringSettings();

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/steer",
  operationId: "steer",
  summary: "Steer generation with SAE features",
  description: [
    "Streams server-sent events: `start` (prompt tokens, device, seed), one `token` per step with the default and steered token, their logprobs, `kl`, `klSampled` and the steered features' activations, then `done` (both completions in full, the per-step series and their means) and `saved` (the run's id and permalink). A failure after the stream began arrives as an `error` event with the usual error body.",
    "`kl` is KL(p_default ‖ p_steered) with both next-token distributions conditioned on the SAME prefix, the default completion's (the steered model reads the default text in a third batch row; `klPrefix: \"default\"`), so it measures steering rather than diverged texts; `klSampled` compares each completion's distribution on its own sampled text. `featureActs` of a token is the feature's activation at the position holding that token, after steering (`featureActsAt: \"token\"`). After a completion ends (EOS or context end) nothing of it enters a series or a mean: its entries are null, and the token that ended it is not read.",
    "Both completions are sampled with the same seed and settings, so differences come from steering alone. Units of `value`: add — coefficient s in h + s·d_i with the raw decoder row (`unit: \"decoder\"`, the default), or h + s·N·d_i/‖d_i‖ with N the hook's typical norm on the dashboard corpus (`unit: \"hook-norm\"`); clamp — multiple of the feature's max activation on the dashboard corpus (SAE error term kept); multiply — factor on the feature's activation; ablate — ignored (clamp to 0). docs/STEERING.md gives the formulas.",
    "Anonymous clients may steer when FEATURESCOPE_ANONYMOUS_STEERING=on, or, with it unset, while the server has at most one account; everyone is rate-limited (per minute and per hour).",
  ].join("\n\n"),
  tags: ["Steering"],
  access: "public",
  scope: "read",
  body: SteerBodySchema,
  responseDescription: "text/event-stream of steering events",
  errors: [404, 409, 503],
  rateLimit: settings.rateLimit,
  maxBodyBytes: 16 * 1024,
  handler: async ({ body, principal, request }) => {
    if (principal.kind === "anonymous" && !(await anonymousSteeringAllowed())) {
      throw unauthenticated("Anonymous steering is off on this server: sign in or use an API key.");
    }
    await requireWeights("Steering", body.modelId, body.features.map((f) => f.saeId));
    let maxActivations: number[];
    try {
      maxActivations = await resolveSteeringFeatures(body.modelId, body.features);
    } catch (error) {
      if (error instanceof SteeringInputError) throw badRequest(error.message);
      throw error;
    }
    const norms = await typicalHookNorms(body.features.map((f) => f.saeId));
    const hookNorms = body.features.map((f) => norms.get(f.saeId) ?? null);
    body.features.forEach((f, i) => {
      if (f.unit === "hook-norm" && hookNorms[i] === null) {
        throw badRequest(`The typical norm of SAE ${f.saeId}'s hook has not been measured yet, so add in "hook-norm" units has no unit: use unit "decoder", or measure it (npm run steer:hook-norms).`);
      }
    });
    const events = inferenceSteer({ ...body, maxActivations, hookNorms }, { signal: request.signal });
    // wait for the first event so that refusals (429, unknown model, bad clamp) are plain JSON errors
    const first = await events.next();
    if (first.done) throw new ApiError("unavailable", "The inference service ended the stream without a result.");
    const encoder = new TextEncoder();
    const frame = (event: string, data: unknown) => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    const authorId = principal.kind === "user" ? principal.user.id : null;
    let device = "unknown";
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        try {
          const handle = async (event: SteerEvent) => {
            controller.enqueue(frame(event.event, event.data));
            if (event.event === "start") device = event.data.executionProvider;
            if (event.event === "done") {
              const run = await saveSteeringRun({ authorId, modelId: body.modelId, prompt: body.prompt, params: { ...body }, result: event.data, executionDevice: device });
              controller.enqueue(frame("saved", { id: run.id, permalink: steeringRunPath(run.id) }));
            }
          };
          await handle(first.value);
          let finished = first.value.event === "done";
          for await (const event of events) {
            await handle(event);
            if (event.event === "done") finished = true;
          }
          // the service went away mid-run (killed, restarted): say so instead of ending quietly
          if (!finished) throw new ApiError("unavailable", "The inference service stopped before the run finished; try again shortly.");
        } catch (error) {
          if (!(error instanceof ApiError)) console.error("[api] POST /api/v1/steer stream failed:", error);
          const apiError = error instanceof ApiError ? error : new ApiError("unavailable", "Steering was interrupted: the inference service stopped or failed; try again shortly.");
          controller.enqueue(frame("error", { error: { code: apiError.code, message: apiError.message } }));
        } finally {
          controller.close();
        }
      },
    });
    return new Response(stream, { status: 200, headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" } });
  },
});
