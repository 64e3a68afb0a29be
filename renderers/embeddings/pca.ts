// Principal component analysis in float64, deterministic (no random start), without the DOM.
// The eigenproblem is solved on the smaller of the covariance (dim x dim) and the Gram matrix (N x N):
// both have the same non-zero eigenvalues, and 128-D face embeddings often come in batches of < 128.

/** Below this size the whole eigen-decomposition is done with cyclic Jacobi rotations; above, block power iteration. */
const JACOBI_MAX_SIZE = 48;
const MAX_POWER_ITERATIONS = 1000;
const OVERSAMPLING = 8;

export interface Eigenpairs {
  /** Eigenvalues, largest first. */
  values: number[];
  /** Unit eigenvectors (each of length m), in the order of `values`. */
  vectors: Float64Array[];
}

/** All eigenpairs of the symmetric m x m matrix `a` (row-major), by cyclic Jacobi rotations. */
export function jacobiEigen(a: ArrayLike<number>, m: number): Eigenpairs {
  const s = Float64Array.from(a as ArrayLike<number>);
  const v = new Float64Array(m * m);
  for (let i = 0; i < m; i++) v[i * m + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, total = 0;
    for (let i = 0; i < m; i++) for (let j = 0; j < m; j++) {
      total += s[i * m + j] ** 2;
      if (i !== j) off += s[i * m + j] ** 2;
    }
    if (off <= 1e-30 * total || off === 0) break;
    for (let p = 0; p < m; p++) {
      for (let q = p + 1; q < m; q++) {
        const apq = s[p * m + q];
        if (apq === 0) continue;
        // The rotation angle that zeroes s[p][q] (Golub & Van Loan, symmetric Schur decomposition).
        const tau = (s[q * m + q] - s[p * m + p]) / (2 * apq);
        const t = Math.sign(tau || 1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = t * c;
        for (let k = 0; k < m; k++) {
          const skp = s[k * m + p], skq = s[k * m + q];
          s[k * m + p] = c * skp - sn * skq;
          s[k * m + q] = sn * skp + c * skq;
        }
        for (let k = 0; k < m; k++) {
          const spk = s[p * m + k], sqk = s[q * m + k];
          s[p * m + k] = c * spk - sn * sqk;
          s[q * m + k] = sn * spk + c * sqk;
        }
        for (let k = 0; k < m; k++) {
          const vkp = v[k * m + p], vkq = v[k * m + q];
          v[k * m + p] = c * vkp - sn * vkq;
          v[k * m + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: m }, (_, i) => i).sort((x, y) => s[y * m + y] - s[x * m + x] || x - y);
  return {
    values: order.map(i => s[i * m + i]),
    vectors: order.map(i => Float64Array.from({ length: m }, (_, k) => v[k * m + i])),
  };
}

/** The `k` largest eigenpairs of the symmetric positive semi-definite m x m matrix `a`: block power
 *  iteration from a fixed start, with a Rayleigh-Ritz rotation each step so equal eigenvalues settle. */
export function topEigenpairs(a: ArrayLike<number>, m: number, k: number): Eigenpairs {
  k = Math.min(k, m);
  if (m <= JACOBI_MAX_SIZE) {
    const all = jacobiEigen(a, m);
    return { values: all.values.slice(0, k), vectors: all.vectors.slice(0, k) };
  }
  let scale = 0;
  for (let i = 0; i < m; i++) scale = Math.max(scale, Math.abs(a[i * m + i]));
  // A few extra vectors make convergence depend on the gap to eigenvalue k + extra, not k + 1.
  const block = Math.min(m, k + OVERSAMPLING);
  // A fixed, non-symmetric start: not orthogonal to the leading eigenvectors except by coincidence.
  let q: Float64Array[] = Array.from({ length: block }, (_, c) =>
    Float64Array.from({ length: m }, (_, i) => Math.sin(1 + i * (c + 1) * 0.7071) + 0.3 * Math.cos(i * 1.618 + c)));
  orthonormalize(q);
  let values = new Array<number>(block).fill(0);
  for (let iteration = 0; iteration < MAX_POWER_ITERATIONS; iteration++) {
    const z = q.map(column => multiply(a, m, column));
    orthonormalize(z);
    // Rayleigh-Ritz: diagonalise Z^T A Z (block x block) and rotate Z by its eigenvectors.
    const az = z.map(column => multiply(a, m, column));
    const small = new Float64Array(block * block);
    for (let i = 0; i < block; i++) for (let j = 0; j < block; j++) small[i * block + j] = dot(z[i], az[j]);
    const ritz = jacobiEigen(small, block);
    q = ritz.vectors.map(w => {
      const column = new Float64Array(m);
      for (let j = 0; j < block; j++) for (let i = 0; i < m; i++) column[i] += w[j] * z[j][i];
      return column;
    });
    values = ritz.values;
    // Converged when the wanted Ritz pairs have residuals ||A q - λ q|| negligible against ||A||.
    let residual = 0;
    for (let c = 0; c < k; c++) {
      const aq = multiply(a, m, q[c]);
      let r = 0;
      for (let i = 0; i < m; i++) r += (aq[i] - values[c] * q[c][i]) ** 2;
      residual = Math.max(residual, Math.sqrt(r));
    }
    if (residual <= 1e-11 * Math.max(scale, 1e-300)) break;
  }
  return { values: values.slice(0, k), vectors: q.slice(0, k) };
}

export interface PcaResult {
  /** Coordinates on the first `components` principal axes, N x components, row-major. */
  coordinates: Float64Array;
  components: number;
  /** Variance along each axis (eigenvalues of the covariance with 1/(N-1)). */
  variances: number[];
  /** Each axis's share of the total variance (NaN when all points coincide). */
  explained: number[];
}

/** Projects `vectors` (N x dim) onto their first `components` principal axes. Signs are fixed so the
 *  coordinate of largest magnitude on each axis is positive: the same data always gives the same picture. */
export function pca(vectors: ReadonlyArray<ArrayLike<number>>, components = 2): PcaResult {
  const n = vectors.length;
  const dim = n > 0 ? vectors[0].length : 0;
  const coordinates = new Float64Array(n * components);
  if (n === 0 || dim === 0) return { coordinates, components, variances: [], explained: [] };
  const mean = new Float64Array(dim);
  for (const v of vectors) for (let d = 0; d < dim; d++) mean[d] += v[d] / n;
  const centred = vectors.map(v => Float64Array.from({ length: dim }, (_, d) => v[d] - mean[d]));
  const denominator = Math.max(n - 1, 1);
  let totalVariance = 0;
  for (const row of centred) for (let d = 0; d < dim; d++) totalVariance += row[d] * row[d] / denominator;

  const k = Math.min(components, dim, n);
  const axes: Float64Array[] = [];
  let variances: number[];
  if (dim <= n) {
    const covariance = new Float64Array(dim * dim);
    for (const row of centred) {
      for (let i = 0; i < dim; i++) {
        const ri = row[i] / denominator;
        if (ri === 0) continue;
        for (let j = i; j < dim; j++) covariance[i * dim + j] += ri * row[j];
      }
    }
    for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) covariance[i * dim + j] = covariance[j * dim + i];
    const eig = topEigenpairs(covariance, dim, k);
    variances = eig.values.map(value => Math.max(value, 0));
    axes.push(...eig.vectors);
    for (let c = 0; c < k; c++) {
      for (let p = 0; p < n; p++) coordinates[p * components + c] = dot(centred[p], axes[c]);
    }
  } else {
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) {
      const g = dot(centred[i], centred[j]) / denominator;
      gram[i * n + j] = g;
      gram[j * n + i] = g;
    }
    const eig = topEigenpairs(gram, n, k);
    variances = eig.values.map(value => Math.max(value, 0));
    // X v = sigma u with sigma^2 = lambda (N - 1): the scores are the Gram eigenvectors scaled by sigma.
    for (let c = 0; c < k; c++) {
      const sigma = Math.sqrt(variances[c] * denominator);
      for (let p = 0; p < n; p++) coordinates[p * components + c] = sigma * eig.vectors[c][p];
    }
  }
  while (variances.length < components) variances.push(0);
  for (let c = 0; c < components; c++) {
    let largest = 0;
    for (let p = 0; p < n; p++) {
      const value = coordinates[p * components + c];
      if (Math.abs(value) > Math.abs(largest) * (1 + 1e-9)) largest = value;
    }
    if (largest < 0) for (let p = 0; p < n; p++) coordinates[p * components + c] *= -1;
  }
  return {
    coordinates, components, variances,
    explained: variances.map(v => (totalVariance > 0 ? v / totalVariance : NaN)),
  };
}

function multiply(a: ArrayLike<number>, m: number, x: Float64Array): Float64Array {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let sum = 0;
    const row = i * m;
    for (let j = 0; j < m; j++) sum += a[row + j] * x[j];
    y[i] = sum;
  }
  return y;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** Modified Gram-Schmidt in place; a column that vanishes is replaced by a unit vector orthogonal to the rest. */
function orthonormalize(columns: Float64Array[]): void {
  const m = columns[0]?.length ?? 0;
  for (let c = 0; c < columns.length; c++) {
    const column = columns[c];
    for (let pass = 0; pass < 2; pass++) {
      for (let previous = 0; previous < c; previous++) {
        const projection = dot(column, columns[previous]);
        for (let i = 0; i < m; i++) column[i] -= projection * columns[previous][i];
      }
    }
    let norm = Math.sqrt(dot(column, column));
    if (!(norm > 1e-300)) {
      // A rank-deficient matrix (e.g. identical points): any orthogonal direction will do.
      for (let basis = 0; basis < m && !(norm > 1e-300); basis++) {
        column.fill(0);
        column[basis] = 1;
        for (let previous = 0; previous < c; previous++) {
          const projection = dot(column, columns[previous]);
          for (let i = 0; i < m; i++) column[i] -= projection * columns[previous][i];
        }
        norm = Math.sqrt(dot(column, column));
      }
    }
    for (let i = 0; i < m; i++) column[i] /= norm;
  }
}
