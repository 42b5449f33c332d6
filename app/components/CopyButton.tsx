"use client";
/** Copies text to the clipboard: a permalink, or a feature's data fetched as JSON on demand. */
import { useState } from "react";

type Source = { text: string } | { url: string };

export function CopyButton({ source, label, copiedLabel = "Copied" }: { source: Source; label: string; copiedLabel?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      if ("url" in source) {
        const url = source.url;
        const json = fetch(url, { headers: { accept: "application/json" } }).then(async (response) => {
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          return JSON.stringify(await response.json(), null, 2);
        });
        if (typeof ClipboardItem !== "undefined") {
          // hand the clipboard a promise: the click's user activation may expire while the fetch runs
          const blob = json.then((text) => new Blob([text], { type: "text/plain" }));
          await navigator.clipboard.write([new ClipboardItem({ "text/plain": blob })]);
        } else {
          await navigator.clipboard.writeText(await json);
        }
      } else {
        await navigator.clipboard.writeText(new URL(source.text, window.location.href).toString());
      }
      setState("copied");
    } catch {
      setState("failed");
    }
    setTimeout(() => setState("idle"), 2500);
  };
  return (
    <button type="button" className="secondary" onClick={copy} aria-live="polite">
      {state === "copied" ? copiedLabel : state === "failed" ? "Copy failed" : label}
    </button>
  );
}
