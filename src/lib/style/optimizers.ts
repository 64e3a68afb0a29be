// Optimisers of the generated image's pixels. Adam and SGD step a tf.Variable in place; L-BFGS works on the
// flattened pixels as a Float64Array (two-loop recursion, history m = 10, backtracking Armijo line search),
// written here because TF.js has none. `minimizeLbfgs` is generic: any f: R^n → R with its gradient.
import { check } from './errors';

/** Adam (Kingma & Ba): tf.train.adam's parameters. */
export interface AdamSettings { kind: 'adam'; learningRate: number; beta1?: number; beta2?: number; epsilon?: number }
/** Plain gradient descent with lr_t = learningRate · decayRate^(t / decaySteps) (Keras' ExponentialDecay, not staircase). */
export interface SgdSettings { kind: 'sgd'; learningRate: number; decayRate?: number; decaySteps?: number }
/** Limited-memory BFGS; learningRate scales the first step (1 as in PyTorch's LBFGS). */
export interface LbfgsSettings { kind: 'lbfgs'; learningRate?: number; history?: number }
export type OptimizerSettings = AdamSettings | SgdSettings | LbfgsSettings;
export type OptimizerName = OptimizerSettings['kind'];

/** The learning rate of SGD at 0-based step t. */
export function sgdLearningRate(settings: SgdSettings, t: number): number {
  const { learningRate, decayRate = 1, decaySteps = 1 } = settings;
  return learningRate * decayRate ** (t / decaySteps);
}

export function checkOptimizerSettings(s: OptimizerSettings, fn: string): void {
  check(s != null && (s.kind === 'adam' || s.kind === 'sgd' || s.kind === 'lbfgs'),
    () => `${fn}: optimizer must be 'adam', 'lbfgs' or 'sgd'; got ${JSON.stringify((s as { kind?: unknown })?.kind ?? s)}`);
  const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;
  if (s.learningRate !== undefined) check(positive(s.learningRate), () => `${fn}: learningRate must be a positive number; got ${s.learningRate}`);
  if (s.kind === 'lbfgs' && s.history !== undefined) {
    check(Number.isInteger(s.history) && s.history >= 1, () => `${fn}: the L-BFGS history must be a whole number >= 1; got ${s.history}`);
  }
}

// ---- L-BFGS -------------------------------------------------------------------------------------------

/** f(x) and ∇f(x). `evaluate` may project x in place (e.g. clip pixels): the point evaluated is x afterwards. */
export type Evaluate = (x: Float64Array) => Promise<{ f: number; g: Float64Array }> | { f: number; g: Float64Array };

export interface LbfgsState {
  x: Float64Array;
  f: number;
  g: Float64Array;
  /** Curvature pairs s_k = x_{k+1} − x_k, y_k = g_{k+1} − g_k, oldest first, at most `history`. */
  s: Float64Array[];
  y: Float64Array[];
  /** Function evaluations so far (the first one included). */
  evaluations: number;
  /** Set when the line search found no decrease even along −g: x is (numerically) a minimum. */
  converged: boolean;
}

const ARMIJO_C1 = 1e-4;
const MAX_BACKTRACKS = 25;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Evaluates f at x0 and returns the starting state. x0 is copied. */
export async function lbfgsStart(x0: Float64Array, evaluate: Evaluate): Promise<LbfgsState> {
  const x = Float64Array.from(x0);
  const { f, g } = await evaluate(x);
  return { x, f, g: Float64Array.from(g), s: [], y: [], evaluations: 1, converged: false };
}

/**
 * The quasi-Newton direction d = −H·g by the two-loop recursion (Nocedal & Wright, Algorithm 7.4), with the
 * initial Hessian approximation H0 = (sᵀy / yᵀy)·I from the newest pair.
 */
export function lbfgsDirection(g: Float64Array, s: readonly Float64Array[], y: readonly Float64Array[]): Float64Array {
  const q = Float64Array.from(g);
  const k = s.length;
  const alpha = new Float64Array(k), rho = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    rho[i] = 1 / dot(y[i], s[i]);
    alpha[i] = rho[i] * dot(s[i], q);
    for (let j = 0; j < q.length; j++) q[j] -= alpha[i] * y[i][j];
  }
  const gamma = k > 0 ? dot(s[k - 1], y[k - 1]) / dot(y[k - 1], y[k - 1]) : 1;
  for (let j = 0; j < q.length; j++) q[j] *= gamma;
  for (let i = 0; i < k; i++) {
    const beta = rho[i] * dot(y[i], q);
    for (let j = 0; j < q.length; j++) q[j] += s[i][j] * (alpha[i] - beta);
  }
  for (let j = 0; j < q.length; j++) q[j] = -q[j];
  return q;
}

