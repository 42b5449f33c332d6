/** /steer — generate with SAE features added, clamped, multiplied or ablated, next to the default. */
import type { Metadata } from "next";
import Link from "next/link";
import { anonymousSteeringAllowed } from "@/lib/auth/anonymous-steering";
import { currentUser } from "@/lib/auth/session";
import { DEMO_PRESETS } from "@/lib/steering/presets";
import { steerHref } from "@/lib/steering/query";
import { initialFormState, steerModelOptions } from "./models";
import { SteerWorkbench } from "./SteerWorkbench";
import "@/app/components/browse.css";
import "./steer.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Steer" };

export default async function SteerPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const [models, user, params] = await Promise.all([steerModelOptions(), currentUser(), searchParams]);
  const initial = await initialFormState(models, params);
  const mustSignIn = !user && !(await anonymousSteeringAllowed());
  // presets whose model and SAE are imported, as one-click deep links
  const presets = DEMO_PRESETS.flatMap((preset) => {
    const model = models.find((m) => m.name === preset.model);
    const sae = model?.saes.find((s) => s.name === preset.sae);
    return model && sae && preset.feature < sae.dSae
      ? [{ ...preset, href: steerHref({ modelId: model.id, saeId: sae.id, feature: preset.feature, method: preset.method, value: preset.value, prompt: preset.prompt }) }]
      : [];
  });
  return (
    <article aria-labelledby="steer-title">
      <header className="steer-header">
        <h1 id="steer-title">Steer</h1>
        <nav className="steer-subnav" aria-label="Steering">
          <Link href="/steer/sweep">Strength sweep</Link>
          {user ? <Link href="/steer/history">Your runs</Link> : null}
          <Link href="/api-docs#tag/Steering">API</Link>
        </nav>
      </header>
      <p className="muted steer-intro">
        Change what the model computes at an SAE&apos;s hook and see what it writes instead: <strong>clamp</strong> pins a feature
        to a multiple of its max activation (10× is the &ldquo;Golden Gate&rdquo; strength), <strong>add</strong> adds its decoder
        direction, <strong>multiply</strong> scales it, <strong>ablate</strong> removes it.
      </p>
      {mustSignIn && (
        <p className="notice" role="status"><Link href="/signin?callbackUrl=/steer">Sign in</Link> to steer: this server does not let anonymous visitors steer.</p>
      )}
      {presets.length > 0 && (
        <nav className="steer-presets" aria-label="Steering presets" data-testid="steer-presets">
          <span className="muted">Try:</span>{" "}
          {presets.map((preset) => (
            <Link key={preset.id} className="button secondary" href={preset.href} title={`${preset.sae} #${preset.feature}, ${preset.method} ${preset.value}: ${preset.expect}`}>
              {preset.title}
            </Link>
          ))}
        </nav>
      )}
      {models.length === 0 ? (
        <div className="empty-state"><p>No models are imported yet. Import one with <code>npm run import</code>.</p></div>
      ) : (
        // a new run prefill (?run=, deep link) remounts the form with its state
        <SteerWorkbench key={JSON.stringify(initial)} models={models} initial={initial} signedIn={Boolean(user)} />
      )}
    </article>
  );
}
