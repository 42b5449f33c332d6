"use client";
/** Keyboard shortcuts between features: [ previous, ] next, r random (ignored while typing). */
import { useRouter } from "next/navigation";
import { useEffect } from "react";

export function FeatureKeys({ prevHref, nextHref, randomHref }: { prevHref: string | null; nextHref: string | null; randomHref: string }) {
  const router = useRouter();
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName))) return;
      if (event.key === "r") {
        event.preventDefault();
        // a route handler that redirects, not a page: a full navigation
        window.location.assign(randomHref);
        return;
      }
      const href = event.key === "[" ? prevHref : event.key === "]" ? nextHref : null;
      if (href) {
        event.preventDefault();
        router.push(href);
      }
    };
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  }, [router, prevHref, nextHref, randomHref]);
  return null;
}
