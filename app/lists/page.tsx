/** Your feature lists and bookmarks. */
import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { listMyLists } from "@/lib/db/feature-lists";
import { listBookmarks } from "@/lib/db/labels";
import { featureHref } from "@/app/components/format";
import { createListAction } from "./actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Lists and bookmarks" };

export default async function ListsPage({ searchParams }: { searchParams: Promise<{ error?: string }> }) {
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/lists");
  const { error } = await searchParams;
  const [lists, bookmarks] = await Promise.all([listMyLists(user.id), listBookmarks(user.id)]);
  return (
    <div style={{ display: "grid", gap: "1.2rem", maxWidth: "60rem" }}>
      <h1>Lists and bookmarks</h1>
      {error && <p className="error-text" role="alert">{error}</p>}
      <section aria-labelledby="lists-title">
        <h2 id="lists-title">Your lists</h2>
        {lists.length === 0 ? <p className="muted">No lists yet.</p> : (
          <ul>
            {lists.map((list) => (
              <li key={list.id}><Link href={`/lists/${list.id}`}>{list.name}</Link> <span className="muted">· {list.itemCount} features{list.isPublic ? " · shared" : ""}</span></li>
            ))}
          </ul>
        )}
        <form action={createListAction} className="panel" style={{ display: "grid", gap: "0.5rem", maxWidth: "32rem" }} aria-label="New list">
          <label>Name<br /><input name="name" required maxLength={120} style={{ width: "100%" }} /></label>
          <label>Description<br /><textarea name="description" rows={2} maxLength={2000} style={{ width: "100%" }} /></label>
          <label><input type="checkbox" name="isPublic" /> Anyone with the link can read it</label>
          <div><button type="submit">Create list</button></div>
        </form>
      </section>
      <section aria-labelledby="bookmarks-title">
        <h2 id="bookmarks-title">Bookmarks</h2>
        {bookmarks.length === 0 ? <p className="muted">No bookmarks: use ☆ on a feature page.</p> : (
          <ul>
            {bookmarks.map((b) => (
              <li key={b.featureId}><Link href={featureHref(b.modelName, b.saeName, b.index)}>{b.saeName} #{b.index}</Link> <span className="muted">{b.labelText ?? "no label"}</span></li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
