// The panel's build (Vite) and unit tests (Vitest). The output goes to $HOSTPLANE_PANEL_OUT when
// set (CMake builds it into <build>/panel, beside the hostplane binary), else to dist/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: process.env.HOSTPLANE_PANEL_OUT ?? 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every browser the panel supports has module preloading; the polyfill would be extra code.
    modulePreload: { polyfill: false },
    // One file per kind keeps index.html's references few; content hashes make them cacheable.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
  },
});
