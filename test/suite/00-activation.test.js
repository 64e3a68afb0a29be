const assert = require('assert');
const vscode = require('vscode');
const { CONTROLLER_ID, activateExtension } = require('./helpers');

describe('activation (inside the extension host)', () => {
  let api;
  before(async () => { api = await activateExtension(); });

  it('runs in a Node extension host', () => {
    assert.strictEqual(typeof require('fs').readFileSync, 'function');
    assert.ok(process.versions.node);
    require('./index').log(`      node ${process.version}, vscode ${vscode.version}, uiKind=${vscode.env.uiKind}, remoteName=${vscode.env.remoteName}`);
  });

  it('returns its API from activate()', () => {
    assert.ok(api, 'activate() returned an API');
    assert.strictEqual(api.controllerId, CONTROLLER_ID);
    assert.strictEqual(typeof api.kernelPid, 'function');
  });

  it('registers its commands', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    for (const c of ['convnetNotebooks.restartKernel', 'convnetNotebooks.interruptKernel', 'convnetNotebooks.openSamples', 'convnetNotebooks.showLog']) {
      assert.ok(all.has(c), `command ${c} is registered`);
    }
  });

  it('runs with workspace trust disabled (cells may run)', () => {
    assert.strictEqual(vscode.workspace.isTrusted, true);
  });
});
