// Script for child_process.fork .ts memory rows (--import tsx): same as idle-main.js.
import { writeFileSync } from 'node:fs';

writeFileSync(process.argv[2] as string, '1');
setInterval(() => {}, 1 << 30);
