/**
 * The labels panel mounted on the feature page: loads the labels, comments and the signed-in user
 * on the server (first paint needs no request), then hands over to the client component.
 */
import { currentUser } from "@/lib/auth/session";
import { listComments, listFeatureLabels, resolveFeature } from "@/lib/db/labels";
import { LabelsPanelClient } from "./LabelsPanelClient";
import "./labels.css";

export async function LabelsPanel({ saeId, index }: { saeId: number; index: number }) {
  const feature = await resolveFeature(saeId, index).catch(() => null);
  if (!feature) return null;
  const user = await currentUser();
  const [labels, comments] = await Promise.all([listFeatureLabels(feature.featureId, user?.id ?? null), listComments(feature.featureId)]);
  return (
    <LabelsPanelClient
      saeId={saeId}
      index={index}
      viewer={user ? { id: user.id, role: user.role } : null}
      initialLabels={{ featureId: feature.featureId, ...labels }}
      initialComments={comments}
    />
  );
}
