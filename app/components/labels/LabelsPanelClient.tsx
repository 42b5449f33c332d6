"use client";
/**
 * The feature page's labels panel: labels ranked with votes, edit with revision history and a merge
 * view on conflicts (409: both versions side by side, nothing lost), review of machine drafts
 * (accept / reject), choosing the current label, comments, bookmark and add-to-list.
 * Every write goes through /api/v1, where roles are enforced; the buttons only mirror them.
 */
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { CommentDto, FeatureListDto, LabelConflictDetails, LabelDto } from "@/lib/labels/contracts";
import { apiCall } from "./client";
import { Diff } from "./Diff";
import { AutoInterpButton } from "./AutoInterpButton";

export interface Viewer {
  id: number;
  role: "viewer" | "editor" | "admin";
}

interface FeatureLabels {
  featureId: number;
  currentLabelId: number | null;
  labels: LabelDto[];
}

interface Props {
  saeId: number;
  index: number;
  viewer: Viewer | null;
  initialLabels: FeatureLabels;
  initialComments: CommentDto[];
  /** compact: the labelling queue shows labels without comments and lists */
  compact?: boolean;
  /** the SAE's labelling queue */
  queueHref?: string;
  /** whether an auto-interp provider is configured */
  autoInterp?: boolean;
}

export const labelsKey = (saeId: number, index: number) => ["labels", saeId, index] as const;

export function useFeatureLabels(saeId: number, index: number, initial?: FeatureLabels) {
  return useQuery({
    queryKey: labelsKey(saeId, index),
    queryFn: async () => {
      const result = await apiCall<FeatureLabels>("GET", `/api/v1/saes/${saeId}/features/${index}/labels`);
      if (!result.ok) throw new Error(result.error?.message);
      return result.data!;
    },
    initialData: initial,
    staleTime: 0,
    enabled: index >= 0,
  });
}

function scoreText(value: number | null): string {
  return value === null ? "—" : value.toFixed(2);
}

function ProvenanceDetails({ label }: { label: LabelDto }) {
  if (label.source !== "model") return null;
  const p = (label.provenance ?? {}) as Record<string, unknown>;
  const details = (label.scoreDetails ?? {}) as { detection?: Record<string, unknown>; simulation?: Record<string, unknown> };
  return (
    <details className="provenance">
      <summary>
        Machine draft · {String(p.model ?? "unknown model")} · prompt {String(p.promptVersion ?? "?")}
      </summary>
      <dl>
        <dt>Provider</dt><dd className="mono">{String(p.provider ?? "—")}</dd>
        <dt>Detection (balanced accuracy)</dt>
        <dd>{scoreText(label.detectionScore)}{details.detection ? ` — n=${String(details.detection.n ?? "?")}, TP ${String(details.detection.tp ?? "?")}, FN ${String(details.detection.fn ?? "?")}, TN ${String(details.detection.tn ?? "?")}, FP ${String(details.detection.fp ?? "?")}` : ""}</dd>
        <dt>Simulation (Pearson r)</dt>
        <dd>{scoreText(label.simulationScore)}{details.simulation ? ` — ${String(details.simulation.n ?? "?")} records, ${String(details.simulation.tokens ?? "?")} tokens` : ""}</dd>
        {p.examplesShown !== undefined && <><dt>Examples</dt><dd className="mono">{JSON.stringify(p.examplesShown)}</dd></>}
      </dl>
    </details>
  );
}

function History({ labelId }: { labelId: number }) {
  const query = useQuery({
    queryKey: ["label-revisions", labelId],
    queryFn: async () => {
      const result = await apiCall<{ revisions: { id: number; version: number; text: string; status: string; editor: { name: string | null } | null; note: string | null; createdAt: string }[] }>(
        "GET", `/api/v1/labels/${labelId}/revisions`,
      );
      if (!result.ok) throw new Error(result.error?.message);
      return result.data!.revisions;
    },
    staleTime: 0,
  });
  if (query.isPending) return <p className="muted">Loading history…</p>;
  if (query.isError) return <p className="notice error">{query.error.message}</p>;
  const revisions = query.data;
  return (
    <ol className="revision-list" aria-label="Revision history">
      {revisions.map((revision, i) => {
        const previous = revisions[i + 1];
        return (
          <li key={revision.id}>
            <strong>v{revision.version}</strong> <span className="muted">{revision.status} · {revision.editor?.name ?? "machine"} · {new Date(revision.createdAt).toLocaleString()}{revision.note ? ` · ${revision.note}` : ""}</span>
            <div>{previous ? <Diff before={previous.text} after={revision.text} /> : revision.text}</div>
          </li>
        );
      })}
    </ol>
  );
}

