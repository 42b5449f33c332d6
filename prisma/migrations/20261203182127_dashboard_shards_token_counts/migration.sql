-- One corpus pass for every SAE of a model, split into shards any worker may process (DashboardShard,
-- DashboardRun.groupKey), the dashboard corpus token frequencies per SAE (SaeTokenCounts, the built-in
-- explainer as background), score distributions of built-in auto-interp runs (AutoInterpRun.summary).
-- AlterTable
ALTER TABLE "AutoInterpRun" ADD COLUMN     "summary" JSONB;

-- AlterTable
ALTER TABLE "DashboardRun" ADD COLUMN     "groupKey" TEXT;

-- CreateTable
CREATE TABLE "DashboardShard" (
    "id" SERIAL NOT NULL,
    "groupKey" TEXT NOT NULL,
    "runIds" INTEGER[],
    "phase" TEXT NOT NULL,
    "shard" INTEGER NOT NULL,
    "shardCount" INTEGER NOT NULL,
    "batchFrom" INTEGER NOT NULL,
    "batchTo" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "batchesDone" INTEGER NOT NULL DEFAULT 0,
    "tokensDone" BIGINT NOT NULL DEFAULT 0,
    "checkpoint" BYTEA,
    "result" BYTEA,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DashboardShard_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SaeTokenCounts" (
    "saeId" INTEGER NOT NULL,
    "tokens" BIGINT NOT NULL,
    "counts" INTEGER[],

    CONSTRAINT "SaeTokenCounts_pkey" PRIMARY KEY ("saeId")
);

-- CreateIndex
CREATE UNIQUE INDEX "DashboardShard_groupKey_phase_shard_key" ON "DashboardShard"("groupKey", "phase", "shard");

-- AddForeignKey
ALTER TABLE "SaeTokenCounts" ADD CONSTRAINT "SaeTokenCounts_saeId_fkey" FOREIGN KEY ("saeId") REFERENCES "Sae"("id") ON DELETE CASCADE ON UPDATE CASCADE;
