-- CreateIndex
CREATE INDEX "Feature_saeId_labelStatus_index_idx" ON "Feature"("saeId", "labelStatus", "index");
