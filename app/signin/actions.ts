"use server";
/** Sign-in and sign-out server actions; they work without client JavaScript. */
import { AuthError } from "next-auth";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { clientAddressFromHeaders } from "@/lib/net/client-address";
import { takeMagicLinkToken } from "@/lib/auth/magic-link-throttle";
import { signIn, signOut } from "@/lib/auth/config";
import { configuredOAuthProviders } from "@/lib/auth/providers";
import { safeCallbackPath } from "@/lib/auth/session";
import { afterMagicLinkRequest } from "@/lib/auth/verify-request";

function backToSignIn(error: string, callbackUrl: string, email?: string): never {
  const query = new URLSearchParams({ error, callbackUrl });
  if (email) query.set("email", email);
  redirect(`/signin?${query}`);
}

async function attempt(provider: string, options: Record<string, string>, callbackUrl: string, email?: string) {
  try {
    await signIn(provider, { ...options, redirectTo: callbackUrl });
  } catch (error) {
    // success is a redirect, which Next.js implements by throwing: let it through
    if (error instanceof AuthError) backToSignIn(error.type, callbackUrl, email);
    throw error;
  }
}

export async function passwordSignIn(formData: FormData) {
  const callbackUrl = safeCallbackPath(formData.get("callbackUrl"));
  const email = String(formData.get("email") ?? "").trim();
  const password = String(formData.get("password") ?? "");
  if (!email || !password) backToSignIn("MissingFields", callbackUrl, email);
  await attempt("credentials", { email, password }, callbackUrl, email);
}

export async function magicLinkSignIn(formData: FormData) {
  const callbackUrl = safeCallbackPath(formData.get("callbackUrl"));
  const email = String(formData.get("email") ?? "").trim();
  if (!email) backToSignIn("MissingFields", callbackUrl);
  if (!takeMagicLinkToken(email, clientAddressFromHeaders(await headers())).allowed) backToSignIn("TooManyLinks", callbackUrl, email);
  // not attempt(): Auth.js would redirect to /api/auth/verify-request, see lib/auth/verify-request.ts
  let next: string;
  try {
    next = await signIn("email", { email, redirectTo: callbackUrl, redirect: false });
  } catch (error) {
    if (error instanceof AuthError) backToSignIn(error.type, callbackUrl, email);
    throw error;
  }
  redirect(afterMagicLinkRequest(next));
}

export async function oauthSignIn(formData: FormData) {
  const callbackUrl = safeCallbackPath(formData.get("callbackUrl"));
  const provider = String(formData.get("provider") ?? "");
  if (!configuredOAuthProviders().some((p) => p.id === provider)) backToSignIn("Configuration", callbackUrl);
  await attempt(provider, {}, callbackUrl);
}

export async function signOutAction() {
  await signOut({ redirectTo: "/" });
}
