/** Auth.js endpoints: sign-in, callbacks, sign-out, session, CSRF token (magic links throttled: lib/auth/auth-route.ts). */
export { GET, POST } from "@/lib/auth/auth-route";
