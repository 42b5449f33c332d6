-- AlterTable
ALTER TABLE "Label" ADD COLUMN     "pinnedAt" TIMESTAMP(3),
ADD COLUMN     "pinnedById" INTEGER;

-- CreateTable
CREATE TABLE "AutoInterpSettings" (
    "id" INTEGER NOT NULL,
    "baseUrl" TEXT,
    "model" TEXT,
    "apiKeyCipher" TEXT,
    "priceInputPerMTok" DOUBLE PRECISION,
    "priceOutputPerMTok" DOUBLE PRECISION,
    "spendCapUsd" DOUBLE PRECISION,
    "maxTokensPerRun" INTEGER,
    "concurrency" INTEGER,
    "updatedById" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "AutoInterpSettings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AutoInterpRun" (
    "id" SERIAL NOT NULL,
    "saeId" INTEGER NOT NULL,
    "scope" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "requestedById" INTEGER,
    "provider" TEXT NOT NULL,
    "model" TEXT NOT NULL,
    "promptVersion" TEXT NOT NULL,
    "spendCapUsd" DOUBLE PRECISION,
    "maxTokens" INTEGER,
    "priceInputPerMTok" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "priceOutputPerMTok" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "promptTokens" INTEGER NOT NULL DEFAULT 0,
    "completionTokens" INTEGER NOT NULL DEFAULT 0,
    "costUsd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "featuresTotal" INTEGER NOT NULL DEFAULT 0,
    "featuresDone" INTEGER NOT NULL DEFAULT 0,
    "featuresFailed" INTEGER NOT NULL DEFAULT 0,
    "featuresSkipped" INTEGER NOT NULL DEFAULT 0,
    "errors" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "AutoInterpRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AutoInterpRun_saeId_createdAt_idx" ON "AutoInterpRun"("saeId", "createdAt");
