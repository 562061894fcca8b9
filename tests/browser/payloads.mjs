// The XSS test strings planted in hostile test data (tests/browser/fixture.json for the report,
// tests/data/serve/hostile.jsonl for `groundswell serve`). Each sets window.__pwned if it ever
// runs; the browser tests check that it never does and that the text shows as typed.
export const PAYLOADS = [
  '<script>window.__pwned=1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '</script><script>window.__pwned=1</script>',
];
