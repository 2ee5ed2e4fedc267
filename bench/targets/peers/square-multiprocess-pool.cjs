// Worker module for multiprocess-pool: the mapper is the module's export.
module.exports = function square(x) {
  return x * x;
};
