-- Steering runs get random ids (unguessable permalinks) and an opt-in for showing the name of
-- the author publicly. Users get a session version (a password change or disabling ends older
-- sessions). Existing runs get new random ids in the format of lib/steering/permalink.ts (16
-- random bytes, base64url, 22 characters), so their old sequential permalinks stop working.
-- (No apostrophes or semicolons in these comments: the migration runner splits on them.)
ALTER TABLE "SteeringRun" DROP CONSTRAINT "SteeringRun_pkey",
ADD COLUMN     "authorPublic" BOOLEAN NOT NULL DEFAULT false,
ALTER COLUMN "id" DROP DEFAULT,
ALTER COLUMN "id" SET DATA TYPE TEXT USING rtrim(translate(encode(decode(replace(gen_random_uuid()::text, '-', ''), 'hex'), 'base64'), '+/', '-_'), '='),
ADD CONSTRAINT "SteeringRun_pkey" PRIMARY KEY ("id");
DROP SEQUENCE "SteeringRun_id_seq";

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "sessionVersion" INTEGER NOT NULL DEFAULT 0;
