-- Steering runs get random ids (unguessable permalinks) and an opt-in for showing the author's
-- name publicly; users get a session version (a password change or disabling ends older sessions).

-- Existing runs get new random ids in the app's format (lib/steering/permalink.ts: 16 random bytes,
-- base64url, 22 characters): their old sequential permalinks stop working, which is the point.
ALTER TABLE "SteeringRun" DROP CONSTRAINT "SteeringRun_pkey",
ADD COLUMN     "authorPublic" BOOLEAN NOT NULL DEFAULT false,
ALTER COLUMN "id" DROP DEFAULT,
ALTER COLUMN "id" SET DATA TYPE TEXT USING rtrim(translate(encode(decode(replace(gen_random_uuid()::text, '-', ''), 'hex'), 'base64'), '+/', '-_'), '='),
ADD CONSTRAINT "SteeringRun_pkey" PRIMARY KEY ("id");
DROP SEQUENCE "SteeringRun_id_seq";

-- AlterTable
ALTER TABLE "User" ADD COLUMN     "sessionVersion" INTEGER NOT NULL DEFAULT 0;
