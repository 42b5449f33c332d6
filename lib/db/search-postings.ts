/**
 * Label search's quality-ordered inverted index, SearchPosting: one row per (lexeme, label), keyed
 * by (lexeme, prior, label, …) so that a word's best labels are the last entries of its range in
 * the primary key. PostgreSQL keeps it in step itself, through statement-level triggers on Label
 * (insert, edit, review, vote, score, delete, truncate) and on Feature (SAE, density, labelled or
 * not, current label), so no writer anywhere has to know about it, and bulk writes stay linear.
 *
 * Prisma's migration engine cannot apply function bodies, so the functions and triggers are
 * installed here, after every `migrate deploy` (lib/db/migrate.ts). The SQL is generated from the
 * ranking constants of lib/search/ranking.ts; its hash is stored as a comment on the prior
 * function, and when it changes (first install, new ranking constants) the postings are rebuilt.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import { currentDatabaseUrl, parseDatabaseUrl } from "./connection";
import { BREVITY_CHARS, DETECTION_WEIGHT, SIMULATION_WEIGHT, STATUS_FACTOR, VOTE_CAP, VOTE_WEIGHT } from "../search/ranking";

/** A number as a SQL float8 literal. */
const f8 = (x: number) => `${x}::float8`;

/** A label's quality multiplier in SQL (float8), from its columns as named by `t`. */
const QUALITY_SQL = (status: string, vote: string, detection: string, simulation: string) => `
  (CASE ${status} WHEN 'accepted' THEN ${f8(STATUS_FACTOR.accepted)} WHEN 'draft' THEN ${f8(STATUS_FACTOR.draft)} ELSE ${f8(STATUS_FACTOR.rejected)} END)
    * (1 + sign(${vote}::float8) * LEAST(${f8(VOTE_CAP)}, ${f8(VOTE_WEIGHT)} * ln(1 + abs(${vote}::float8)))
         + ${f8(DETECTION_WEIGHT)} * (COALESCE(${detection}, 0.5)::float8 - 0.5)
         + ${f8(SIMULATION_WEIGHT)} * COALESCE(${simulation}, 0)::float8)`;

/**
 * featurescope_label_quality(status, voteScore, detectionScore, simulationScore) and
 * featurescope_label_prior(…, length(text)): the SQL twins of lib/search/ranking.ts
 * labelQuality and labelPrior (a test holds them equal).
 */
const PRIOR_FUNCTIONS = [`
CREATE OR REPLACE FUNCTION featurescope_label_quality(status "LabelStatus", vote_score integer, detection real, simulation real)
RETURNS real LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT (${QUALITY_SQL("status", "vote_score", "detection", "simulation")})::real
$fn$`, `
CREATE OR REPLACE FUNCTION featurescope_label_prior(status "LabelStatus", vote_score integer, detection real, simulation real, text_length integer)
RETURNS real LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
  SELECT ((${QUALITY_SQL("status", "vote_score", "detection", "simulation")})
    * (0.75 + 0.25 * LEAST(1, ${f8(BREVITY_CHARS)} / GREATEST(text_length, 1)::float8)))::real
$fn$`];

/** A label row's prior and quality, in SQL, for the alias `t` (a Label row, OLD or NEW). */
const priorOf = (t: string) => `featurescope_label_prior(${t}."status", ${t}."voteScore", ${t}."detectionScore", ${t}."simulationScore", length(${t}."text"))`;
const qualityOf = (t: string) => `featurescope_label_quality(${t}."status", ${t}."voteScore", ${t}."detectionScore", ${t}."simulationScore")`;

/** Whether a feature counts as unlabelled: the SAE table's meaning (no label, or a rejected one). */
const unlabelledOf = (t: string) => `(${t}."labelStatus" IS NULL OR ${t}."labelStatus" = 'rejected')`;

/** Every column of SearchPosting, in key order. */
const POSTING_COLUMNS = `"lexeme", "prior", "labelId", "saeId", "source", "unlabelled", "density", "featureId", "quality", "lexemeCount", "isCurrent"`;

