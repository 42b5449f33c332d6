"use client";
/** Copies text to the clipboard: a permalink, or a feature's data fetched as JSON on demand. */
import { useState } from "react";

type Source = { text: string } | { url: string };

export function CopyButton({ source, label, copiedLabel = "Copied" }: { source: Source; label: string; copiedLabel?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  const copy = async () => {
    try {
      let text: string;
      if ("url" in source) {
        const response = await fetch(source.url, { headers: { accept: "application/json" } });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        text = JSON.stringify(await response.json(), null, 2);
      } else {
        text = new URL(source.text, window.location.href).toString();
      }
      await navigator.clipboard.writeText(text);
      setState("copied");
    } catch {
      setState("failed");
    }
    setTimeout(() => setState("idle"), 2000);
  };
  return (
    <button type="button" className="secondary" onClick={copy} aria-live="polite">
      {state === "copied" ? copiedLabel : state === "failed" ? "Copy failed" : label}
    </button>
  );
}