function LabelCard({ label, viewer, saeId, index }: { label: LabelDto; viewer: Viewer | null; saeId: number; index: number }) {
  const queryClient = useQueryClient();
  const canEdit = viewer !== null && viewer.role !== "viewer";
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState(label.text);
  const [baseVersion, setBaseVersion] = useState(label.version);
  const [conflict, setConflict] = useState<LabelConflictDetails | null>(null);
  const [showHistory, setShowHistory] = useState(false);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [stale, setStale] = useState(false);
  // a newer version arrived (someone's edit or review, or ours): an edit in progress keeps its text
  // and the version it started from, so saving it shows the conflict view instead of losing it
  const [seenVersion, setSeenVersion] = useState(label.version);
  if (label.version !== seenVersion) {
    setSeenVersion(label.version);
    setStale(false);
    if (!editing) setText(label.text);
  }

  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: labelsKey(saeId, index) });
    void queryClient.invalidateQueries({ queryKey: ["label-revisions", label.id] });
  };
  const mutation = useMutation({
    mutationFn: async (request: { method: string; url: string; body: unknown; done?: string }) => {
      const result = await apiCall<LabelDto>(request.method, request.url, request.body);
      return { ...result, done: request.done };
    },
    onSuccess: (result) => {
      if (result.ok) {
        setMessage(result.done ? { kind: "ok", text: result.done } : null);
        refresh();
      } else if (result.status === 409 && (result.error?.details as LabelConflictDetails | undefined)?.current) {
        const details = result.error!.details as LabelConflictDetails;
        if (editing) {
          setConflict(details); // the merge view below
          setMessage(null);
        } else {
          // a review (accept / reject / reopen) of a version someone has just changed: nothing was saved
          setMessage({ kind: "error", text: `Not saved: someone changed this label since you loaded it — it is now v${details.current.version} (${details.current.status}): “${details.current.text}”. Look at it again before reviewing.` });
          setStale(true);
        }
      } else {
        setMessage({ kind: "error", text: result.error?.message ?? "Failed." });
      }
    },
  });

  const startEdit = () => {
    setText(label.text);
    setBaseVersion(label.version);
    setConflict(null);
    setEditing(true);
  };
  const save = (version: number) =>
    mutation.mutate(
      { method: "PATCH", url: `/api/v1/labels/${label.id}`, body: { version, text }, done: "Saved." },
      {
        onSuccess: (result) => {
          if (result.ok) {
            setEditing(false);
            setConflict(null);
          }
        },
      },
    );
  const review = (action: "accept" | "reject" | "reopen") =>
    mutation.mutate({ method: "POST", url: `/api/v1/labels/${label.id}/review`, body: { action, version: label.version }, done: action === "accept" ? "Accepted." : action === "reject" ? "Rejected." : "Reopened as a draft." });
  const vote = (value: -1 | 1) =>
    mutation.mutate({ method: "PUT", url: `/api/v1/labels/${label.id}/vote`, body: { value: label.myVote === value ? 0 : value } });
  const pin = (pinned: boolean) =>
    mutation.mutate({ method: "PUT", url: `/api/v1/labels/${label.id}/pin`, body: { pinned }, done: pinned ? "Now the shown label." : "Ranking chooses the shown label again." });

  return (
    <li className={`label-card${label.isCurrent ? " is-current" : ""}`} aria-label={`Label: ${label.text}`} data-label-id={label.id}>
      <div className="label-line">
        <span className="label-body">{label.text}</span>
        <span className={`badge badge-${label.status}`}>{label.status}</span>
        <span className="badge badge-source">{label.source === "model" ? "machine" : "human"}</span>
        {label.isCurrent && <span className="badge badge-accepted">shown{label.pinned ? " (chosen by reviewer)" : ""}</span>}
      </div>
      <div className="label-facts">
        <span>{label.source === "human" ? `by ${label.author?.name ?? "unknown"}` : "machine-written"}</span>
        <span>v{label.version}</span>
        <span>votes {label.voteScore > 0 ? `+${label.voteScore}` : label.voteScore}</span>
        {label.detectionScore !== null && <span>detection {scoreText(label.detectionScore)}</span>}
        {label.simulationScore !== null && <span>simulation {scoreText(label.simulationScore)}</span>}
      </div>
      <ProvenanceDetails label={label} />
      <div className="label-actions">
        {canEdit && (
          <>
            <button type="button" className="vote-button" aria-pressed={label.myVote === 1} aria-label={`Vote up: ${label.text}`} onClick={() => vote(1)}>▲</button>
            <button type="button" className="vote-button" aria-pressed={label.myVote === -1} aria-label={`Vote down: ${label.text}`} onClick={() => vote(-1)}>▼</button>
            {!editing && <button type="button" className="secondary" onClick={startEdit}>Edit</button>}
            {label.status === "draft" && <button type="button" onClick={() => review("accept")}>Accept</button>}
            {label.status !== "rejected" && <button type="button" className="secondary" onClick={() => review("reject")}>Reject</button>}
            {label.status === "rejected" && <button type="button" className="secondary" onClick={() => review("reopen")}>Reopen</button>}
            {label.status !== "rejected" && !label.pinned && !label.isCurrent && <button type="button" className="secondary" onClick={() => pin(true)}>Make shown label</button>}
            {label.pinned && <button type="button" className="secondary" onClick={() => pin(false)}>Let votes decide</button>}
          </>
        )}
        <button type="button" className="secondary" aria-expanded={showHistory} onClick={() => setShowHistory((v) => !v)}>History</button>
      </div>
      {message && <p className={`notice ${message.kind}`} role="status">{message.text}</p>}
      {stale && <button type="button" className="secondary" onClick={refresh}>Show the current version</button>}
      {editing && (
        <div className="label-form">
          <label className="visually-hidden" htmlFor={`edit-${label.id}`}>Label text</label>
          <textarea id={`edit-${label.id}`} aria-label="Edit label text" rows={2} value={text} maxLength={500} onChange={(e) => setText(e.target.value)} />
          {!conflict && <button type="button" disabled={mutation.isPending || text.trim() === ""} onClick={() => save(baseVersion)}>Save</button>}
          <button type="button" className="secondary" onClick={() => { setEditing(false); setConflict(null); }}>Cancel</button>
        </div>
      )}
      {editing && conflict && (
        <div className="conflict-box" role="alert" aria-label="Edit conflict">
          <strong>Someone else saved version {conflict.current.version} while you were editing version {conflict.submitted.version}.</strong>
          <div className="versions">
            <div><h3>Theirs (v{conflict.current.version}, saved)</h3><p>{conflict.current.text}</p></div>
            <div><h3>Yours (not saved)</h3><p>{conflict.submitted.text ?? text}</p></div>
          </div>
          <p>Changes from theirs to yours: <Diff before={conflict.current.text} after={conflict.submitted.text ?? text} /></p>
          <p className="muted">Merge in the box above, then save on top of their version — or keep theirs.</p>
          <div className="label-actions">
            <button type="button" disabled={mutation.isPending || text.trim() === ""} onClick={() => save(conflict.current.version)}>Save merged text as v{conflict.current.version + 1}</button>
            <button type="button" className="secondary" onClick={() => setText(`${conflict.current.text}; ${text}`)}>Combine both</button>
            <button type="button" className="secondary" onClick={() => { setEditing(false); setConflict(null); refresh(); }}>Keep theirs</button>
          </div>
        </div>
      )}
      {showHistory && <History labelId={label.id} />}
    </li>
  );
}

