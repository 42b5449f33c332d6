import { NextResponse } from "next/server";
import { authenticate } from "@/lib/auth/principal";
import { roleAtLeast } from "@/lib/auth/roles";
import { publicHealth, systemHealth } from "@/lib/db/health";

export const dynamic = "force-dynamic";

/**
 * Liveness for load balancers and the launcher: 200 when the database answers. Admins (session or
 * API key) get the full report with worker hosts, pids and the inference service's address; anyone
 * else gets up/down only.
 */
export async function GET(request: Request) {
  const health = await systemHealth();
  const status = health.database.ok ? 200 : 503;
  const principal = await authenticate(request).catch(() => null);
  const admin = principal?.kind === "user" && roleAtLeast(principal.user.role, "admin");
  return NextResponse.json(admin ? health : publicHealth(health), { status, headers: { "Cache-Control": "no-store" } });
}
