// What the browser tests share: counted assertions and Debian's chromium, launched as the
// machine's probe runs it (env/machines): no sandbox as root, no background networking
// (this machine's network is closed), a fresh profile.
import {chromium} from 'playwright-core';

let failed = 0;
export const ok = (what) => console.log('ok    ' + what);
export const notOk = (what) => {
  failed++;
  console.error('FAIL  ' + what);
};

export function launchChromium() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// Prints "<script>: all passed" or how many failed, and exits 0 or 1 accordingly.
export function finish(script) {
  console.log(`${script}: ${failed === 0 ? 'all passed' : failed + ' failed'}`);
  process.exit(failed === 0 ? 0 : 1);
}
