/** The site's main navigation (header): the places a researcher goes to from anywhere. */
import Link from "next/link";

export const SITE_LINKS = [
  { href: "/", text: "Models & SAEs" },
  { href: "/search", text: "Search" },
  { href: "/steer", text: "Steer" },
  { href: "/lists", text: "Lists", title: "Your feature lists and bookmarks" },
  { href: "/api-docs", text: "API" },
  { href: "/status", text: "Status" },
] as const;

export function SiteNav() {
  return (
    <nav aria-label="Main">
      {SITE_LINKS.map((link) => (
        <Link key={link.href} href={link.href} title={"title" in link ? link.title : undefined}>{link.text}</Link>
      ))}
    </nav>
  );
}
