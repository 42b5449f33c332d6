import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import { EMBED_REQUEST_HEADER } from "@/lib/security/headers";
import "./globals.css";
import { Providers } from "./providers";
import { AccountArea } from "./account/account-area";
import { SiteNav } from "./components/SiteNav";

export const metadata: Metadata = {
  title: { default: "Featurescope", template: "%s · Featurescope" },
  description: "Explore, search, label and steer sparse-autoencoder features of language models.",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // the embeddable feature card (framable by other sites, proxy.ts) is read-only: no header with
  // its account controls; reading headers also keeps every page per-request, which CSP nonces need
  const embed = (await headers()).get(EMBED_REQUEST_HEADER) === "1";
  return (
    <html lang="en">
      <body>
        {!embed && (
          <header className="site-header">
            <Link href="/" className="brand">Featurescope</Link>
            <SiteNav />
            <AccountArea />
          </header>
        )}
        <main><Providers>{children}</Providers></main>
      </body>
    </html>
  );
}
