// pg's own conversion of values to query parameters (not re-exported from its package root).
declare module 'pg/lib/utils.js' {
  const utils: { prepareValue(value: unknown): unknown };
  export default utils;
}
