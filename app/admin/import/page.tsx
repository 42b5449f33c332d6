/** Admin: import a model package and SAEs from the server's disk and watch their dashboards compute. */
import type { Metadata } from "next";
import path from "node:path";
import { redirect } from "next/navigation";
import { pageAccess } from "@/lib/auth/session";
import { ImportForm } from "./import-form";
import { RunsTable } from "./runs-table";
import "../../account/account.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Import" };

export default async function AdminImportPage() {
  const access = await pageAccess("admin");
  if (access.state === "anonymous") redirect("/signin?callbackUrl=/admin/import");
  if (access.state === "forbidden") {
    return (
      <div className="account-page">
        <h1>Import</h1>
        <p className="alert" role="alert">Only admins can import models and SAEs. You are signed in as {access.user.role}.</p>
      </div>
    );
  }
  const demo = path.resolve(/*turbopackIgnore: true*/ process.cwd(), "demo");
  return (
    <div className="account-page">
      <h1>Import a model and SAEs</h1>
      <p className="muted">
        Folders are paths on the server. Everything is validated before anything is written (config, tensor shapes and
        dtypes, the hook and its width, NaN/Inf); importing the same files again changes nothing. Dashboards are computed in
        the job worker and survive restarts: an interrupted run continues from its last checkpoint. The same as{" "}
        <code>npm run import</code>; see docs/IMPORT.md.
      </p>
      <ImportForm placeholders={{ model: path.join(demo, "model"), corpus: path.join(demo, "corpus") }} />
      <h2>Dashboard runs</h2>
      <RunsTable />
    </div>
  );
}
