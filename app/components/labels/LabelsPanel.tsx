/**
 * The labels panel mounted on the feature page: loads the labels, comments and the signed-in user
 * on the server (first paint needs no request), then hands over to the client component.
 */
import { currentUser } from "@/lib/auth/session";
import { db } from "@/lib/db/client";
import { getAutoInterpSettings } from "@/lib/db/autointerp";
import { listComments, listFeatureLabels, resolveFeature } from "@/lib/db/labels";
import { saeHref } from "@/app/components/format";
import { LabelsPanelClient } from "./LabelsPanelClient";
import "./labels.css";

export async function LabelsPanel({ saeId, index }: { saeId: number; index: number }) {
  const feature = await resolveFeature(saeId, index).catch(() => null);
  if (!feature) return null;
  const user = await currentUser();
  const [labels, comments, sae, settings] = await Promise.all([
    listFeatureLabels(feature.featureId, user?.id ?? null),
    listComments(feature.featureId),
    db().sae.findUnique({ where: { id: saeId }, select: { name: true, model: { select: { name: true } } } }),
    getAutoInterpSettings(),
  ]);
  return (
    <LabelsPanelClient
      saeId={saeId}
      index={index}
      viewer={user ? { id: user.id, role: user.role } : null}
      initialLabels={{ featureId: feature.featureId, ...labels }}
      initialComments={comments}
      queueHref={sae ? `${saeHref(sae.model.name, sae.name)}/label` : undefined}
      autoInterp={Boolean(settings.baseUrl && settings.model)}
    />
  );
}
