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

export { generateOpenApiDocument } from "@/lib/api/openapi";