/** The postings of label `l` (of feature `f`), as a SELECT list matching POSTING_COLUMNS. */
const postingValues = (l: string, f: string) => `x.lexeme, ${priorOf(l)}, ${l}."id", ${f}."saeId", ${l}."source", ${unlabelledOf(f)}, ${f}."density",
    ${l}."featureId", ${qualityOf(l)}, LEAST(length(${l}."searchVector"), 32767)::smallint, COALESCE(${f}."currentLabelId" = ${l}."id", false)`;

/** A PL/pgSQL trigger function (AFTER, so its result is ignored) whose body is `body`. */
const triggerFunction = (name: string, body: string) => `
CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
${body}
  RETURN NULL;
END
$fn$`;

/**
 * Statements on transition tables, run with EXECUTE so each is planned for this statement's row
 * count: a plan cached from a 100,000-row bulk write (hash joins over SearchPosting) would make
 * every later single-label edit scan the whole table, and a one-row plan would be kept for bulks.
 */
const planned = (...statements: string[]) => statements.map((sql) => `  EXECUTE $q$${sql}$q$;`).join("\n");

/** The columns whose change rewrites a label's postings (its lexemes, prior, or what the postings carry). */
const LABEL_KEY = (t: string) => `(${t}."text", ${t}."status", ${t}."voteScore", ${t}."detectionScore", ${t}."simulationScore", ${t}."source", ${t}."featureId")`;
/** The columns of a feature that its labels' postings carry. */
const FEATURE_KEY = (t: string) => `(${t}."saeId", ${t}."density", ${unlabelledOf(t)}, ${t}."currentLabelId")`;

/*
 * Statement-level triggers with transition tables: a statement that writes one label costs what a
 * row trigger did, and a statement that writes 100,000 labels or features maintains their postings
 * in a few set-wise statements instead of 100,000 trigger calls (each a small join: a bulk UPDATE of
 * 50,000 features' current labels went from more than 15 minutes to seconds). PostgreSQL allows
 * transition tables on one event per trigger, hence three on Label.
 */
const LABEL_INSERT_FUNCTION = triggerFunction("featurescope_label_postings_insert", planned(`INSERT INTO "SearchPosting" (${POSTING_COLUMNS})
  SELECT ${postingValues("n", "f")}
  FROM new_labels n JOIN "Feature" f ON f."id" = n."featureId" CROSS JOIN unnest(tsvector_to_array(n."searchVector")) AS x(lexeme)
  ON CONFLICT DO NOTHING`));

const LABEL_DELETE_FUNCTION = triggerFunction("featurescope_label_postings_delete", planned(`DELETE FROM "SearchPosting" p
  USING old_labels o CROSS JOIN unnest(tsvector_to_array(o."searchVector")) AS x(lexeme)
  WHERE p."lexeme" = x.lexeme AND p."prior" = ${priorOf("o")} AND p."labelId" = o."id"`));

// The changed rows are found first, in one hash join of the two transition tables (MATERIALIZED):
// joined inside the posting lookup, the planner rescanned the new rows once per old row, and a
// 10,000-label update took minutes.
const LABEL_UPDATE_FUNCTION = triggerFunction("featurescope_label_postings_update", planned(`WITH changed AS MATERIALIZED (
    SELECT o."id", o."searchVector", ${priorOf("o")} AS prior
    FROM old_labels o JOIN new_labels n ON n."id" = o."id"
    WHERE ${LABEL_KEY("o")} IS DISTINCT FROM ${LABEL_KEY("n")})
  DELETE FROM "SearchPosting" p
  USING changed c CROSS JOIN unnest(tsvector_to_array(c."searchVector")) AS x(lexeme)
  WHERE p."lexeme" = x.lexeme AND p."prior" = c.prior AND p."labelId" = c."id"`, `WITH changed AS MATERIALIZED (
    SELECT n.* FROM new_labels n JOIN old_labels o ON o."id" = n."id"
    WHERE ${LABEL_KEY("o")} IS DISTINCT FROM ${LABEL_KEY("n")})
  INSERT INTO "SearchPosting" (${POSTING_COLUMNS})
  SELECT ${postingValues("n", "f")}
  FROM changed n JOIN "Feature" f ON f."id" = n."featureId" CROSS JOIN unnest(tsvector_to_array(n."searchVector")) AS x(lexeme)
  ON CONFLICT DO NOTHING`));

