-- AlterTable: the mean norm of the activation at an SAE's hook on its dashboard corpus, the unit of
-- "add" in hook-norm units (docs/STEERING.md), null until the dashboards pass measures it
ALTER TABLE "Sae" ADD COLUMN     "typicalHookNorm" DOUBLE PRECISION;
