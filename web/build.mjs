// Bundles the report front end into dist/report.js (one IIFE script) and dist/report.css,
// which CMake embeds into groundswell (cmake/assets.cmake).
import * as esbuild from 'esbuild';

await esbuild.build({
  entryPoints: ['src/main.js'],
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  outfile: 'dist/report.js',
  // Library licences (MIT, ISC) travel with the code, gathered at the end of the bundle.
  legalComments: 'eof',
  // ASCII output: no raw U+2028/U+2029 or other non-ASCII bytes inside the inline script.
  charset: 'ascii',
  logLevel: 'info',
});