export function LabelList({ saeId, index, viewer, labels }: { saeId: number; index: number; viewer: Viewer | null; labels: LabelDto[] }) {
  if (labels.length === 0) return <p className="muted">No labels yet.</p>;
  return (
    <ul className="label-list" style={{ listStyle: "none", padding: 0, margin: 0, display: "grid", gap: "0.5rem" }}>
      {labels.map((label) => <LabelCard key={label.id} label={label} viewer={viewer} saeId={saeId} index={index} />)}
    </ul>
  );
}

export function AddLabelForm({ saeId, index, onAdded, inputId = "new-label" }: { saeId: number; index: number; onAdded?: () => void; inputId?: string }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!text.trim()) return;
    setBusy(true);
    const result = await apiCall<LabelDto>("POST", `/api/v1/saes/${saeId}/features/${index}/labels`, { text });
    setBusy(false);
    if (!result.ok) return setError(result.error?.message ?? "Failed.");
    setText("");
    setError(null);
    await queryClient.invalidateQueries({ queryKey: labelsKey(saeId, index) });
    onAdded?.();
  };
  return (
    <form className="label-form" onSubmit={submit} aria-label="Add a label">
      <label htmlFor={inputId} className="visually-hidden">New label</label>
      <input id={inputId} type="text" placeholder="Describe what this feature detects…" maxLength={500} value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit" disabled={busy || !text.trim()}>Add label</button>
      {error && <p className="notice error" role="alert">{error}</p>}
    </form>
  );
}