const FEATURE_TRIGGER_FUNCTION = triggerFunction("featurescope_feature_postings", planned(`WITH changed AS MATERIALIZED (
    SELECT n."id", n."saeId", n."density", ${unlabelledOf("n")} AS unlabelled, n."currentLabelId"
    FROM new_features n JOIN old_features o ON o."id" = n."id"
    WHERE ${FEATURE_KEY("o")} IS DISTINCT FROM ${FEATURE_KEY("n")})
  UPDATE "SearchPosting" p
  SET "saeId" = c."saeId", "density" = c."density", "unlabelled" = c.unlabelled,
      "isCurrent" = COALESCE(c."currentLabelId" = l."id", false)
  FROM changed c JOIN "Label" l ON l."featureId" = c."id" CROSS JOIN unnest(tsvector_to_array(l."searchVector")) AS x(lexeme)
  WHERE p."lexeme" = x.lexeme AND p."prior" = ${priorOf("l")} AND p."labelId" = l."id"`));

const TRUNCATE_FUNCTION = triggerFunction("featurescope_truncate_postings", `  TRUNCATE "SearchPosting";`);

const TRIGGERS = [
  // the row-level triggers of earlier versions
  `DROP TRIGGER IF EXISTS featurescope_label_postings ON "Label"`,
  `DROP FUNCTION IF EXISTS featurescope_label_postings()`,
  `DROP TRIGGER IF EXISTS featurescope_label_postings_insert ON "Label"`,
  `CREATE TRIGGER featurescope_label_postings_insert AFTER INSERT ON "Label"
   REFERENCING NEW TABLE AS new_labels FOR EACH STATEMENT EXECUTE FUNCTION featurescope_label_postings_insert()`,
  `DROP TRIGGER IF EXISTS featurescope_label_postings_update ON "Label"`,
  `CREATE TRIGGER featurescope_label_postings_update AFTER UPDATE ON "Label"
   REFERENCING OLD TABLE AS old_labels NEW TABLE AS new_labels FOR EACH STATEMENT EXECUTE FUNCTION featurescope_label_postings_update()`,
  `DROP TRIGGER IF EXISTS featurescope_label_postings_delete ON "Label"`,
  `CREATE TRIGGER featurescope_label_postings_delete AFTER DELETE ON "Label"
   REFERENCING OLD TABLE AS old_labels FOR EACH STATEMENT EXECUTE FUNCTION featurescope_label_postings_delete()`,
  `DROP TRIGGER IF EXISTS featurescope_label_truncate ON "Label"`,
  `CREATE TRIGGER featurescope_label_truncate AFTER TRUNCATE ON "Label" FOR EACH STATEMENT EXECUTE FUNCTION featurescope_truncate_postings()`,
  `DROP TRIGGER IF EXISTS featurescope_feature_postings ON "Feature"`,
  `CREATE TRIGGER featurescope_feature_postings AFTER UPDATE ON "Feature"
   REFERENCING OLD TABLE AS old_features NEW TABLE AS new_features FOR EACH STATEMENT EXECUTE FUNCTION featurescope_feature_postings()`,
];

/**
 * Searches read SearchPosting with index-only scans, which fall back to the heap on pages that
 * hold dead rows (every label write replaces its postings): vacuum it after 1% changes, not the
 * default 20% (880,000 rows for a million labels). Measured on the benchmark's million labels:
 * 20,000 label writes left unvacuumed took concurrent search p95 from 40 to 65 ms.
 */
const STORAGE = [
  `ALTER TABLE "SearchPosting" SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_insert_scale_factor = 0.01, autovacuum_analyze_scale_factor = 0.02)`,
];

const ROUTINES = [
  ...STORAGE, ...PRIOR_FUNCTIONS, LABEL_INSERT_FUNCTION, LABEL_UPDATE_FUNCTION, LABEL_DELETE_FUNCTION, FEATURE_TRIGGER_FUNCTION, TRUNCATE_FUNCTION,
  ...TRIGGERS,
];

/** Identifies the routines (and so the priors stored in SearchPosting) installed in a database. */
export const SEARCH_ROUTINES_VERSION = createHash("sha256").update(ROUTINES.join(";\n")).digest("hex").slice(0, 16);

