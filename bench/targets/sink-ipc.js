// Script for the Node IPC bulk rows: a number announces how many messages follow; after the
// last one it answers 'done'.
let want = 0;
let got = 0;
process.on('message', (m) => {
  if (typeof m === 'number') {
    want = m;
    got = 0;
  } else if (++got === want) {
    process.send('done');
  }
});
