"use client";
/**
 * "Save to list" for search-by-inference and contrast results: the researcher ticks features (the
 * checkboxes in the result tables belong to this form through their `form` attribute) or takes all
 * shown, picks one of their lists or names a new one, and the features are appended through
 * POST /api/v1/lists/{id}/items/bulk (idempotent: features already there are not repeated).
 */
import Link from "next/link";
import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { apiCall } from "@/app/components/labels/client";
import type { FeatureListDto } from "@/lib/labels/contracts";
import type { SaveToListResult } from "@/lib/search/contracts";
import { featureValue, parseFeatureValue, type SavableFeature } from "./saved-features";

const NEW_LIST = "new";

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

async function save(target: string, newName: string, features: SavableFeature[]): Promise<SaveToListResult> {
  let listId = target;
  if (target === NEW_LIST) {
    const created = await apiCall<FeatureListDto>("POST", "/api/v1/lists", { name: newName });
    if (!created.ok || !created.data) throw new Error(`Could not create the list: ${created.error?.message ?? "unknown error"}`);
    listId = String(created.data.id);
  }
  const result = await apiCall<SaveToListResult>("POST", `/api/v1/lists/${listId}/items/bulk`, { features });
  if (!result.ok || !result.data) throw new Error(`Could not save to the list: ${result.error?.message ?? "unknown error"}`);
  return result.data;
}

export function SaveToList({ formId, shown, signedIn, signInHref }: { formId: string; shown: SavableFeature[]; signedIn: boolean; signInHref: string }) {
  const queryClient = useQueryClient();
  const lists = useQuery({
    queryKey: ["my-lists"],
    enabled: signedIn,
    queryFn: async () => {
      const result = await apiCall<{ lists: FeatureListDto[] }>("GET", "/api/v1/lists");
      if (!result.ok) throw new Error(result.error?.message ?? "Could not load your lists.");
      return result.data?.lists ?? [];
    },
  });
  const [target, setTarget] = useState("");
  const [newName, setNewName] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const mutation = useMutation({
    mutationFn: (input: { target: string; name: string; features: SavableFeature[] }) => save(input.target, input.name, input.features),
    onSuccess: (data) => {
      // a new list is the one to add to next
      setTarget(String(data.list.id));
      setNewName("");
      void queryClient.invalidateQueries({ queryKey: ["my-lists"] });
    },
  });

  const unique = (features: SavableFeature[]) => [...new Map(features.map((f) => [featureValue(f), f])).values()];
  const defaultTarget = () => (lists.data && lists.data.length > 0 ? String(lists.data[0].id) : NEW_LIST);
  const chosen = target || (lists.data ? defaultTarget() : "");

  const submit = (features: SavableFeature[]) => {
    setProblem(null);
    mutation.reset();
    if (features.length === 0) return setProblem("Tick at least one feature, or save all shown.");
    if (chosen === NEW_LIST && newName.trim() === "") return setProblem("Name the new list.");
    mutation.mutate({ target: chosen, name: newName.trim(), features: unique(features) });
  };

  if (!signedIn) {
    return (
      <p className="save-to-list muted">
        <Link href={signInHref}>Sign in</Link> to save these features to a list.
      </p>
    );
  }
  return (
    <form
      id={formId}
      className="save-to-list"
      aria-label="Save features to a list"
      onSubmit={(event) => {
        event.preventDefault();
        const ticked = new FormData(event.currentTarget).getAll("feature").map(String).map(parseFeatureValue).filter((f): f is SavableFeature => f !== null);
        submit(ticked);
      }}
    >
      <label>
        Save to{" "}
        <select value={chosen} onChange={(e) => setTarget(e.target.value)} disabled={lists.isPending} aria-label="List to save to">
          {lists.isPending && <option value="">loading your lists…</option>}
          {(lists.data ?? []).map((list) => <option key={list.id} value={String(list.id)}>{list.name} ({list.itemCount})</option>)}
          <option value={NEW_LIST}>a new list…</option>
        </select>
      </label>
      {chosen === NEW_LIST && (
        <label>
          Name <input value={newName} onChange={(e) => setNewName(e.target.value)} maxLength={120} placeholder="e.g. bridge features" aria-label="Name of the new list" />
        </label>
      )}
      <button type="submit" disabled={mutation.isPending || lists.isPending}>Save ticked</button>
      <button type="button" className="secondary" disabled={mutation.isPending || lists.isPending || shown.length === 0} onClick={() => submit(shown)}>
        Save all shown ({unique(shown).length})
      </button>
      {mutation.isPending && <span className="muted" role="status">Saving…</span>}
      {lists.isError && <span className="notice error" role="alert">{lists.error.message}</span>}
      {problem && <span className="notice error" role="alert">{problem}</span>}
      {mutation.isError && <span className="notice error" role="alert">{mutation.error.message}</span>}
      {mutation.isSuccess && (
        <span className="notice ok" role="status">
          Saved to <Link href={`/lists/${mutation.data.list.id}`}>{mutation.data.list.name}</Link>:{" "}
          {plural(mutation.data.added, "feature added", "features added")}
          {mutation.data.alreadyInList > 0 ? `, ${plural(mutation.data.alreadyInList, "was", "were")} already there` : ""}
          {" "}({plural(mutation.data.list.itemCount, "feature", "features")} in the list).
        </span>
      )}
    </form>
  );
}
