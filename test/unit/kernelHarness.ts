// Test helper: a real kernel process (dist/kernel.js, built by `npm run build`) driven over its
// protocol, collecting each execution's messages in order.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KernelClient, type ExecutionOutcome, type ExecutionOutput } from '../../src/kernel/client';

export const ROOT = path.resolve(__dirname, '..', '..');
export const KERNEL_PATH = path.join(ROOT, 'dist', 'kernel.js');

export interface Run { outcome: ExecutionOutcome; outputs: ExecutionOutput[]; stdout: string; stderr: string; result?: string }

export function startKernel(cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cnb-kernel-'))): KernelClient {
  if (!fs.existsSync(KERNEL_PATH)) throw new Error(`${KERNEL_PATH} is missing: run npm run build first`);
  return KernelClient.start({ kernelPath: KERNEL_PATH, cwd, env: { CONVNET_BACKEND: 'cpu' } });
}

export async function run(kernel: KernelClient, code: string, cell = 'Cell 1', language: 'typescript' | 'javascript' = 'typescript'): Promise<Run> {
  const outputs: ExecutionOutput[] = [];
  const outcome = await kernel.execute(code, language, cell, m => outputs.push(m));
  const text = (name: string) => outputs.filter(o => o.type === 'stream' && o.name === name).map(o => (o as { text: string }).text).join('');
  const result = outputs.find(o => o.type === 'result') as { data: Record<string, unknown> } | undefined;
  return { outcome, outputs, stdout: text('stdout'), stderr: text('stderr'), result: result?.data['text/plain'] as string | undefined };
}

export function errorOf(r: Run): { ename: string; evalue: string; traceback: string[] } | undefined {
  return r.outputs.find(o => o.type === 'error') as { ename: string; evalue: string; traceback: string[] } | undefined;
}