/**
 * One L-BFGS iteration: direction by the two-loop recursion, then a backtracking line search (halving the
 * step until the Armijo condition f(x + t·d) ≤ f(x) + c1·t·∇fᵀd holds, c1 = 1e-4). The first iteration
 * starts at t = learningRate · min(1, 1/‖g‖₁) (as PyTorch does), later ones at t = learningRate. A pair (s, y)
 * is kept only when sᵀy > 1e-10·‖s‖·‖y‖ (the curvature condition Armijo alone does not guarantee), which
 * keeps H positive definite. When no step decreases f, the history is dropped and −g tried; if that fails
 * too, `converged` is set and x stays. Updates `state` in place.
 */
export async function lbfgsIterate(state: LbfgsState, evaluate: Evaluate, settings: { learningRate?: number; history?: number } = {}): Promise<LbfgsState> {
  const lr = settings.learningRate ?? 1;
  const m = settings.history ?? 10;
  if (state.converged) return state;
  for (let attempt = 0; attempt < 2; attempt++) {
    let d = lbfgsDirection(state.g, state.s, state.y);
    let slope = dot(state.g, d);
    if (!(slope < 0)) {
      // Not a descent direction (numerical trouble): fall back to steepest descent.
      state.s = []; state.y = [];
      d = lbfgsDirection(state.g, [], []);
      slope = dot(state.g, d);
      if (!(slope < 0)) { state.converged = true; return state; } // g = 0
    }
    let gNorm1 = 0;
    for (let i = 0; i < state.g.length; i++) gNorm1 += Math.abs(state.g[i]);
    let t = state.s.length === 0 ? lr * Math.min(1, 1 / gNorm1) : lr;
    for (let tries = 0; tries < MAX_BACKTRACKS; tries++, t /= 2) {
      const x = new Float64Array(state.x.length);
      for (let i = 0; i < x.length; i++) x[i] = state.x[i] + t * d[i];
      const { f, g } = await evaluate(x);
      state.evaluations++;
      if (Number.isFinite(f) && f <= state.f + ARMIJO_C1 * t * slope) {
        const s = new Float64Array(x.length), y = new Float64Array(x.length);
        for (let i = 0; i < x.length; i++) { s[i] = x[i] - state.x[i]; y[i] = g[i] - state.g[i]; }
        const sy = dot(s, y);
        if (sy > 1e-10 * Math.sqrt(dot(s, s) * dot(y, y))) {
          state.s.push(s); state.y.push(y);
          if (state.s.length > m) { state.s.shift(); state.y.shift(); }
        }
        state.x = x; state.f = f; state.g = Float64Array.from(g);
        return state;
      }
    }
    if (state.s.length === 0) break; // steepest descent found no decrease either
    state.s = []; state.y = [];
  }
  state.converged = true;
  return state;
}

export interface LbfgsResult { x: Float64Array; f: number; g: Float64Array; iterations: number; evaluations: number; converged: boolean }

/**
 * Minimises f from x0 with L-BFGS until `iterations` iterations, ‖g‖∞ ≤ gradientTolerance, or no decrease.
 */
export async function minimizeLbfgs(evaluate: Evaluate, x0: Float64Array | number[],
  options: { iterations?: number; learningRate?: number; history?: number; gradientTolerance?: number } = {}): Promise<LbfgsResult> {
  const iterations = options.iterations ?? 100;
  const tolerance = options.gradientTolerance ?? 1e-10;
  check(Number.isInteger(iterations) && iterations >= 0, () => `minimizeLbfgs: iterations must be a whole number >= 0; got ${iterations}`);
  const state = await lbfgsStart(Float64Array.from(x0), evaluate);
  let done = 0;
  for (; done < iterations; done++) {
    let gMax = 0;
    for (let i = 0; i < state.g.length; i++) gMax = Math.max(gMax, Math.abs(state.g[i]));
    if (gMax <= tolerance || state.converged) break;
    await lbfgsIterate(state, evaluate, options);
  }
  return { x: state.x, f: state.f, g: state.g, iterations: done, evaluations: state.evaluations, converged: state.converged };
}
