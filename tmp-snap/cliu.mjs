import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
const rawText = { name: 'raw-text', setup(build) {
  build.onResolve({ filter: /\?raw$/ }, args => ({ path: path.resolve(args.resolveDir, args.path.slice(0, -4)), namespace: 'raw-text' }));
  build.onLoad({ filter: /.*/, namespace: 'raw-text' }, args => ({ contents: fs.readFileSync(args.path, 'utf8'), loader: 'text' }));
}};
await esbuild.build({ entryPoints: { main: 'language/src/cli/main.ts' }, outdir: '/tmp/cliu', outExtension: { '.js': '.mjs' }, chunkNames: 'chunks/[name]-[hash]', bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node22', minify: false,
  banner: { js: 'import { createRequire as __vmtopoRequire } from "node:module"; const require = __vmtopoRequire(import.meta.url);' }, plugins: [rawText], logLevel: 'warning', metafile: true }).then(r => fs.writeFileSync('/tmp/cliu-meta.json', JSON.stringify(r.metafile)));
