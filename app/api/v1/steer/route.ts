/** POST /api/v1/steer — generate with features added, clamped, ablated or multiplied, next to the default. */
import { SteerBodySchema } from "@/lib/api/contracts/steering";
import { ApiError, badRequest, unauthenticated } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { resolveSteeringFeatures, saveSteeringRun, SteeringInputError } from "@/lib/db/steering";
import { inferenceSteer } from "@/lib/inference/client";
import { requireWeights } from "@/lib/db/weights";
import { steeringSettings } from "@/lib/inference/steering-settings";
import type { SteerEvent } from "@/lib/inference/protocol";

export const dynamic = "force-dynamic";

const settings = steeringSettings();

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/steer",
  summary: "Steer generation with SAE features",
  description: [
    "Streams server-sent events: `start` (prompt tokens, device, seed), one `token` per step with the default and steered token, their logprobs, the KL divergence between the two next-token distributions and the steered features' activations, then `done` (both completions in full) and `saved` (the run's id and permalink). A failure after the stream began arrives as an `error` event with the usual error body.",
    "Both completions are sampled with the same seed and settings, so differences come from steering alone. Units of `value`: add — coefficient s in h + s·d_i (raw decoder row); clamp — multiple of the feature's max activation on the dashboard corpus (SAE error term kept); multiply — factor on the feature's activation; ablate — ignored (clamp to 0).",
    "Anonymous clients may steer unless FEATURESCOPE_ANONYMOUS_STEERING=off; everyone is rate-limited.",
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
    if (principal.kind === "anonymous" && !settings.anonymousAllowed) {
      throw unauthenticated("Anonymous steering is turned off on this server: sign in or use an API key.");
    }
    await requireWeights("Steering", body.modelId, body.features.map((f) => f.saeId));
    let maxActivations: number[];
    try {
      maxActivations = await resolveSteeringFeatures(body.modelId, body.features);
    } catch (error) {
      if (error instanceof SteeringInputError) throw badRequest(error.message);
      throw error;
    }
    const events = inferenceSteer({ ...body, maxActivations }, { signal: request.signal });
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
              controller.enqueue(frame("saved", { id: run.id, permalink: `/steer/runs/${run.id}` }));
            }
          };
          await handle(first.value);
          for await (const event of events) await handle(event);
        } catch (error) {
          const apiError = error instanceof ApiError ? error : new ApiError("unavailable", `Steering failed: ${(error as Error).message}`);
          controller.enqueue(frame("error", { error: { code: apiError.code, message: apiError.message } }));
        } finally {
          controller.close();
        }
      },
    });
    return new Response(stream, { status: 200, headers: { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no" } });
  },
});