/** What SearchPosting must hold: every label's postings, computed from Label and Feature now. */
export const EXPECTED_POSTINGS_SQL = `SELECT ${postingValues("l", "f")}
   FROM "Label" l JOIN "Feature" f ON f."id" = l."featureId" CROSS JOIN unnest(tsvector_to_array(l."searchVector")) AS x(lexeme)`;

/**
 * Every label's postings, from scratch, in one statement (the key is rebuilt after the load, which is
 * far faster than inserting 4–5 million rows into it). Takes the caller's transaction's locks.
 */
export const REBUILD_POSTINGS = [
  `LOCK TABLE "Label" IN SHARE MODE`,
  `TRUNCATE "SearchPosting"`,
  `ALTER TABLE "SearchPosting" DROP CONSTRAINT "SearchPosting_pkey"`,
  `INSERT INTO "SearchPosting" (${POSTING_COLUMNS}) ${EXPECTED_POSTINGS_SQL}`,
  `ALTER TABLE "SearchPosting" ADD CONSTRAINT "SearchPosting_pkey" PRIMARY KEY (${POSTING_COLUMNS})`,
];

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(parseDatabaseUrl(url));
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function inTransaction(client: pg.Client, statements: string[]): Promise<void> {
  await client.query("BEGIN");
  try {
    for (const statement of statements) await client.query(statement);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  }
}

/**
 * Installs the search routines if the database has another version of them (or none), and then
 * rebuilds every posting. Returns whether anything changed. Safe to call from several processes.
 */
export async function installSearchRoutines(url: string): Promise<{ installed: boolean; postings: number }> {
  return withClient(url, async (client) => {
    const installedVersion = async () => {
      const { rows } = await client.query<{ version: string | null }>(
        `SELECT obj_description(p.oid, 'pg_proc') AS version FROM pg_proc p WHERE p.proname = 'featurescope_label_prior'`,
      );
      return rows[0]?.version ?? null;
    };
    if ((await installedVersion()) === SEARCH_ROUTINES_VERSION) return { installed: false, postings: -1 };
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await client.query("BEGIN");
    try {
      // one installer at a time; a second one finds the version in place and installs nothing
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('featurescope_search_routines'))`);
      if ((await installedVersion()) === SEARCH_ROUTINES_VERSION) {
        await client.query("COMMIT");
        return { installed: false, postings: -1 };
      }
      for (const statement of ROUTINES) await client.query(statement);
      for (const statement of REBUILD_POSTINGS) await client.query(statement);
      await client.query(`COMMENT ON FUNCTION featurescope_label_prior("LabelStatus", integer, real, real, integer) IS '${SEARCH_ROUTINES_VERSION}'`);
      await client.query("COMMIT");
    } catch (error) {
      await client.query("ROLLBACK");
      throw new Error(`installing the label search routines failed: ${(error as Error).message}`);
    }
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "SearchPosting"`);
    return { installed: true, postings: Number(rows[0].n) };
  });
}

let checked: { url: string; done: Promise<void> } | null = null;

/**
 * Makes sure the database this process searches has the current routines: a database brought up to
 * date by `prisma migrate deploy` alone (not `npm start`) has the SearchPosting table but no
 * triggers, and label search would silently find nothing. Checked once per process (one query) at
 * the first label search; installed, with every posting built, if missing or outdated.
 */
export function ensureSearchRoutines(url = currentDatabaseUrl()): Promise<void> {
  if (checked?.url !== url) {
    const done = installSearchRoutines(url).then(({ installed, postings }) => {
      if (installed) console.warn(`[search] installed the label search routines (built ${postings} postings): run migrations through npm start or lib/db/migrate.ts to do this ahead of the first search`);
    });
    done.catch(() => { checked = null; });
    checked = { url, done };
  }
  return checked.done;
}

/** Forgets the check above (tests that remove the routines). */
export function resetSearchRoutinesCheck(): void {
  checked = null;
}

/** Rebuilds every posting (after a bulk load with triggers off). */
export async function rebuildSearchPostings(url: string): Promise<number> {
  return withClient(url, async (client) => {
    await client.query(`SET maintenance_work_mem = '256MB'`);
    await inTransaction(client, REBUILD_POSTINGS);
    await client.query(`VACUUM ANALYZE "SearchPosting"`);
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "SearchPosting"`);
    return Number(rows[0].n);
  });
}
