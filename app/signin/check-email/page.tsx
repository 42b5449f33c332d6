/** Shown after asking for a magic link. Says the same whether or not the email has an account. */
import type { Metadata } from "next";
import Link from "next/link";
import { MAGIC_LINK_MAX_AGE_SECONDS } from "@/lib/auth/providers";
import "../../account/account.css";

export const metadata: Metadata = { title: "Check your email" };

export default function CheckEmailPage() {
  return (
    <div className="auth-page">
      <h1>Check your email</h1>
      <p role="status">
        If an account can sign in with that address, a sign-in link is on its way. It works once, within{" "}
        {MAGIC_LINK_MAX_AGE_SECONDS / 60} minutes.
      </p>
      <p className="muted">
        No mail server configured (the default for a local install)? The link is printed in the server log,
        on a line starting with <code>[auth] Magic sign-in link</code>.
      </p>
      <p><Link href="/signin">Back to sign in</Link></p>
    </div>
  );
}
