import type { Metadata } from "next";
import Link from "next/link";
import "./globals.css";
import { Providers } from "./providers";
import { AccountArea } from "./account/account-area";
import { SiteNav } from "./components/SiteNav";

export const metadata: Metadata = {
  title: { default: "Featurescope", template: "%s · Featurescope" },
  description: "Explore, search, label and steer sparse-autoencoder features of language models.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link href="/" className="brand">Featurescope</Link>
          <SiteNav />
          <AccountArea />
        </header>
        <main><Providers>{children}</Providers></main>
      </body>
    </html>
  );
}
