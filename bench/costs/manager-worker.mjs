// The children of manager-many.mjs: `n` set + get pairs on a shared dict, under their own key.
export async function work(d, key, n, report) {
  await report.send('ready');
  await report.recv(); // go
  for (let i = 0; i < n; i++) {
    await d.set(key, i);
    await d.get(key);
  }
  await report.send('done');
}
