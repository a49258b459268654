// Preloaded by bench/run.sh (BUN_OPTIONS=--preload, NODE_OPTIONS=--require)
// into ocirun's --debug runs only: adds two marks in ocirun's --debug format,
// so the phase breakdown also shows the interpreter's own start-up and the
// time after the last ocirun mark. Not part of ocirun.
'use strict';
const fs = require('node:fs');
const mark = (what) => {
  try {
    const msg = `[interp] +${(process.uptime() * 1000).toFixed(2)}ms ${what}`;
    fs.writeSync(2, `time="${new Date().toISOString()}" level=debug msg=${JSON.stringify(msg)}\n`);
  } catch { /* stderr closed */ }
};
mark('interpreter bootstrapped');
process.on('exit', () => mark('exit'));
