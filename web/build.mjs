// Builds the map application into dist/: one ES module (app.js) with its CSS, the page,
// the public page (public.html: public.js and its CSS, only the published product),
// and MapLibre's worker beside them. No network at run time: everything is served by
// `hexspot serve`, which embeds dist/ in release builds.
import { build } from 'esbuild';
import { copyFile, mkdir, rm } from 'node:fs/promises';

const out = 'dist';
await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
await build({
  entryPoints: { app: 'src/main.ts', public: 'src/public.ts' },
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  outdir: out,
  logLevel: 'warning',
});
await copyFile('src/index.html', `${out}/index.html`);
await copyFile('src/public.html', `${out}/public.html`);
await copyFile('src/favicon.svg', `${out}/favicon.svg`);
// MapLibre loads its worker from beside the module that imports it (see main.ts)
await copyFile('node_modules/maplibre-gl/dist/maplibre-gl-worker.mjs', `${out}/maplibre-gl-worker.mjs`);
await copyFile('node_modules/maplibre-gl/LICENSE.txt', `${out}/maplibre-gl-LICENSE.txt`);
console.log(`web: built ${out}/`);
