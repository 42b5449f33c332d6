/**
 * Creates a user, or updates one with the same email:
 *   npm run user:create -- --email ada@example.org --role admin [--name "Ada"] [--password … | --password-stdin | --no-password]
 * A new user without a password option gets one: typed at a prompt on a terminal, else generated and printed once.
 */
import readline from "node:readline";
import { disconnectDb } from "../lib/db/client";
import { currentDatabaseUrl, parseDatabaseUrl } from "../lib/db/connection";
import { explainConnectionError } from "../lib/db/server";
import { findUserByEmail, upsertUser } from "../lib/db/users";
import { generatePassword, passwordProblem } from "../lib/auth/password";
import { USER_CREATE_USAGE, UsageError, parseUserCreateArgs } from "../lib/auth/user-create-args";

function fail(message: string): never {
  throw new UsageError(message);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}

/** Reads a line without echoing it. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    let muted = false;
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (!muted) write.call(rl, s);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

async function promptPassword(): Promise<string> {
  for (;;) {
    const first = await promptHidden("Password (empty: generate one): ");
    if (first === "") return generatePassword();
    const problem = passwordProblem(first);
    if (problem) {
      console.error(problem);
      continue;
    }
    const second = await promptHidden("Repeat password: ");
    if (first === second) return first;
    console.error("The passwords differ; try again.");
  }
}

async function main(): Promise<number> {
  const args = parseUserCreateArgs(process.argv.slice(2));
  if (args.help) {
    console.log(USER_CREATE_USAGE);
    return 0;
  }
  let password = args.password;
  let generated = false;
  if (args.passwordSource === "stdin") {
    password = await readStdin();
    const problem = passwordProblem(password);
    if (problem) fail(problem);
  }

  let existing;
  try {
    existing = await findUserByEmail(args.email);
  } catch (error) {
    const url = currentDatabaseUrl();
    fail(`${explainConnectionError(error, parseDatabaseUrl(url))}\n(Is the database running? \`npm start\` or \`npx tsx scripts/postgres.ts\` starts the embedded one.)`);
  }
  if (!existing && password === undefined && args.passwordSource !== "none") {
    if (process.stdin.isTTY && process.stdout.isTTY) {
      password = await promptPassword();
    } else {
      password = generatePassword();
      generated = true;
    }
  }

  const { user, created } = await upsertUser({ email: args.email, role: args.role, name: args.name, password });
  console.log(`${created ? "Created" : "Updated"} user ${user.email} (id ${user.id}, role ${user.role}).`);
  if (generated && password) console.log(`Generated password (shown once, store it now): ${password}`);
  else if (password) console.log(created ? "Password set." : "Password changed.");
  else if (created) console.log("No password: this user signs in with a magic link (or OAuth, if configured).");
  return 0;
}

main()
  .then((code) => (process.exitCode = code))
  .catch((error) => {
    console.error(error instanceof UsageError ? `✖ ${error.message}` : error);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  })
  .finally(() => disconnectDb());
