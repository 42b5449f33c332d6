/** GET/POST /api/v1/admin/imports — import a model and SAEs (validated, then dashboards enqueued) and follow the runs. */
import { DashboardRunListSchema, ImportRequestSchema, ImportResultSchema } from "@/lib/api/contracts/imports";
import { ApiError } from "@/lib/api/errors";
import { defineRoute } from "@/lib/api/route";
import { listRuns } from "@/lib/db/dashboards";
import { describeImportError } from "@/lib/import/errors";
import { importAndEnqueue } from "@/lib/import/enqueue";

export const dynamic = "force-dynamic";

export const GET = defineRoute({
  method: "GET",
  path: "/api/v1/admin/imports",
  operationId: "listDashboardRuns",
  summary: "List dashboard runs (imports and computations), most recent first",
  tags: ["Admin"],
  access: "admin",
  response: DashboardRunListSchema,
  handler: async () => ({ runs: await listRuns(50) }),
});

export const POST = defineRoute({
  method: "POST",
  path: "/api/v1/admin/imports",
  operationId: "importModelAndSaes",
  summary: "Import a model package and SAELens folders from the server's disk and enqueue their dashboards",
  description: "Validates everything before writing; a failure is a 400 (409 for a taken name) whose details.code names the check.",
  tags: ["Admin"],
  access: "admin",
  body: ImportRequestSchema,
  response: ImportResultSchema,
  status: 202,
  errors: [409],
  rateLimit: { limit: 10, windowMs: 60_000 },
  handler: async ({ body, principal }) => {
    try {
      return await importAndEnqueue({ ...body, actorId: principal.user.id });
    } catch (error) {
      const { code, message } = describeImportError(error);
      if (code === "INTERNAL") throw error;
      throw new ApiError(code.endsWith("_NAME_TAKEN") ? "conflict" : "bad_request", message, { code });
    }
  },
});
