/// <reference types="vitest/config" />
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `npm run dev` proxies /api to the API (API_URL, default the README's http://127.0.0.1:8000),
// so the refresh cookie (path /api, SameSite=strict) stays same-origin as in production.
const apiUrl = process.env.API_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: { "/api": { target: apiUrl, changeOrigin: false } },
  },
  build: { outDir: "dist", sourcemap: false, target: "es2022" },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
