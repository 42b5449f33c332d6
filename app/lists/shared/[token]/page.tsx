/** A list opened through its share link (read-only; works while the owner shares it). */
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { getSharedList } from "@/lib/db/feature-lists";
import { ListItems } from "../../ListItems";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Shared list", robots: { index: false } };

export default async function SharedListPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  if (!/^[A-Za-z0-9_-]{16,64}$/.test(token)) notFound();
  const user = await currentUser();
  const list = await getSharedList(token, user?.id ?? null);
  if (!list) notFound();
  return (
    <div style={{ display: "grid", gap: "1rem", maxWidth: "60rem" }}>
      <h1>{list.name}</h1>
      <p className="muted">A list by {list.owner.name ?? "someone"} · {list.itemCount} features</p>
      {list.description && <p>{list.description}</p>}
      <ListItems list={list} />
    </div>
  );
}
