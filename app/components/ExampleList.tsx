"use client";
/**
 * Activation examples with per-token highlighting (orange ∝ activation / the feature's max), a
 * window of context around each max token, keyboard navigation (↑/↓ between examples, ←/→ between
 * tokens) and an inspector line that shows the token, its id and its activation. Further pages come
 * from the examples API, a page at a time.
 */
import { useInfiniteQuery } from "@tanstack/react-query";
import { useRef, useState } from "react";
import type { ActivationExampleView, ExamplePage } from "@/lib/db/features";
import { useContextRadius } from "./ExampleSettings";
import { TokenText } from "./TokenText";
import { formatActivation, tokenLiteral } from "./format";

export interface ExampleListProps {
  /** Accessible name of the list, e.g. "Top activating examples". */
  label: string;
  examples: ActivationExampleView[];
  /** The feature's max activation: the colour scale shared by every list on the page. */
  maxActivation: number;
  /** Where to fetch more (GET, returns ExamplePage); null when everything is shown. */
  moreUrl: string | null;
  nextAfter: number | null;
  total: number;
  /** Shown on the "more" button, e.g. "top examples". */
  noun: string;
  /** Show the keyboard/hover hint while nothing is inspected (once per page is enough). */
  hint?: boolean;
}

/** Background for an activation: transparent at 0, full orange at the feature's max. */
export function activationColour(value: number, max: number): string | undefined {
  if (!(value > 0) || !(max > 0)) return undefined;
  const alpha = Math.min(1, value / max);
  return `rgba(255, 122, 0, ${alpha.toFixed(3)})`;
}

async function fetchExamples(url: string, after: number): Promise<ExamplePage> {
  const separator = url.includes("?") ? "&" : "?";
  const response = await fetch(`${url}${separator}after=${after}`, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`Could not load more examples (HTTP ${response.status})`);
  return (await response.json()) as ExamplePage;
}

export function ExampleList({ label, examples, maxActivation, moreUrl, nextAfter, total, noun, hint = false }: ExampleListProps) {
  const radius = useContextRadius();
  const query = useInfiniteQuery({
    queryKey: ["examples", moreUrl ?? label],
    queryFn: ({ pageParam }) => fetchExamples(moreUrl as string, pageParam as number),
    initialPageParam: -1,
    initialData: { pages: [{ examples, nextAfter }], pageParams: [-1] },
    getNextPageParam: (last) => last.nextAfter ?? undefined,
    staleTime: Infinity,
    enabled: moreUrl !== null,
  });
  const shown = query.data.pages.flatMap((page) => page.examples);
  const [active, setActive] = useState(0);
  const [inspected, setInspected] = useState<{ example: number; position: number } | null>(null);
  const rowRefs = useRef<(HTMLLIElement | null)[]>([]);

  const focusRow = (row: number) => {
    const next = Math.max(0, Math.min(shown.length - 1, row));
    setActive(next);
    rowRefs.current[next]?.focus();
    setInspected({ example: next, position: shown[next].maxPosition });
  };

  const onKeyDown = (event: React.KeyboardEvent<HTMLLIElement>, row: number) => {
    const example = shown[row];
    const position = inspected?.example === row ? inspected.position : example.maxPosition;
    const move: Record<string, () => void> = {
      ArrowDown: () => focusRow(row + 1),
      ArrowUp: () => focusRow(row - 1),
      Home: () => focusRow(0),
      End: () => focusRow(shown.length - 1),
      ArrowRight: () => setInspected({ example: row, position: Math.min(example.tokens.length - 1, position + 1) }),
      ArrowLeft: () => setInspected({ example: row, position: Math.max(0, position - 1) }),
    };
    const action = move[event.key];
    if (action) {
      event.preventDefault();
      action();
    }
  };

  const inspectedExample = inspected ? shown[inspected.example] : undefined;
  const listId = label.toLowerCase().replace(/[^a-z0-9]+/g, "-");

  return (
    <div className="example-list">
      <ol className="examples" aria-label={label} aria-describedby={`${listId}-inspector`}>
        {shown.map((example, row) => {
          const start = Number.isFinite(radius) ? Math.max(0, example.maxPosition - radius) : 0;
          const end = Number.isFinite(radius)
            ? Math.min(example.tokens.length, example.maxPosition + radius + 1)
            : example.tokens.length;
          const inspectedPosition = inspected?.example === row ? inspected.position : null;
          return (
            <li
              key={example.id}
              ref={(element) => {
                rowRefs.current[row] = element;
              }}
              tabIndex={row === active ? 0 : -1}
              className="example"
              aria-label={`Example ${row + 1}: max ${formatActivation(example.maxValue)} on ${tokenLiteral(example.tokens[example.maxPosition] ?? "")}`}
              onKeyDown={(event) => onKeyDown(event, row)}
              onFocus={() => {
                setActive(row);
                if (inspected?.example !== row) setInspected({ example: row, position: example.maxPosition });
              }}
              onMouseOver={(event) => {
                const position = (event.target as HTMLElement).closest<HTMLElement>("[data-pos]")?.dataset.pos;
                if (position !== undefined) setInspected({ example: row, position: Number(position) });
              }}
            >
              <span className="example-max" title="max activation in this context">{formatActivation(example.maxValue, 2)}</span>
              <span className="example-tokens">
                {start > 0 && <span className="elided" aria-hidden="true">…</span>}
                {example.tokens.slice(start, end).map((token, offset) => {
                  const position = start + offset;
                  const value = example.values[position] ?? 0;
                  const classes = ["tok"];
                  if (position === example.maxPosition) classes.push("tok-max");
                  if (position === inspectedPosition) classes.push("tok-inspected");
                  return (
                    <span
                      key={position}
                      className={classes.join(" ")}
                      data-pos={position}
                      style={{ backgroundColor: activationColour(value, maxActivation) }}
                      title={`${tokenLiteral(token)} · token ${example.tokenIds[position]} · activation ${formatActivation(value)}`}
                    >
                      <TokenText text={token} />
                    </span>
                  );
                })}
                {end < example.tokens.length && <span className="elided" aria-hidden="true">…</span>}
              </span>
            </li>
          );
        })}
      </ol>
      <p id={`${listId}-inspector`} className={inspected || hint ? "inspector" : "inspector inspector-idle"} aria-live="polite">
        {inspected && inspectedExample ? (
          <>
            <span className="mono">{tokenLiteral(inspectedExample.tokens[inspected.position] ?? "")}</span>
            {" · token id "}{inspectedExample.tokenIds[inspected.position]}
            {" · activation "}{formatActivation(inspectedExample.values[inspected.position] ?? 0)}
            {maxActivation > 0 && ` (${Math.round(((inspectedExample.values[inspected.position] ?? 0) / maxActivation) * 100)}% of max)`}
            {" · position "}{inspected.position}
          </>
        ) : hint ? (
          <span className="muted">Hover a token, or focus an example (Tab) and use ←/→, to see its id and activation; ↑/↓ move between examples.</span>
        ) : null}
      </p>
      {moreUrl !== null && query.hasNextPage && (
        <button
          type="button"
          className="link-button"
          onClick={() => query.fetchNextPage()}
          disabled={query.isFetchingNextPage}
        >
          {query.isFetchingNextPage ? "Loading…" : `Show more ${noun} (${shown.length} of ${total})`}
        </button>
      )}
      {query.isError && <p className="error-text" role="alert">{query.error.message}</p>}
    </div>
  );
}
