/** The audit log: every write through the API or the admin pages leaves one AuditEvent row. */
import type { Prisma } from "../generated/prisma/client";
import { db } from "./client";

export interface AuditEntry {
  actorId: number | null;
  /** dotted verb, e.g. "user.create", "user.role", "apikey.create", "label.update" */
  action: string;
  targetType: string;
  targetId?: number | null;
  details?: Prisma.InputJsonValue;
}

/** Pass the transaction client when the audited change runs in one, so both commit together. */
export async function recordAudit(entry: AuditEntry, tx: Prisma.TransactionClient = db()): Promise<void> {
  await tx.auditEvent.create({
    data: {
      actorId: entry.actorId,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      details: entry.details,
    },
  });
}

export async function listAuditEvents(options: { targetType?: string; targetId?: number; limit?: number } = {}) {
  return db().auditEvent.findMany({
    where: { targetType: options.targetType, targetId: options.targetId },
    orderBy: { id: "desc" },
    take: options.limit ?? 50,
    include: { actor: { select: { id: true, email: true, name: true } } },
  });
}
