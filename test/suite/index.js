// Mocha loader for the integration suite. The VS Code extension host loads this file
// (extensionTestsPath, from test/run-ext-tests.mjs or test/run-electron-tests.mjs) and awaits run();
// a rejection makes the whole run exit non-zero.
const path = require('path');
const fs = require('fs');
const util = require('util');
// mocha 12 is ESM: require() gives the constructor on Node 22.12+/24, a namespace on older Node.
const mochaModule = require('mocha');
const Mocha = typeof mochaModule === 'function' ? mochaModule : mochaModule.Mocha;

// The extension host's console goes to the workbench log mixed with everything else, so the reporter
// also writes a file that the outer runner prints (EXT_TEST_REPORT overrides its place).
const REPORT = process.env.EXT_TEST_REPORT || path.resolve(__dirname, '..', '..', 'test-results', 'ext-host-mocha.log');

function log(...args) {
  fs.appendFileSync(REPORT, util.format(...args) + '\n');
  console.log(...args);
}
exports.log = log;

exports.run = function run() {
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, '');
  // VS Code's extension host makes console.log a no-op for extensions under test: hook the
  // reporter's output function instead.
  Mocha.reporters.Base.consoleLog = log;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 60000, reporter: 'spec' });
  if (process.env.EXT_TEST_GREP) mocha.grep(process.env.EXT_TEST_GREP);
  for (const f of fs.readdirSync(__dirname).filter(f => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, f));
  }
  return new Promise((resolve, reject) => {
    try {
      const runner = mocha.run(failures => {
        // The closing line the runners and scripts/test-all.mjs read.
        log(`suite: ${runner.stats.passes} passed, ${runner.stats.failures} failed, ${runner.stats.pending} skipped`);
        failures > 0 ? reject(new Error(`${failures} tests failed.`)) : resolve();
      });
    } catch (err) {
      log(`suite: 0 passed, 1 failed, 0 skipped (${err && err.stack || err})`);
      reject(err);
    }
  });
};
