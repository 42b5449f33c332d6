/** GET /models/{model}/saes/{sae}/random: redirects to a uniformly random live feature of the SAE. */
import { NextResponse } from "next/server";
import { getSaeByNames, randomFeatureIndex } from "@/lib/db/saes";
import { featureHref, saeHref } from "@/app/components/format";
import { decodeSegment } from "@/app/components/segments";

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ model: string; sae: string }> }) {
  const { model, sae } = await params;
  const modelName = decodeSegment(model);
  const saeName = decodeSegment(sae);
  const header = await getSaeByNames(modelName, saeName);
  if (!header) return NextResponse.json({ error: { code: "not_found", message: "No such SAE" } }, { status: 404 });
  const index = await randomFeatureIndex(header.id, header.dSae);
  const target = index === null ? saeHref(modelName, saeName) : featureHref(modelName, saeName, index);
  // 303 so a reload of the random link draws again rather than caching one answer; a relative
  // Location, so the request's Host never ends up in a URL we build
  return new Response(null, { status: 303, headers: { location: target, "cache-control": "no-store" } });
}
