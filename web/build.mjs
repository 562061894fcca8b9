// Bundles the two front ends that CMake embeds into groundswell (cmake/assets.cmake):
//  - the report: dist/report.js (one IIFE script) and dist/report.css, inlined in report.html;
//  - the explorer of `groundswell serve`: dist/serve.js and dist/serve.css, served from memory.
// Both share src/dom.js and the chart code.
import * as esbuild from 'esbuild';

const common = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2020'],
  // Library licences (MIT, ISC) travel with the code, gathered at the end of the bundle.
  legalComments: 'eof',
  // ASCII output: no raw U+2028/U+2029 or other non-ASCII bytes inside the inline script.
  charset: 'ascii',
  logLevel: 'info',
};

await esbuild.build({ ...common, entryPoints: ['src/main.js'], outfile: 'dist/report.js' });
await esbuild.build({ ...common, entryPoints: ['src/serve/main.js'], outfile: 'dist/serve.js' });
