// ESLint flat config: Next.js core web vitals + TypeScript rules.
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    // CommonJS scripts (Prisma CLI preload, recipe helpers run with plain node) use require().
    files: ["**/*.cjs"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    ignores: [
      "node_modules/**", ".next/**", "lib/generated/**", "var/**", ".cache/**", "demo/**",
      "next-env.d.ts", "test-results/**", "playwright-report/**", "e2e/screenshots/**",
    ],
  },
];

export default config;
