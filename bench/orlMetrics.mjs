// ORL helpers shared by the face benchmarks: the PGM reader and the metrics (rank-1 nearest neighbour,
// 10-fold pair accuracy as LFW reports it). Plain JS in float64, independent of the library under test.
import * as fs from 'node:fs';

export function readPgm(file) {
  const buf = fs.readFileSync(file);
  const tokens = [];
  let pos = 0;
  while (tokens.length < 4) {
    while (/\s/.test(String.fromCharCode(buf[pos]))) pos++;
    if (buf[pos] === 0x23) { while (buf[pos] !== 0x0a) pos++; continue; }
    let s = '';
    while (!/\s/.test(String.fromCharCode(buf[pos]))) s += String.fromCharCode(buf[pos++]);
    tokens.push(s);
  }
  if (tokens[0] !== 'P5' || tokens[3] !== '255') throw new Error(`${file}: not an 8-bit P5 PGM`);
  const w = Number(tokens[1]), h = Number(tokens[2]);
  pos++;
  return { w, h, data: Float32Array.from(buf.subarray(pos, pos + w * h)) };
}

export function dist(a, b) { let s = 0; for (let i = 0; i < a.length; i++) { const d = a[i] - b[i]; s += d * d; } return Math.sqrt(s); }

export function rank1(desc, labels, galleryOf) {
  let correct = 0, total = 0;
  for (let i = 0; i < desc.length; i++) {
    if (galleryOf && galleryOf(i)) continue;
    let best = Infinity, bestJ = -1;
    for (let j = 0; j < desc.length; j++) {
      if (j === i || (galleryOf && !galleryOf(j))) continue;
      const d = dist(desc[i], desc[j]);
      if (d < best) { best = d; bestJ = j; }
    }
    total++;
    if (labels[bestJ] === labels[i]) correct++;
  }
  return correct / total;
}

export function seeded(seed) { return () => { seed = (seed * 1664525 + 1013904223) >>> 0; return seed / 2 ** 32; }; }

export function pairs(labels) {
  const same = [], diff = [];
  for (let i = 0; i < labels.length; i++) for (let j = i + 1; j < labels.length; j++) if (labels[i] === labels[j]) same.push([i, j, 1]);
  const rand = seeded(12345);
  while (diff.length < same.length) {
    const i = Math.floor(rand() * labels.length), j = Math.floor(rand() * labels.length);
    if (labels[i] !== labels[j]) diff.push([i, j, 0]);
  }
  const all = [...same, ...diff];
  for (let i = all.length - 1; i > 0; i--) { const j = Math.floor(rand() * (i + 1)); [all[i], all[j]] = [all[j], all[i]]; }
  return all;
}

export function accuracyAt(scored, t) { return scored.filter(([d, same]) => (d < t) === (same === 1)).length / scored.length; }

export function pairAccuracy(desc, labels) {
  const scored = pairs(labels).map(([i, j, same]) => [dist(desc[i], desc[j]), same]);
  const folds = 10, accs = [], thresholds = [];
  for (let f = 0; f < folds; f++) {
    const test = scored.filter((_, k) => k % folds === f), train = scored.filter((_, k) => k % folds !== f);
    const candidates = [...new Set(train.map(([d]) => d))].sort((a, b) => a - b);
    let bestT = 0, bestAcc = -1;
    for (let c = 0; c < candidates.length; c++) {
      const t = c + 1 < candidates.length ? (candidates[c] + candidates[c + 1]) / 2 : candidates[c] + 1e-6;
      const acc = accuracyAt(train, t);
      if (acc > bestAcc) { bestAcc = acc; bestT = t; }
    }
    thresholds.push(bestT);
    accs.push(accuracyAt(test, bestT));
  }
  const mean = accs.reduce((a, b) => a + b, 0) / folds;
  const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / folds);
  const sameD = scored.filter(s => s[1] === 1).map(s => s[0]), diffD = scored.filter(s => s[1] === 0).map(s => s[0]);
  const avg = xs => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    pairs: scored.length, tenFold: { mean: +mean.toFixed(4), std: +std.toFixed(4), thresholds: thresholds.map(t => +t.toFixed(3)) },
    atDlib06: +accuracyAt(scored, 0.6).toFixed(4), meanSame: +avg(sameD).toFixed(4), meanDifferent: +avg(diffD).toFixed(4),
  };
}
