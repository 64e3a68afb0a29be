// Messages between the extension host (or the headless runner) and the kernel process.
// Type-only: imported by src/controller, src/kernel and src/cli; never by renderers.

/** An output's representations, keyed by MIME type (nbformat's `data`). Text types hold strings,
 *  JSON types hold plain values, binary types (image/png) hold base64 strings as nbformat stores them. */
export type MimeBundle = Record<string, unknown>;

export type Language = 'typescript' | 'javascript';

// ---- host -> kernel -------------------------------------------------------------------------

export interface ExecuteRequest {
  type: 'execute';
  requestId: string;
  code: string;
  language: Language;
  /** Shown in stack traces, e.g. "Cell 3". */
  cellName: string;
}
/** Soft interrupt over IPC; the client also pokes the kernel's interrupt pipe, which works while
 *  the kernel's main thread is busy. */
export interface InterruptRequest { type: 'interrupt'; requestId: string }
/** Forget all cell state (a fresh context) without restarting the process. */
export interface ResetRequest { type: 'reset'; requestId: string }
export interface ShutdownRequest { type: 'shutdown'; requestId: string }
/** Ask for runtime facts (backend, memory) for the status bar. */
export interface InfoRequest { type: 'info'; requestId: string }

export type HostToKernel = ExecuteRequest | InterruptRequest | ResetRequest | ShutdownRequest | InfoRequest;

// ---- kernel -> host -------------------------------------------------------------------------

export interface ReadyMessage { type: 'ready'; pid: number; node: string; cwd: string }
export interface StreamMessage { type: 'stream'; requestId: string; name: 'stdout' | 'stderr'; text: string }
/** A rich output; `displayId` lets later `update` messages replace it in place. */
export interface DisplayMessage { type: 'display'; requestId: string; data: MimeBundle; displayId?: string }
export interface UpdateMessage { type: 'update'; requestId: string; displayId: string; data: MimeBundle }
/** The value of the cell's last expression. */
export interface ResultMessage { type: 'result'; requestId: string; data: MimeBundle }
export interface ErrorMessage {
  type: 'error';
  requestId: string;
  ename: string;
  evalue: string;
  /** Lines of the stack trace, frames already mapped to `Cell N:line:col` of the source. */
  traceback: string[];
}
export interface DoneMessage { type: 'done'; requestId: string; success: boolean; interrupted?: boolean; durationMs: number }
export interface InfoMessage { type: 'info'; requestId: string; info: KernelInfo }
/** Kernel-internal diagnostics for the host's log (never shown in a cell). */
export interface LogMessage { type: 'log'; level: 'info' | 'warn' | 'error'; text: string }

export type KernelToHost =
  | ReadyMessage | StreamMessage | DisplayMessage | UpdateMessage | ResultMessage
  | ErrorMessage | DoneMessage | InfoMessage | LogMessage;

export interface KernelInfo {
  node: string;
  pid: number;
  /** Filled once the course library has been loaded; null before. */
  backend: BackendSummary | null;
  memory: { rssBytes: number; heapUsedBytes: number; tensors?: number; tensorBytes?: number };
}

export interface BackendSummary {
  name: string;
  detail: string;
  /** Set when the requested backend is not in use, or runs degraded (a software GPU adapter). */
  warning?: string;
  /** Faster backends passed over, with why; `fix` when the user can do something about it. */
  skipped?: { name: string; reason: string; fix?: string }[];
}
