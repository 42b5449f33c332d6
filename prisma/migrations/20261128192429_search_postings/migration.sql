-- Label search's quality-ordered inverted index (docs/SEARCH.md). The triggers that keep it in step
-- with Label and Feature, and its first fill, come from lib/db/search-postings.ts after every
-- migrate deploy: the migration engine cannot apply function bodies.
-- CreateTable
CREATE TABLE "SearchPosting" (
    "lexeme" TEXT NOT NULL,
    "prior" REAL NOT NULL,
    "labelId" INTEGER NOT NULL,
    "saeId" INTEGER NOT NULL,
    "source" "LabelSource" NOT NULL,
    "unlabelled" BOOLEAN NOT NULL,
    "density" REAL NOT NULL,
    "featureId" INTEGER NOT NULL,
    "quality" REAL NOT NULL,
    "lexemeCount" SMALLINT NOT NULL,
    "isCurrent" BOOLEAN NOT NULL,

    CONSTRAINT "SearchPosting_pkey" PRIMARY KEY ("lexeme","prior","labelId","saeId","source","unlabelled","density","featureId","quality","lexemeCount","isCurrent")
);
