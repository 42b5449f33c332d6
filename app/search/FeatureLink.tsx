/** A search result's heading: the feature's address, linking to its page (/models/<model>/saes/<sae>/features/<index>). */
import Link from "next/link";
import { formatActivation, formatDensity } from "@/app/components/format";

export interface FeatureRef {
  modelName: string;
  saeName: string;
  hookName: string;
  index: number;
  density: number;
  maxActivation: number;
  dead: boolean;
  url: string;
}

export function FeatureLink({ feature }: { feature: FeatureRef }) {
  return (
    <div className="result-head">
      <Link href={feature.url} className="result-feature">
        <span className="result-index">#{feature.index}</span>{" "}
        <span className="result-where">{feature.modelName} · {feature.saeName}</span>
      </Link>
      <span className="mono muted result-hook">{feature.hookName}</span>
      {feature.dead && <span className="badge badge-dead">dead</span>}
    </div>
  );
}

export function FeatureStats({ feature }: { feature: FeatureRef }) {
  return (
    <>
      <span title="fraction of tokens the feature fires on">density {formatDensity(feature.density)}</span>
      <span>max {formatActivation(feature.maxActivation, 2)}</span>
    </>
  );
}
