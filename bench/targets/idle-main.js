// Script for child_process.fork memory rows: writes one byte to argv[2] when ready, then idles.
import { writeFileSync } from 'node:fs';

writeFileSync(process.argv[2], '1');
setInterval(() => {}, 1 << 30);
