"use client";
/**
 * The keyboard labelling queue: shows the next feature without an accepted label, its top examples
 * and labels. Keys (ignored while typing): j / n next, k / p previous, l or e write a label (Enter
 * saves and moves on, Esc leaves the box), a accept the shown draft, x reject it, ? help.
 */
import { useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";
import type { LabelDto, ProgressDto } from "@/lib/labels/contracts";
import { activationColour } from "@/app/components/ExampleList";
import { featureHref, formatDensity } from "@/app/components/format";
import { apiCall } from "./client";
import { LabelList, labelsKey, useFeatureLabels, type Viewer } from "./LabelsPanelClient";

interface Props {
  saeId: number;
  modelName: string;
  saeName: string;
  viewer: Viewer | null;
  initialProgress: ProgressDto;
  startIndex: number | null;
}

interface FeatureDetail {
  feature: { index: number; maxActivation: number; density: number; dead: boolean };
  topExamples: { id: number; tokens: string[]; values: number[]; maxPosition: number }[];
}

const WINDOW = 20;

function ExampleLine({ tokens, values, maxPosition, max }: { tokens: string[]; values: number[]; maxPosition: number; max: number }) {
  const start = Math.max(0, maxPosition - WINDOW);
  const end = Math.min(tokens.length, maxPosition + WINDOW + 1);
  return (
    <p className="mono" style={{ margin: "0.2rem 0", whiteSpace: "pre-wrap", wordBreak: "break-word" }}>
      {tokens.slice(start, end).map((token, i) => (
        <span key={i} title={values[start + i]?.toFixed(3)} style={{ background: activationColour(values[start + i] ?? 0, max) }}>{token}</span>
      ))}
    </p>
  );
}

export function QueueClient({ saeId, modelName, saeName, viewer, initialProgress, startIndex }: Props) {
  const queryClient = useQueryClient();
  const canEdit = viewer !== null && viewer.role !== "viewer";
  const [picked, setIndex] = useState<number | null>(startIndex);
  const [finished, setDone] = useState(false);
  // the first feature of the queue, unless the URL chose one (?start=N)
  const first = useQuery({
    queryKey: ["queue-first", saeId],
    enabled: startIndex === null,
    staleTime: Infinity,
    queryFn: async () => {
      const result = await apiCall<{ index: number | null; remaining: number }>("GET", `/api/v1/saes/${saeId}/labelling/next?after=-1`);
      if (!result.ok) throw new Error(result.error?.message);
      return result.data!;
    },
  });
  const index = picked ?? first.data?.index ?? null;
  const done = finished || (picked === null && first.data !== undefined && first.data.index === null);
  const [history, setHistory] = useState<number[]>([]);
  const [skipped, setSkipped] = useState<number[]>([]);
  const [text, setText] = useState("");
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [help, setHelp] = useState(false);
  const [count, setCount] = useState(0);
  const input = useRef<HTMLInputElement>(null);

  const progress = useQuery({
    queryKey: ["progress", saeId],
    queryFn: async () => (await apiCall<ProgressDto>("GET", `/api/v1/saes/${saeId}/labelling/progress`)).data ?? initialProgress,
    initialData: initialProgress,
  });

  const goNext = useCallback(async (options: { skip?: boolean } = {}) => {
    const skip = options.skip && index !== null ? [...skipped, index] : skipped;
    if (options.skip) setSkipped(skip);
    const params = new URLSearchParams({ after: String(index ?? -1) });
    for (const s of skip) params.append("skip", String(s));
    const result = await apiCall<{ index: number | null; remaining: number }>("GET", `/api/v1/saes/${saeId}/labelling/next?${params}`);
    if (!result.ok) return setMessage({ kind: "error", text: result.error?.message ?? "Could not load the next feature." });
    if (result.data!.index === null) {
      setDone(true);
      return;
    }
    if (index !== null) setHistory((h) => [...h, index]);
    setIndex(result.data!.index);
    setText("");
  }, [index, saeId, skipped]);

  const goPrevious = useCallback(() => {
    if (history.length === 0) return setMessage({ kind: "error", text: "This is the first feature of the session." });
    setIndex(history[history.length - 1]);
    setHistory(history.slice(0, -1));
    setDone(false);
    setText("");
  }, [history]);

  const detail = useQuery({
    queryKey: ["feature-detail", saeId, index],
    enabled: index !== null,
    queryFn: async () => {
      const result = await apiCall<FeatureDetail>("GET", `/api/v1/saes/${saeId}/features/${index}`);
      if (!result.ok) throw new Error(result.error?.message);
      return result.data!;
    },
  });
  const labels = useFeatureLabels(saeId, index ?? -1);
  const labelList: LabelDto[] = index === null ? [] : (labels.data?.labels ?? []);
  const draft = labelList.find((l) => l.status === "draft" && l.isCurrent) ?? labelList.find((l) => l.status === "draft");

  const afterWrite = useCallback(async (text: string) => {
    setMessage({ kind: "ok", text });
    setCount((c) => c + 1);
    await queryClient.invalidateQueries({ queryKey: labelsKey(saeId, index ?? -1) });
    await queryClient.invalidateQueries({ queryKey: ["progress", saeId] });
    await goNext();
  }, [goNext, index, queryClient, saeId]);

  const review = useCallback(async (action: "accept" | "reject") => {
    if (!draft) return setMessage({ kind: "error", text: "This feature has no draft to review." });
    const result = await apiCall<LabelDto>("POST", `/api/v1/labels/${draft.id}/review`, { action, version: draft.version });
    if (!result.ok) {
      // 409: someone changed the draft since it was loaded; show the new version before anyone reviews it
      if (result.status === 409) await queryClient.invalidateQueries({ queryKey: labelsKey(saeId, index ?? -1) });
      return setMessage({ kind: "error", text: result.error?.message ?? "Failed." });
    }
    if (action === "accept") await afterWrite(`Accepted “${draft.text}” for feature ${index}.`);
    else {
      setMessage({ kind: "ok", text: `Rejected “${draft.text}”. Write a better label (l) or move on (j).` });
      await queryClient.invalidateQueries({ queryKey: labelsKey(saeId, index ?? -1) });
    }
  }, [afterWrite, draft, index, queryClient, saeId]);

  const saveLabel = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!text.trim() || index === null) return;
    const result = await apiCall<LabelDto>("POST", `/api/v1/saes/${saeId}/features/${index}/labels`, { text });
    if (!result.ok) return setMessage({ kind: "error", text: result.error?.message ?? "Failed." });
    input.current?.blur();
    await afterWrite(`Labelled feature ${index}: “${result.data!.text}”.`);
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) {
        if (event.key === "Escape") target.blur();
        return;
      }
      const key = event.key;
      if (key === "j" || key === "n") { event.preventDefault(); void goNext({ skip: true }); }
      else if (key === "k" || key === "p") { event.preventDefault(); goPrevious(); }
      else if ((key === "l" || key === "e") && canEdit) { event.preventDefault(); input.current?.focus(); }
      else if (key === "a" && canEdit) { event.preventDefault(); void review("accept"); }
      else if (key === "x" && canEdit) { event.preventDefault(); void review("reject"); }
      else if (key === "?") { event.preventDefault(); setHelp((h) => !h); }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [canEdit, goNext, goPrevious, review]);

  const p = progress.data;
  const featureDetail = detail.data;
  return (
    <div className="queue-layout">
      <div>
        <p className="muted" aria-live="polite">
          {done ? "Nothing left to label in this SAE." : index === null ? "Finding the next feature…" : <>Feature <strong>#{index}</strong> · <Link href={featureHref(modelName, saeName, index)}>open its page</Link>{detail.data && <> · density {formatDensity(detail.data.feature.density)}</>}</>}
        </p>
        {message && <p className={`notice ${message.kind}`} role="status">{message.text}</p>}
        {!done && index !== null && (
          <>
            <section aria-label="Top activating examples" className="panel" style={{ marginBottom: "0.8rem" }}>
              <h2 style={{ fontSize: "1rem", marginTop: 0 }}>Top activating examples</h2>
              {detail.isPending && <p className="muted">Loading…</p>}
              {detail.isError && <p className="notice error">{detail.error.message}</p>}
              {featureDetail?.topExamples.slice(0, 8).map((example) => (
                <ExampleLine key={example.id} tokens={example.tokens} values={example.values} maxPosition={example.maxPosition} max={featureDetail.feature.maxActivation} />
              ))}
              {detail.data && detail.data.topExamples.length === 0 && <p className="muted">No examples (dashboards not computed?).</p>}
            </section>
            <LabelList saeId={saeId} index={index} viewer={viewer} labels={labelList} />
            {canEdit ? (
              <form className="label-form" onSubmit={saveLabel} aria-label="Label this feature" style={{ marginTop: "0.6rem" }}>
                <label htmlFor="queue-label" className="visually-hidden">Label for feature {index}</label>
                <input id="queue-label" ref={input} type="text" value={text} maxLength={500} onChange={(e) => setText(e.target.value)}
                  placeholder="l: write a label, Enter: save and next" aria-keyshortcuts="l" />
                <button type="submit" disabled={!text.trim()}>Save &amp; next</button>
              </form>
            ) : <p className="muted">{viewer ? "Editors can label; you can browse the queue." : "Sign in as an editor to label."}</p>}
          </>
        )}
      </div>
      <aside aria-label="Progress and keys" style={{ display: "grid", gap: "0.8rem", alignContent: "start" }}>
        <section className="panel">
          <h2 style={{ fontSize: "1rem", marginTop: 0 }}>Progress</h2>
          <div className="progress-bar" role="progressbar" aria-label="Share labelled" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(p.share * 100)}>
            <span style={{ width: `${(p.share * 100).toFixed(1)}%` }} />
          </div>
          <p style={{ margin: "0.4rem 0" }}>{p.labelled} of {p.features} live features labelled ({(p.share * 100).toFixed(1)}%) · {p.drafted} drafts to review · {p.unlabelled} without a label</p>
          {count > 0 && <p className="muted">You did {count} this session.</p>}
          {p.byAuthor.length > 0 && (
            <table className="data" aria-label="Labelled by">
              <thead><tr><th>By</th><th>Accepted labels</th></tr></thead>
              <tbody>{p.byAuthor.map((a) => <tr key={`${a.source}-${a.authorId}-${a.name}`}><td>{a.name}{a.source === "model" ? " (machine)" : ""}</td><td>{a.labelled}</td></tr>)}</tbody>
            </table>
          )}
          <p style={{ marginBottom: 0 }}>Export: <a href={`/api/v1/saes/${saeId}/labels/export?format=jsonl`}>JSONL</a> · <a href={`/api/v1/saes/${saeId}/labels/export?format=csv`}>CSV</a></p>
        </section>
        <section className="panel" aria-label="Keyboard shortcuts">
          <h2 style={{ fontSize: "1rem", marginTop: 0 }}>Keys {help ? "" : <small className="muted">(? for more)</small>}</h2>
          <ul style={{ margin: 0, paddingLeft: "1.1rem" }}>
            <li><span className="kbd">j</span> next · <span className="kbd">k</span> previous</li>
            <li><span className="kbd">l</span> write a label, <span className="kbd">Enter</span> save &amp; next</li>
            <li><span className="kbd">a</span> accept the draft · <span className="kbd">x</span> reject it</li>
            {help && <li><span className="kbd">n</span>/<span className="kbd">p</span> also next/previous; <span className="kbd">e</span> also edits; <span className="kbd">Esc</span> leaves the text box</li>}
          </ul>
        </section>
      </aside>
    </div>
  );
}
