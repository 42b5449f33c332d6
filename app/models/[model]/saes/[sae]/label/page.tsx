/** The labelling queue of one SAE: next unlabelled feature, keyboard-first (see QueueClient). */
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { getAutoInterpSettings } from "@/lib/db/autointerp";
import { labellingProgress } from "@/lib/db/labelling";
import { getSaeByNames } from "@/lib/db/saes";
import { saeHref } from "@/app/components/format";
import { decodeSegment } from "@/app/components/segments";
import { QueueClient } from "@/app/components/labels/QueueClient";
import { AutoInterpButton } from "@/app/components/labels/AutoInterpButton";
import "@/app/components/browse.css";
import "@/app/components/labels/labels.css";

export const dynamic = "force-dynamic";

interface Params {
  params: Promise<{ model: string; sae: string }>;
  searchParams: Promise<{ start?: string }>;
}

export async function generateMetadata({ params }: Params): Promise<Metadata> {
  const { sae } = await params;
  return { title: `Label · ${decodeSegment(sae)}` };
}

export default async function LabelQueuePage({ params, searchParams }: Params) {
  const { model, sae: saeSegment } = await params;
  const { start } = await searchParams;
  const modelName = decodeSegment(model);
  const saeName = decodeSegment(saeSegment);
  const sae = await getSaeByNames(modelName, saeName);
  if (!sae) notFound();
  const [user, progress] = await Promise.all([currentUser(), labellingProgress(sae.id)]);
  const admin = user?.role === "admin";
  const settings = admin ? await getAutoInterpSettings() : null;
  const base = saeHref(modelName, saeName);
  const startIndex = start && /^\d{1,9}$/.test(start) ? Number(start) : null;
  return (
    <article aria-labelledby="queue-title">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <ol>
          <li><Link href="/">Models</Link></li>
          <li>{sae.model.displayName ?? sae.model.name}</li>
          <li><Link href={base}>{sae.name}</Link></li>
          <li aria-current="page">Labelling queue</li>
        </ol>
      </nav>
      <h1 id="queue-title">Label {sae.name}</h1>
      <p className="muted" style={{ marginTop: 0 }}>
        Features without an accepted label, one after another; machine drafts wait here for review.{" "}
        <Link href={`${base}?label=drafted`}>All machine drafts of this SAE</Link>
        {!user && <> · <Link href={`/signin?callbackUrl=${encodeURIComponent(`${base}/label`)}`}>Sign in</Link> to label</>}
      </p>
      {admin && (settings?.baseUrl && settings.model
        ? <AutoInterpButton saeId={sae.id} />
        : <p className="muted">Auto-interp can draft labels for review once a provider is set on <Link href="/admin/providers">Providers</Link>.</p>)}
      <QueueClient
        saeId={sae.id}
        modelName={modelName}
        saeName={saeName}
        viewer={user ? { id: user.id, role: user.role } : null}
        initialProgress={progress}
        startIndex={startIndex}
      />
    </article>
  );
}
