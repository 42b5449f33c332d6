/** Who may get an account without an admin creating it first. */

/**
 * AUTH_ALLOW_SIGNUP=1 lets anyone who proves an email (magic link) or signs in with a configured
 * OAuth/OIDC provider get a viewer account. Off by default: accounts come from `npm run user:create`
 * or the admin page, which suits a team's private deployment.
 */
export function signupsAllowed(): boolean {
  return /^(1|true|yes)$/i.test(process.env.AUTH_ALLOW_SIGNUP ?? "");
}
