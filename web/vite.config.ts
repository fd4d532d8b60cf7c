import { defineConfig } from "vite";

// Served by Dealflow at /board (server/web_app.py); hashed assets under /board/assets/
// get long-cache headers there. No CDN: everything the pages need is in dist/. Two
// pages: the board (index.html) and GraphiQL (graphiql.html, served at /graphql in
// development by server/graphiql_page.py).
export default defineConfig({
  base: "/board/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rollupOptions: {
      input: {
        board: "index.html",
        graphiql: "graphiql.html",
      },
    },
  },
});
