/** One of your lists: its features, sharing (link on/off, new link), removal. */
import type { Metadata } from "next";
import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import { publicOrigin } from "@/lib/auth/origin";
import { currentUser } from "@/lib/auth/session";
import { getOwnListSummary, listItemsPage } from "@/lib/db/feature-lists";
import { CopyButton } from "@/app/components/CopyButton";
import { deleteListAction, removeItemAction, shareListAction } from "../actions";
import { ListItems } from "../ListItems";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "List" };

/** Features shown per page of a list. */
const PAGE_SIZE = 100;

export default async function ListPage({ params, searchParams }: { params: Promise<{ id: string }>; searchParams: Promise<{ after?: string | string[] }> }) {
  const user = await currentUser();
  const { id } = await params;
  if (!user) redirect(`/signin?callbackUrl=/lists/${encodeURIComponent(id)}`);
  if (!/^\d{1,9}$/.test(id)) notFound();
  const rawAfter = (await searchParams).after;
  const after = typeof rawAfter === "string" && /^-?\d{1,10}\.\d{1,10}$/.test(rawAfter) ? rawAfter : undefined;
  const list = await getOwnListSummary(Number(id), user.id).catch(() => null);
  if (!list) notFound();
  const page = await listItemsPage(list.id, user.id, { after, limit: PAGE_SIZE });
  const sharePath = `/lists/shared/${list.shareToken}`;
  // the configured origin, never the request's Host (lib/auth/origin.ts)
  const shareUrl = `${publicOrigin()}${sharePath}`;
  return (
    <div style={{ display: "grid", gap: "1rem", maxWidth: "60rem" }}>
      <p><Link href="/lists">← All lists</Link></p>
      <h1>{list.name}</h1>
      {list.description && <p>{list.description}</p>}
      <section className="panel" aria-label="Sharing">
        {list.isPublic ? (
          <>
            <p>Anyone with this link can read the list: <a href={sharePath}>{shareUrl}</a> <CopyButton source={{ text: shareUrl }} label="Copy link" /></p>
            <form action={shareListAction} style={{ display: "inline" }}><input type="hidden" name="listId" value={list.id} /><button name="mode" value="unshare" className="secondary">Stop sharing</button></form>{" "}
            <form action={shareListAction} style={{ display: "inline" }}><input type="hidden" name="listId" value={list.id} /><button name="mode" value="rotate" className="secondary">New link (old one stops working)</button></form>
          </>
        ) : (
          <form action={shareListAction}><input type="hidden" name="listId" value={list.id} /><span className="muted">Private. </span><button name="mode" value="share">Share with a link</button></form>
        )}
      </section>
      <p className="muted">{list.itemCount} {list.itemCount === 1 ? "feature" : "features"}{list.itemCount > PAGE_SIZE ? `, ${PAGE_SIZE} a page` : ""}</p>
      <ListItems
        list={list}
        items={page.items}
        onRemove={(featureId) => (
          <form action={removeItemAction}><input type="hidden" name="listId" value={list.id} /><input type="hidden" name="featureId" value={featureId} /><button className="secondary">Remove</button></form>
        )}
      />
      {(after || page.nextCursor) && (
        <nav className="pager" aria-label="List pages" style={{ display: "flex", gap: "0.75rem" }}>
          {after ? <Link href={`/lists/${list.id}`}>First page</Link> : <span aria-disabled="true">First page</span>}
          {page.nextCursor ? <Link href={`/lists/${list.id}?after=${encodeURIComponent(page.nextCursor)}`} rel="next">Next →</Link> : <span aria-disabled="true">Next →</span>}
        </nav>
      )}
      <form action={deleteListAction}><input type="hidden" name="listId" value={list.id} /><button className="secondary">Delete this list</button></form>
    </div>
  );
}
