/** Argument parsing for `npm run user:create`, kept apart from the script so it can be unit-tested. */
import { parseArgs } from "node:util";
import { z } from "zod";
import { passwordProblem } from "./password-policy";
import { ROLES, isRole, type Role } from "./roles";

export const USER_CREATE_USAGE = `Usage: npm run user:create -- --email <email> [--role viewer|editor|admin] [--name <name>]
                           [--password <password> | --password-stdin | --no-password]

Creates the user, or updates role (and name/password when given) if the email exists.
Without a password option a new user gets one: prompted on a terminal, else generated and printed.
--no-password creates a user who signs in by magic link or OAuth only.`;

export class UsageError extends Error {}

export interface UserCreateArgs {
  help: boolean;
  email: string;
  role: Role;
  name?: string;
  /** "given": --password; "stdin": --password-stdin; "none": --no-password; "default": none of them */
  passwordSource: "given" | "stdin" | "none" | "default";
  password?: string;
}

export function parseUserCreateArgs(argv: string[]): UserCreateArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        email: { type: "string" },
        role: { type: "string" },
        name: { type: "string" },
        password: { type: "string" },
        "password-stdin": { type: "boolean" },
        "no-password": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${USER_CREATE_USAGE}`);
  }
  if (values.help) return { help: true, email: "", role: "viewer", passwordSource: "default" };
  if (!values.email) throw new UsageError(`--email is required.\n\n${USER_CREATE_USAGE}`);
  const email = z.string().trim().toLowerCase().pipe(z.email()).safeParse(values.email);
  if (!email.success) throw new UsageError(`"${values.email}" is not a valid email address.`);
  const role = values.role ?? "viewer";
  if (!isRole(role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")} (got "${role}").`);
  const sources = [values.password !== undefined, values["password-stdin"], values["no-password"]].filter(Boolean).length;
  if (sources > 1) throw new UsageError("Give at most one of --password, --password-stdin and --no-password.");
  if (values.password !== undefined) {
    const problem = passwordProblem(values.password);
    if (problem) throw new UsageError(problem);
  }
  return {
    help: false,
    email: email.data,
    role,
    name: values.name,
    password: values.password,
    passwordSource: values.password !== undefined ? "given" : values["password-stdin"] ? "stdin" : values["no-password"] ? "none" : "default",
  };
}
