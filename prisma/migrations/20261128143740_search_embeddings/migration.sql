-- CreateTable
CREATE TABLE "SearchLexeme" (
    "lexeme" TEXT NOT NULL,

    CONSTRAINT "SearchLexeme_pkey" PRIMARY KEY ("lexeme")
);

-- CreateTable
CREATE TABLE "SearchLexiconState" (
    "id" INTEGER NOT NULL,
    "lastLabelId" INTEGER NOT NULL DEFAULT 0,
    "lastRevisionId" INTEGER NOT NULL DEFAULT 0,
    "syncedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SearchLexiconState_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LabelEmbedding" (
    "id" SERIAL NOT NULL,
    "labelId" INTEGER NOT NULL,
    "model" TEXT NOT NULL,
    "textHash" TEXT NOT NULL,
    "vector" REAL[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "LabelEmbedding_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "SearchLexeme_lexeme_trgm_idx" ON "SearchLexeme" USING GIN ("lexeme" gin_trgm_ops);

-- CreateIndex
CREATE INDEX "LabelEmbedding_model_idx" ON "LabelEmbedding"("model");

-- CreateIndex
CREATE UNIQUE INDEX "LabelEmbedding_labelId_model_key" ON "LabelEmbedding"("labelId", "model");
