// Imported first by every test/portable file: the portable path on, in this process and its
// children, whether or not the addon is built (scripts/test.mjs also runs the portable subset so).
process.env['MULTIPROC_NO_NATIVE'] = '1';
