/** A feature list's items as a table (shared by the owner's page and the share-link page). */
import Link from "next/link";
import type { FeatureListDto } from "@/lib/labels/contracts";
import { featureHref } from "@/app/components/format";

export function ListItems({ list, items = list.items ?? [], onRemove }: {
  list: Pick<FeatureListDto, "name" | "items">;
  items?: NonNullable<FeatureListDto["items"]>;
  onRemove?: (featureId: number) => React.ReactNode;
}) {
  if (items.length === 0) return <p className="muted">No features yet: add them from a feature page (“Add to list…”) or from search results (“Save to list”).</p>;
  return (
    <table className="data" aria-label={`Features in ${list.name}`}>
      <thead><tr><th>Feature</th><th>SAE</th><th>Label</th><th>Note</th>{onRemove && <th />}</tr></thead>
      <tbody>
        {items.map((item) => (
          <tr key={item.featureId}>
            <td><Link href={featureHref(item.modelName, item.saeName, item.index)}>#{item.index}</Link></td>
            <td>{item.modelName} / {item.saeName}</td>
            <td>{item.labelText ?? <span className="muted">no label</span>}</td>
            <td>{item.note ?? ""}</td>
            {onRemove && <td>{onRemove(item.featureId)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
