import { NextResponse } from "next/server";
import { systemHealth } from "@/lib/db/health";

export const dynamic = "force-dynamic";

/** Liveness for load balancers and the launcher: 200 when the database answers. */
export async function GET() {
  const health = await systemHealth();
  return NextResponse.json(health, { status: health.database.ok ? 200 : 503 });
}
