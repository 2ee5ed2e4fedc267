// Target for the start→join row of a CommonJS user: a CommonJS module that requires the built
// package (as `require('multiproc')` would) and exports an empty function.
require('../../dist/cjs/index.cjs');
exports.empty = function empty() {};
