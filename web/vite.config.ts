import { defineConfig } from "vite";

// Served by Dealflow at /board (server/web_app.py); hashed assets under /board/assets/
// get long-cache headers there. No CDN: everything the page needs is in dist/.
export default defineConfig({
  base: "/board/",
  build: { outDir: "dist", emptyOutDir: true, assetsDir: "assets", sourcemap: false },
});
