/**
 * Every /api/v1 route module, imported so their defineRoute calls register in the OpenAPI
 * document. Add a line for each new route.ts; tests/integration/api-openapi.test.ts fails when one is missing.
 */
import "./models/route";
import "./me/route";
import "./api-keys/route";
import "./api-keys/[id]/route";
import "./admin/users/route";
import "./admin/users/[id]/route";
import "./admin/imports/route";
import "./openapi.json/route";
import "./saes/[saeId]/route";
import "./saes/[saeId]/features/route";
import "./saes/[saeId]/features/[index]/route";
import "./saes/[saeId]/features/[index]/examples/route";
import "./saes/[saeId]/random/route";
import "./activations/route";
import "./steer/route";
import "./steer/runs/route";
import "./steer/runs/[id]/route";
import "./search/labels/route";
import "./search/activations/route";
import "./search/semantic/route";
import "./search/contrast/route";
import "./saes/[saeId]/features/[index]/labels/route";
import "./saes/[saeId]/features/[index]/comments/route";
import "./saes/[saeId]/features/[index]/bookmark/route";
import "./saes/[saeId]/labelling/next/route";
import "./saes/[saeId]/labelling/progress/route";
import "./saes/[saeId]/labels/export/route";
import "./saes/[saeId]/dashboards/export/route";
import "./labels/[id]/route";
import "./labels/[id]/revisions/route";
import "./labels/[id]/vote/route";
import "./labels/[id]/review/route";
import "./labels/[id]/pin/route";
import "./comments/[id]/route";
import "./bookmarks/route";
import "./lists/route";
import "./lists/[id]/route";
import "./lists/[id]/items/route";
import "./lists/[id]/items/bulk/route";
import "./lists/[id]/items/[featureId]/route";
import "./shared-lists/[token]/route";
import "./saes/[saeId]/autointerp/route";
import "./saes/[saeId]/autointerp/runs/route";
import "./autointerp/runs/[id]/route";
import "./admin/autointerp/route";
import "./admin/autointerp/test/route";

export { generateOpenApiDocument } from "@/lib/api/openapi";
