/**
 * Everything Prisma 6.19.3 needs to run fully offline, in one place (see ../../docs/DATABASE.md).
 *
 * Prisma 7's CLI downloads a native schema engine for every command; Prisma 6.19.3 with
 * `engine: "js"` (prisma.config.ts), the `prisma-client` generator with `engineType = "client"`
 * and the @prisma/adapter-pg driver adapter runs generate, migrate dev/deploy/reset and db push
 * with no download, provided four things are handled:
 *
 * 1. The migrate commands read pg_catalog columns whose types the adapter refuses
 *    ("Column type 'name' could not be deserialized", prisma/orm#27403). We report those
 *    column types to the adapter as text / text[] by wrapping pg's Result.addFields, the one
 *    place every row description passes through (wrapping client.query does not reach it).
 * 2. The adapter gets discrete connection fields, never a connection string: given a string,
 *    its shadow database silently becomes the main database and a second `migrate dev` fails.
 * 3. The CLI lingers 10–60 s after finishing because the wasm engine leaves long timers armed;
 *    prisma-unref-timers.cjs (preloaded with NODE_OPTIONS=--require) unrefs timers of 5 s or more.
 * 4. DATABASE_URL must always be set, or `prisma generate` tries to download the old query engine.
 * 5. The adapter drops its shadow database while its own pool still holds a connection to it
 *    ("database ... is being accessed by other users"): OfflinePrismaPg closes the pool first.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { currentDatabaseUrl, parseDatabaseUrl } from "./connection";

const TEXT = 25;
const TEXT_ARRAY = 1009;
// "char", name, int2vector, regproc, xid, oidvector, pg_node_tree, pg_ndistinct,
// pg_dependencies, pg_mcv_list, pg_ddl_command
const CATALOG_SCALARS = new Set([18, 19, 22, 24, 28, 30, 194, 2205, 2206, 3361, 3402]);
// their array types
const CATALOG_ARRAYS = new Set([1002, 1003, 1006, 1008, 1013, 2210, 2211]);

let patched = false;

/** (1) Report pg_catalog column types as text so the adapter can deserialise them. */
export function reportCatalogTypesAsText(): void {
  if (patched) return;
  patched = true;
  type Field = { dataTypeID: number };
  const ResultProto = (pg as unknown as { Result: { prototype: { addFields(fields: Field[]): void } } }).Result
    .prototype;
  const addFields = ResultProto.addFields;
  ResultProto.addFields = function (fields: Field[]) {
    for (const field of fields) {
      if (CATALOG_SCALARS.has(field.dataTypeID)) field.dataTypeID = TEXT;
      else if (CATALOG_ARRAYS.has(field.dataTypeID)) field.dataTypeID = TEXT_ARRAY;
    }
    return addFields.call(this, fields);
  };
}

/** (5) Creates and drops the shadow database itself, closing the shadow pool before the drop. */
class OfflinePrismaPg extends PrismaPg {
  constructor(private readonly fields: pg.PoolConfig) {
    super(fields);
  }

  override async connectToShadowDb() {
    const name = `prisma_migrate_shadow_db_${globalThis.crypto.randomUUID()}`;
    const admin = new pg.Client(this.fields);
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const shadow = await new PrismaPg({ ...this.fields, database: name }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      const dropper = new pg.Client(this.fields);
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    };
    return shadow;
  }
}

/** (2) The driver adapter, built from discrete fields. */
export function createPgAdapter(url = currentDatabaseUrl()): PrismaPg {
  return new OfflinePrismaPg({ ...parseDatabaseUrl(url), max: Number(process.env.FEATURESCOPE_PG_POOL ?? 10) });
}

/** (3) + (4) The environment the Prisma CLI runs with. */
export function prismaCliEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const preload = path.join(here, "prisma-unref-timers.cjs");
  const nodeOptions = [base.NODE_OPTIONS, `--require ${JSON.stringify(preload)}`].filter(Boolean).join(" ");
  return {
    ...base,
    DATABASE_URL: base.DATABASE_URL ?? currentDatabaseUrl(),
    NODE_OPTIONS: nodeOptions,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  };
}
