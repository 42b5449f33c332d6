/**
 * The "check your email" page, and how a magic-link request gets there.
 *
 * After mailing a link, Auth.js answers with its own endpoint, /api/auth/verify-request, which
 * redirects on to `pages.verifyRequest` only when a browser requests it. Our sign-in form is a
 * server action: redirecting the action to that endpoint makes Next.js fetch it server-side, follow
 * its redirect and render /signin/check-email — under the endpoint's URL, which stays in the
 * address bar (vercel/next.js#59217, nextauthjs/next-auth#7617). So the action asks Auth.js for the
 * URL without redirecting and goes to the page itself.
 */
export const CHECK_EMAIL_PAGE = "/signin/check-email";

/** Where to send the browser after Auth.js accepted a magic-link request and answered `authRedirect`. */
export function afterMagicLinkRequest(authRedirect: string): string {
  const url = new URL(authRedirect, "http://featurescope.invalid");
  if (url.pathname.endsWith("/verify-request")) return `${CHECK_EMAIL_PAGE}${url.search}`;
  // anything else (an error page) is Auth.js's to decide
  return authRedirect;
}
