/** Sign in: email + password, a magic link by email, and any configured OAuth/OIDC providers. */
import type { Metadata } from "next";
import Link from "next/link";
import { anonymousSteeringAllowed } from "@/lib/auth/anonymous-steering";
import { configuredOAuthProviders } from "@/lib/auth/providers";
import { currentUser, safeCallbackPath } from "@/lib/auth/session";
import { MAGIC_LINK_MAX_AGE_SECONDS } from "@/lib/auth/providers";
import { magicLinkSignIn, oauthSignIn, passwordSignIn } from "./actions";
import "../account/account.css";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

/** Auth.js error types → what the person can do about it. */
const ERRORS: Record<string, string> = {
  CredentialsSignin: "Wrong email or password, or the account is disabled. After ten failed tries, wait 15 minutes.",
  MissingFields: "Fill in the fields first.",
  TooManyLinks: "Too many sign-in links were asked for, for this address or from this network. Wait a while (up to an hour) and try again.",
  Verification: "That sign-in link has expired or was already used. Ask for a new one below.",
  AccessDenied: "This account cannot sign in: it may be disabled, or sign-up is closed (ask an admin to create your account).",
  OAuthAccountNotLinked: "That email already has an account here that is not linked to this provider. Sign in another way.",
  OAuthSignInError: "The sign-in provider did not complete the sign-in. Try again.",
  OAuthCallbackError: "The sign-in provider did not complete the sign-in. Try again.",
  EmailSignInError: "The sign-in link could not be sent. Check the address, or ask an admin to check the server log.",
  Configuration: "Sign-in is not configured correctly on the server. An admin can find the cause in the server log.",
};

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
  const callbackUrl = safeCallbackPath(first(params.callbackUrl), "/");
  const errorType = first(params.error);
  const email = first(params.email) ?? "";
  const [user, anonymousSteering] = await Promise.all([currentUser(), anonymousSteeringAllowed()]);
  const oauth = configuredOAuthProviders();

  return (
    <div className="auth-page">
      <h1>Sign in</h1>
      {user && (
        <p className="notice" role="status">
          You are signed in as <strong>{user.email}</strong> ({user.role}). <Link href="/account">Your account</Link>
        </p>
      )}
      {errorType && (
        <p className="alert" role="alert" data-testid="signin-error">
          {ERRORS[errorType] ?? "Sign-in failed. Try again, or ask an admin to check the server log."}
        </p>
      )}
      <p className="muted" data-testid="signin-roles">
        {anonymousSteering
          ? "Anyone can browse and steer without an account. Signing in lets editors label, and admins manage users."
          : "Anyone can browse without an account. Signing in lets you steer; editors also label, and admins manage users."}
      </p>

      {/* sections stay unnamed: a region called "…password" would collide with the Password field in label queries */}
      <section className="panel">
        <h2>Email and password</h2>
        <form action={passwordSignIn}>
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <div className="form-row">
            <label htmlFor="signin-email">Email</label>
            <input id="signin-email" name="email" type="email" autoComplete="username" required defaultValue={email} />
          </div>
          <div className="form-row">
            <label htmlFor="signin-password">Password</label>
            <input id="signin-password" name="password" type="password" autoComplete="current-password" required />
          </div>
          <button type="submit">Sign in</button>
        </form>
      </section>

      <section className="panel">
        <h2>Email me a sign-in link</h2>
        <form action={magicLinkSignIn}>
          <input type="hidden" name="callbackUrl" value={callbackUrl} />
          <div className="form-row">
            <label htmlFor="link-email">Email</label>
            <input id="link-email" name="email" type="email" autoComplete="email" required defaultValue={email}
              aria-describedby="link-help" />
            <span id="link-help" className="muted small">
              The link works once, for {MAGIC_LINK_MAX_AGE_SECONDS / 60} minutes. Without a mail server configured,
              it is written to the server log.
            </span>
          </div>
          <button type="submit" className="secondary">Send link</button>
        </form>
      </section>

      {oauth.length > 0 && (
        <section className="panel">
          <h2>Single sign-on</h2>
          <div className="button-row">
            {oauth.map((provider) => (
              <form key={provider.id} action={oauthSignIn}>
                <input type="hidden" name="callbackUrl" value={callbackUrl} />
                <input type="hidden" name="provider" value={provider.id} />
                <button type="submit" className="secondary">Continue with {provider.name}</button>
              </form>
            ))}
          </div>
        </section>
      )}
    </div>
  );
}
