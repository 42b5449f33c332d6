/** /steer/sweep — one feature over N strengths: activation, KL from default and outputs per value. */
import type { Metadata } from "next";
import Link from "next/link";
import { initialFormState, steerModelOptions } from "../models";
import { SweepRunner } from "./SweepRunner";
import "@/app/components/browse.css";
import "../steer.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Strength sweep" };

export default async function SweepPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const models = await steerModelOptions();
  const initial = await initialFormState(models, await searchParams);
  return (
    <article aria-labelledby="sweep-title">
      <nav className="breadcrumbs" aria-label="Breadcrumb"><ol><li><Link href="/steer">Steer</Link></li><li aria-current="page">Strength sweep</li></ol></nav>
      <h1 id="sweep-title">Strength sweep</h1>
      <p className="muted steer-intro">
        Steer with one feature at several strengths, one run after another with the same seed. The chart shows the feature&apos;s
        mean activation on the steered completion&apos;s generated tokens (each at its own position) and the mean KL divergence of
        the steered from the default next-token distribution on the default text; the table shows what the model wrote at each
        strength. Each run is saved and counts against the rate limit.
      </p>
      {models.length === 0
        ? <div className="empty-state"><p>No models are imported yet.</p></div>
        : <SweepRunner key={JSON.stringify(initial)} models={models} initial={initial} />}
    </article>
  );
}