function Comments({ saeId, index, viewer, initial }: { saeId: number; index: number; viewer: Viewer | null; initial: CommentDto[] }) {
  const queryClient = useQueryClient();
  const key = ["comments", saeId, index];
  const query = useQuery({
    queryKey: key,
    queryFn: async () => {
      const result = await apiCall<{ comments: CommentDto[] }>("GET", `/api/v1/saes/${saeId}/features/${index}/comments`);
      if (!result.ok) throw new Error(result.error?.message);
      return result.data!.comments;
    },
    initialData: initial,
  });
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const canComment = viewer !== null && viewer.role !== "viewer";
  const post = async (event: React.FormEvent) => {
    event.preventDefault();
    const result = await apiCall<CommentDto>("POST", `/api/v1/saes/${saeId}/features/${index}/comments`, { body });
    if (!result.ok) return setError(result.error?.message ?? "Failed.");
    setBody("");
    setError(null);
    await queryClient.invalidateQueries({ queryKey: key });
  };
  const remove = async (id: number) => {
    const result = await apiCall("DELETE", `/api/v1/comments/${id}`);
    if (!result.ok) return setError(result.error?.message ?? "Failed.");
    await queryClient.invalidateQueries({ queryKey: key });
  };
  const comments = query.data ?? [];
  return (
    <section aria-labelledby="comments-title">
      <h2 id="comments-title">Discussion ({comments.filter((c) => !c.deleted).length})</h2>
      {comments.length === 0 && <p className="muted">No comments yet.</p>}
      <ul className="comment-list">
        {comments.map((comment) => (
          <li key={comment.id}>
            <div className="muted" style={{ fontSize: "0.85rem" }}>{comment.author?.name ?? "unknown"} · {new Date(comment.createdAt).toLocaleString()}
              {!comment.deleted && viewer && (viewer.id === comment.author?.id || viewer.role === "admin") && (
                <> · <button type="button" className="secondary" style={{ padding: "0 0.4rem", fontSize: "0.8rem" }} onClick={() => remove(comment.id)}>delete</button></>
              )}
            </div>
            {comment.deleted ? <p className="muted">[deleted]</p>
              // html is rendered on the server by lib/labels/markdown.ts: source escaped first, only known formatting added
              : <div className="comment-body" dangerouslySetInnerHTML={{ __html: comment.html }} />}
          </li>
        ))}
      </ul>
      {canComment && (
        <form onSubmit={post} className="label-form" aria-label="Add a comment" style={{ marginTop: "0.5rem" }}>
          <textarea aria-label="Comment (Markdown)" rows={3} maxLength={10000} value={body} placeholder="Markdown: **bold**, *italic*, `code`, [links](https://…), lists, > quotes" onChange={(e) => setBody(e.target.value)} />
          <button type="submit" disabled={!body.trim()}>Comment</button>
        </form>
      )}
      {error && <p className="notice error" role="alert">{error}</p>}
    </section>
  );
}

