-- CreateTable
CREATE TABLE "DashboardRun" (
    "id" SERIAL NOT NULL,
    "saeId" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "phase" TEXT NOT NULL DEFAULT 'queued',
    "params" JSONB NOT NULL,
    "paramsHash" TEXT NOT NULL,
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "batchesDone" INTEGER NOT NULL DEFAULT 0,
    "batchesTotal" INTEGER NOT NULL DEFAULT 0,
    "tokensDone" BIGINT NOT NULL DEFAULT 0,
    "checkpoint" BYTEA,
    "message" TEXT,
    "error" JSONB,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DashboardRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DashboardExampleStage" (
    "id" SERIAL NOT NULL,
    "runId" INTEGER NOT NULL,
    "batch" INTEGER NOT NULL,
    "featureIndex" INTEGER NOT NULL,
    "kind" "ExampleKind" NOT NULL,
    "rank" INTEGER NOT NULL,
    "intervalIndex" INTEGER,
    "intervalMin" REAL,
    "intervalMax" REAL,
    "contextIndex" INTEGER,
    "tokenIds" INTEGER[],
    "values" REAL[],
    "maxValue" REAL NOT NULL,
    "maxPosition" INTEGER NOT NULL,

    CONSTRAINT "DashboardExampleStage_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "DashboardRun_status_updatedAt_idx" ON "DashboardRun"("status", "updatedAt");

-- CreateIndex
CREATE UNIQUE INDEX "DashboardRun_saeId_kind_paramsHash_key" ON "DashboardRun"("saeId", "kind", "paramsHash");

-- CreateIndex
CREATE INDEX "DashboardExampleStage_runId_batch_idx" ON "DashboardExampleStage"("runId", "batch");

-- AddForeignKey
ALTER TABLE "DashboardRun" ADD CONSTRAINT "DashboardRun_saeId_fkey" FOREIGN KEY ("saeId") REFERENCES "Sae"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DashboardExampleStage" ADD CONSTRAINT "DashboardExampleStage_runId_fkey" FOREIGN KEY ("runId") REFERENCES "DashboardRun"("id") ON DELETE CASCADE ON UPDATE CASCADE;
