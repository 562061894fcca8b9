// sigma.js reads WebGL constants from the WebGLRenderingContext and WebGL2RenderingContext
// globals when its module loads. A browser without them (WebGL switched off, older engines)
// would stop the whole report at that point; with these constants the module loads, sigma
// then fails to get a context, and the network falls back to a static picture while every
// other section works. The values are the WebGL specification's.
const WEBGL_CONSTANTS = {
  POINTS: 0x0000, LINES: 0x0001, TRIANGLES: 0x0004, COLOR_BUFFER_BIT: 0x4000, FRAMEBUFFER: 0x8d40,
  BOOL: 0x8b56, BYTE: 0x1400, UNSIGNED_BYTE: 0x1401, SHORT: 0x1402, UNSIGNED_SHORT: 0x1403,
  INT: 0x1404, UNSIGNED_INT: 0x1405, FLOAT: 0x1406,
};
for (const name of ['WebGLRenderingContext', 'WebGL2RenderingContext']) {
  if (typeof globalThis[name] === 'undefined') globalThis[name] = WEBGL_CONSTANTS;
}
