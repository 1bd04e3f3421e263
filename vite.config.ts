import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// The web UI is built into dist/ui and served by the server at `/`. `base: './'` keeps
// every asset URL relative, so the same build works under any path and from Electron's
// file:// or custom-protocol pages.
const root = fileURLToPath(new URL('./src-renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./dist/ui', import.meta.url));

export default defineConfig({
  root,
  base: './',
  plugins: [vue()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    // The editor is loaded lazily; report sizes instead of warning about them.
    chunkSizeWarningLimit: 1024,
  },
  server: {
    // `npm run dev` for the server listens on 8080; Vite forwards the API and the Kroki
    // render routes (`/{type}/{format}...`) to it and serves everything else itself.
    proxy: Object.fromEntries(
      ['/api', '/health', '^/[a-z0-9]+/(svg|png|jpeg|jpg|pdf|txt|utxt|base64)(/|$)'].map((p) => [p, { target: 'http://127.0.0.1:8080', changeOrigin: true }]),
    ),
  },
});
