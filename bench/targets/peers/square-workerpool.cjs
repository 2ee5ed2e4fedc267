// Worker for workerpool (workerType 'process'): exposes square(x) = x*x.
require('workerpool').worker({ square: (x) => x * x });
