/** Housekeeping job: removes expired sessions and magic-link tokens and forgets dead workers. */
import { db } from "@/lib/db/client";
import { pruneStaleWorkers } from "@/lib/db/workers";

export async function runMaintenance(now = new Date()) {
  const sessions = await db().session.deleteMany({ where: { expires: { lt: now } } });
  const tokens = await db().verificationToken.deleteMany({ where: { expires: { lt: now } } });
  const workers = await pruneStaleWorkers(now);
  return { expiredSessions: sessions.count, expiredTokens: tokens.count, staleWorkers: workers };
}
