"use client";
/** Client-side providers for the whole app: TanStack Query for data fetched after first paint. */
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { useState } from "react";
import { z } from "zod";

// zod probes for eval (`Function("")`) before compiling fast object parsers; under the
// Content-Security-Policy (no 'unsafe-eval', proxy.ts) that probe is a reported violation on every
// page that validates a form. Parsing without the compiled fast path is plenty for forms.
z.config({ jitless: true });

export function Providers({ children }: { children: React.ReactNode }) {
  // one client per browser session, not per render
  const [queryClient] = useState(
    () => new QueryClient({ defaultOptions: { queries: { staleTime: 60_000, retry: 1, refetchOnWindowFocus: false } } }),
  );
  return <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>;
}
