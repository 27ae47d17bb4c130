import { defineConfig } from "vite";

// Preact's automatic JSX runtime through Vite's own transform (no Babel plugin needed):
// tsconfig.json's `jsx: react-jsx` + `jsxImportSource: preact` is read by the transform.
export default defineConfig({
  // Relative asset URLs: the same build works at `/` (zonetrail serve) and behind CloudFront.
  base: "./",
  build: {
    outDir: "dist",
    target: "es2022",
    sourcemap: false,
    reportCompressedSize: true,
  },
  server: {
    proxy: { "/api": process.env.ZONETRAIL_API ?? "http://127.0.0.1:8080" },
  },
});
