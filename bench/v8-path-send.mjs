// Connection.send + recv in one process of values that take the v8 path (not the JSON fast path),
// per message, for comparing two builds side by side: node bench/v8-path-send.mjs <package root>.
// (Issue 17 added a scan for shareables and class instances before v8.serialize on this path.)
const root = process.argv[2] ?? new URL('..', import.meta.url).pathname;
const { Pipe } = await import(`${root}/dist/index.js`);
const [a, b] = Pipe();
const small = { id: 1n, m: new Map([[1, 'a']]), values: [1, 2, 3] };
const large = { rows: Array.from({ length: 1000 }, (_, i) => ({ i, name: 'row' + i, tags: ['x', 'y'] })) };
for (const [label, value, n] of [
  ['small v8 object', small, 20000],
  ['1000-row object', large, 300],
]) {
  for (let round = 0; round < 4; round++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) {
      const s = a.send(value);
      await b.recv();
      await s;
    }
    const per = ((performance.now() - t) / n) * 1000;
    if (round > 0) console.log(label, per.toFixed(1), 'µs/message');
  }
}
a.close();
b.close();
