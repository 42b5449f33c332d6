// ESLint flat config: Next.js core web vitals + TypeScript rules.
import nextVitals from "eslint-config-next/core-web-vitals";
import nextTs from "eslint-config-next/typescript";

const config = [
  ...nextVitals,
  ...nextTs,
  {
    ignores: [
      "node_modules/**", ".next/**", "lib/generated/**", "var/**", ".cache/**", "demo/**",
      "next-env.d.ts", "test-results/**", "playwright-report/**", "e2e/screenshots/**",
    ],
  },
];

export default config;
