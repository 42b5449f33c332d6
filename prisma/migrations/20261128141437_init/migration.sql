-- Trigram matching for label search (typos, partial words).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('viewer', 'editor', 'admin');

-- CreateEnum
CREATE TYPE "SaeStatus" AS ENUM ('registered', 'computing', 'ready', 'failed');

-- CreateEnum
CREATE TYPE "ExampleKind" AS ENUM ('top', 'interval', 'random');

-- CreateEnum
CREATE TYPE "LabelSource" AS ENUM ('human', 'model');

-- CreateEnum
CREATE TYPE "LabelStatus" AS ENUM ('draft', 'accepted', 'rejected');

-- CreateTable
CREATE TABLE "Model" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "displayName" TEXT,
    "architecture" TEXT NOT NULL,
    "dModel" INTEGER NOT NULL,
    "nLayers" INTEGER NOT NULL,
    "nHeads" INTEGER,
    "dMlp" INTEGER,
    "nCtx" INTEGER NOT NULL,
    "dVocab" INTEGER NOT NULL,
    "tokenizer" TEXT NOT NULL,
    "bosTokenId" INTEGER,
    "packagePath" TEXT NOT NULL,
    "manifest" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Model_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Token" (
    "id" SERIAL NOT NULL,
    "modelId" INTEGER NOT NULL,
    "tokenId" INTEGER NOT NULL,
    "text" TEXT NOT NULL,

    CONSTRAINT "Token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Sae" (
    "id" SERIAL NOT NULL,
    "modelId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "hookName" TEXT NOT NULL,
    "layer" INTEGER NOT NULL,
    "architecture" TEXT NOT NULL,
    "dIn" INTEGER NOT NULL,
    "dSae" INTEGER NOT NULL,
    "k" INTEGER,
    "normalizeActivations" TEXT NOT NULL DEFAULT 'none',
    "applyBDecToInput" BOOLEAN NOT NULL DEFAULT true,
    "dtype" TEXT NOT NULL DEFAULT 'float32',
    "path" TEXT NOT NULL,
    "contentHash" TEXT NOT NULL,
    "cfg" JSONB NOT NULL,
    "status" "SaeStatus" NOT NULL DEFAULT 'registered',
    "l0" DOUBLE PRECISION,
    "explainedVariance" DOUBLE PRECISION,
    "ceLossRecovered" DOUBLE PRECISION,
    "deadFraction" DOUBLE PRECISION,
    "denseFraction" DOUBLE PRECISION,
    "metricsDetails" JSONB,
    "dashboardCorpus" TEXT,
    "dashboardTokens" BIGINT,
    "dashboardContextSize" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Sae_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Feature" (
    "id" SERIAL NOT NULL,
    "saeId" INTEGER NOT NULL,
    "index" INTEGER NOT NULL,
    "maxActivation" REAL NOT NULL DEFAULT 0,
    "density" REAL NOT NULL DEFAULT 0,
    "dead" BOOLEAN NOT NULL DEFAULT false,
    "ultraRare" BOOLEAN NOT NULL DEFAULT false,
    "histogramMin" REAL,
    "histogramMax" REAL,
    "histogramCounts" INTEGER[],
    "intervalShares" REAL[],
    "logitTopTokenIds" INTEGER[],
    "logitTopValues" REAL[],
    "logitBottomTokenIds" INTEGER[],
    "logitBottomValues" REAL[],
    "logitHistogramMin" REAL,
    "logitHistogramMax" REAL,
    "logitHistogramCounts" INTEGER[],
    "neighborIndices" INTEGER[],
    "neighborCosines" REAL[],
    "currentLabelId" INTEGER,
    "labelStatus" "LabelStatus",
    "labelScore" REAL,

    CONSTRAINT "Feature_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ActivationExample" (
    "id" SERIAL NOT NULL,
    "featureId" INTEGER NOT NULL,
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

    CONSTRAINT "ActivationExample_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Label" (
    "id" SERIAL NOT NULL,
    "featureId" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "source" "LabelSource" NOT NULL,
    "authorId" INTEGER,
    "status" "LabelStatus" NOT NULL DEFAULT 'accepted',
    "version" INTEGER NOT NULL DEFAULT 1,
    "provenance" JSONB,
    "detectionScore" REAL,
    "simulationScore" REAL,
    "scoreDetails" JSONB,
    "voteScore" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Label_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LabelRevision" (
    "id" SERIAL NOT NULL,
    "labelId" INTEGER NOT NULL,
    "version" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "status" "LabelStatus" NOT NULL,
    "editorId" INTEGER,
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LabelRevision_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Vote" (
    "id" SERIAL NOT NULL,
    "labelId" INTEGER NOT NULL,
    "userId" INTEGER NOT NULL,
    "value" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Vote_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Comment" (
    "id" SERIAL NOT NULL,
    "featureId" INTEGER NOT NULL,
    "authorId" INTEGER,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "deletedAt" TIMESTAMP(3),

    CONSTRAINT "Comment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FeatureList" (
    "id" SERIAL NOT NULL,
    "ownerId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "isPublic" BOOLEAN NOT NULL DEFAULT false,
    "shareToken" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FeatureList_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FeatureListItem" (
    "id" SERIAL NOT NULL,
    "listId" INTEGER NOT NULL,
    "featureId" INTEGER NOT NULL,
    "position" INTEGER NOT NULL,
    "note" TEXT,
    "addedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "FeatureListItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Bookmark" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "featureId" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Bookmark_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SteeringRun" (
    "id" SERIAL NOT NULL,
    "authorId" INTEGER,
    "modelId" INTEGER NOT NULL,
    "prompt" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "defaultOutput" TEXT NOT NULL,
    "steeredOutput" TEXT NOT NULL,
    "defaultTokens" JSONB,
    "steeredTokens" JSONB,
    "executionDevice" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SteeringRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "User" (
    "id" SERIAL NOT NULL,
    "name" TEXT,
    "email" TEXT NOT NULL,
    "emailVerified" TIMESTAMP(3),
    "image" TEXT,
    "passwordHash" TEXT,
    "role" "Role" NOT NULL DEFAULT 'viewer',
    "disabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Account" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "providerAccountId" TEXT NOT NULL,
    "refresh_token" TEXT,
    "access_token" TEXT,
    "expires_at" INTEGER,
    "token_type" TEXT,
    "scope" TEXT,
    "id_token" TEXT,
    "session_state" TEXT,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Session" (
    "id" SERIAL NOT NULL,
    "sessionToken" TEXT NOT NULL,
    "userId" INTEGER NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VerificationToken" (
    "id" SERIAL NOT NULL,
    "identifier" TEXT NOT NULL,
    "token" TEXT NOT NULL,
    "expires" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "VerificationToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "scopes" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" SERIAL NOT NULL,
    "actorId" INTEGER,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" INTEGER,
    "details" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Model_name_key" ON "Model"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Token_modelId_tokenId_key" ON "Token"("modelId", "tokenId");

-- CreateIndex
CREATE UNIQUE INDEX "Sae_modelId_name_key" ON "Sae"("modelId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Sae_modelId_contentHash_key" ON "Sae"("modelId", "contentHash");

-- CreateIndex
CREATE UNIQUE INDEX "Feature_currentLabelId_key" ON "Feature"("currentLabelId");

-- CreateIndex
CREATE INDEX "Feature_saeId_density_index_idx" ON "Feature"("saeId", "density", "index");

-- CreateIndex
CREATE INDEX "Feature_saeId_maxActivation_index_idx" ON "Feature"("saeId", "maxActivation", "index");

-- CreateIndex
CREATE INDEX "Feature_saeId_labelScore_index_idx" ON "Feature"("saeId", "labelScore", "index");

-- CreateIndex
CREATE UNIQUE INDEX "Feature_saeId_index_key" ON "Feature"("saeId", "index");

-- CreateIndex
CREATE INDEX "ActivationExample_featureId_kind_maxValue_idx" ON "ActivationExample"("featureId", "kind", "maxValue" DESC);

-- CreateIndex
CREATE INDEX "ActivationExample_tokenIds_idx" ON "ActivationExample" USING GIN ("tokenIds");

-- CreateIndex
CREATE INDEX "Label_featureId_voteScore_idx" ON "Label"("featureId", "voteScore");

-- CreateIndex
CREATE INDEX "Label_text_trgm_idx" ON "Label" USING GIN ("text" gin_trgm_ops);

-- CreateIndex
CREATE UNIQUE INDEX "LabelRevision_labelId_version_key" ON "LabelRevision"("labelId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Vote_labelId_userId_key" ON "Vote"("labelId", "userId");

-- CreateIndex
CREATE INDEX "Comment_featureId_createdAt_idx" ON "Comment"("featureId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "FeatureList_shareToken_key" ON "FeatureList"("shareToken");

-- CreateIndex
CREATE INDEX "FeatureList_ownerId_idx" ON "FeatureList"("ownerId");

-- CreateIndex
CREATE INDEX "FeatureListItem_listId_position_idx" ON "FeatureListItem"("listId", "position");

-- CreateIndex
CREATE UNIQUE INDEX "FeatureListItem_listId_featureId_key" ON "FeatureListItem"("listId", "featureId");

-- CreateIndex
CREATE UNIQUE INDEX "Bookmark_userId_featureId_key" ON "Bookmark"("userId", "featureId");

-- CreateIndex
CREATE INDEX "SteeringRun_authorId_createdAt_idx" ON "SteeringRun"("authorId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");

-- CreateIndex
CREATE INDEX "Account_userId_idx" ON "Account"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "Account_provider_providerAccountId_key" ON "Account"("provider", "providerAccountId");

-- CreateIndex
CREATE UNIQUE INDEX "Session_sessionToken_key" ON "Session"("sessionToken");

-- CreateIndex
CREATE INDEX "Session_userId_idx" ON "Session"("userId");

-- CreateIndex
CREATE UNIQUE INDEX "VerificationToken_token_key" ON "VerificationToken"("token");

-- CreateIndex
CREATE UNIQUE INDEX "VerificationToken_identifier_token_key" ON "VerificationToken"("identifier", "token");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE INDEX "ApiKey_userId_idx" ON "ApiKey"("userId");

-- CreateIndex
CREATE INDEX "AuditEvent_targetType_targetId_createdAt_idx" ON "AuditEvent"("targetType", "targetId", "createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_createdAt_idx" ON "AuditEvent"("createdAt");

-- AddForeignKey
ALTER TABLE "Token" ADD CONSTRAINT "Token_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Sae" ADD CONSTRAINT "Sae_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Feature" ADD CONSTRAINT "Feature_saeId_fkey" FOREIGN KEY ("saeId") REFERENCES "Sae"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Feature" ADD CONSTRAINT "Feature_currentLabelId_fkey" FOREIGN KEY ("currentLabelId") REFERENCES "Label"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ActivationExample" ADD CONSTRAINT "ActivationExample_featureId_fkey" FOREIGN KEY ("featureId") REFERENCES "Feature"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Label" ADD CONSTRAINT "Label_featureId_fkey" FOREIGN KEY ("featureId") REFERENCES "Feature"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Label" ADD CONSTRAINT "Label_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelRevision" ADD CONSTRAINT "LabelRevision_labelId_fkey" FOREIGN KEY ("labelId") REFERENCES "Label"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelRevision" ADD CONSTRAINT "LabelRevision_editorId_fkey" FOREIGN KEY ("editorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Vote" ADD CONSTRAINT "Vote_labelId_fkey" FOREIGN KEY ("labelId") REFERENCES "Label"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Vote" ADD CONSTRAINT "Vote_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_featureId_fkey" FOREIGN KEY ("featureId") REFERENCES "Feature"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Comment" ADD CONSTRAINT "Comment_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FeatureList" ADD CONSTRAINT "FeatureList_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FeatureListItem" ADD CONSTRAINT "FeatureListItem_listId_fkey" FOREIGN KEY ("listId") REFERENCES "FeatureList"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FeatureListItem" ADD CONSTRAINT "FeatureListItem_featureId_fkey" FOREIGN KEY ("featureId") REFERENCES "Feature"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bookmark" ADD CONSTRAINT "Bookmark_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Bookmark" ADD CONSTRAINT "Bookmark_featureId_fkey" FOREIGN KEY ("featureId") REFERENCES "Feature"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SteeringRun" ADD CONSTRAINT "SteeringRun_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SteeringRun" ADD CONSTRAINT "SteeringRun_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "Model"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Account" ADD CONSTRAINT "Account_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Session" ADD CONSTRAINT "Session_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AuditEvent" ADD CONSTRAINT "AuditEvent_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Full-text search on label text. An expression index Prisma's schema cannot express, so label
-- search queries must use the same expression: to_tsvector('english', "text").
CREATE INDEX "Label_text_fts_idx" ON "Label" USING GIN (to_tsvector('english', "text"));