function SaveControls({ saeId, index }: { saeId: number; index: number }) {
  const queryClient = useQueryClient();
  const bookmark = useQuery({
    queryKey: ["bookmark", saeId, index],
    queryFn: async () => (await apiCall<{ bookmarked: boolean }>("GET", `/api/v1/saes/${saeId}/features/${index}/bookmark`)).data?.bookmarked ?? false,
  });
  const lists = useQuery({
    queryKey: ["my-lists"],
    queryFn: async () => (await apiCall<{ lists: FeatureListDto[] }>("GET", "/api/v1/lists")).data?.lists ?? [],
  });
  const [listId, setListId] = useState("");
  const [message, setMessage] = useState<string | null>(null);
  const toggle = async () => {
    await apiCall(bookmark.data ? "DELETE" : "PUT", `/api/v1/saes/${saeId}/features/${index}/bookmark`);
    await queryClient.invalidateQueries({ queryKey: ["bookmark", saeId, index] });
  };
  const addToList = async () => {
    if (!listId) return;
    const result = await apiCall<FeatureListDto>("POST", `/api/v1/lists/${listId}/items`, { saeId, index });
    setMessage(result.ok ? `Added to “${result.data!.name}”.` : (result.error?.message ?? "Failed."));
    void queryClient.invalidateQueries({ queryKey: ["my-lists"] });
  };
  return (
    <div className="panel-row" aria-label="Save this feature">
      <button type="button" className="secondary" aria-pressed={bookmark.data ?? false} onClick={toggle}>{bookmark.data ? "★ Bookmarked" : "☆ Bookmark"}</button>
      {(lists.data?.length ?? 0) > 0 ? (
        <>
          <select aria-label="Add to list" value={listId} onChange={(e) => setListId(e.target.value)}>
            <option value="">Add to list…</option>
            {lists.data!.map((list) => <option key={list.id} value={list.id}>{list.name} ({list.itemCount})</option>)}
          </select>
          <button type="button" className="secondary" disabled={!listId} onClick={addToList}>Add</button>
        </>
      ) : (
        <Link href="/lists">Create a list</Link>
      )}
      {message && <span className="notice ok" role="status">{message}</span>}
    </div>
  );
}

export function LabelsPanelClient({ saeId, index, viewer, initialLabels, initialComments, compact = false, queueHref, autoInterp = false }: Props) {
  const query = useFeatureLabels(saeId, index, initialLabels);
  const canEdit = viewer !== null && viewer.role !== "viewer";
  const labels = query.data?.labels ?? [];
  return (
    <section className="labels-panel" aria-labelledby="labels-panel-title">
      <div>
        <h2 id="labels-panel-title">Labels</h2>
        {!viewer && <p className="muted">Sign in as an editor to label, vote, review and comment.</p>}
        {viewer && !canEdit && <p className="muted">Your role (viewer) can read labels; editors label, vote and review.</p>}
        <LabelList saeId={saeId} index={index} viewer={viewer} labels={labels} />
        {canEdit && <div style={{ marginTop: "0.6rem" }}><AddLabelForm saeId={saeId} index={index} /></div>}
        {canEdit && autoInterp && !compact && <div style={{ marginTop: "0.6rem" }}><AutoInterpButton saeId={saeId} index={index} /></div>}
        {queueHref && !compact && <p style={{ marginBottom: 0 }}><Link href={queueHref}>Labelling queue for this SAE →</Link> <span className="muted">(keyboard: next, previous, label, accept, reject)</span></p>}
      </div>
      {!compact && viewer && <SaveControls saeId={saeId} index={index} />}
      {!compact && <Comments saeId={saeId} index={index} viewer={viewer} initial={initialComments} />}
    </section>
  );
}
