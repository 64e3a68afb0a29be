// A minimal Level 5 MAT-file writer for tests (uncompressed, little-endian): cells, 1x1 structs, char rows and
// single-precision arrays. Only for building files too large to commit (a full-size VGG-19); the reader's
// own correctness is anchored on files SciPy wrote (test/fixtures/mat).

export type MatIn =
  | { cell: MatIn[] }
  | { struct: Record<string, MatIn> }
  | { text: string }
  | { dims: number[]; single: Float32Array }; // values column-major

const MI_INT8 = 1, MI_UINT16 = 4, MI_INT32 = 5, MI_UINT32 = 6, MI_SINGLE = 7, MI_MATRIX = 14;
const MX_CELL = 1, MX_STRUCT = 2, MX_CHAR = 4, MX_SINGLE = 7;

function element(type: number, data: Uint8Array): Uint8Array {
  const padded = Math.ceil(data.length / 8) * 8;
  const out = new Uint8Array(8 + padded);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, data.length, true);
  out.set(data, 8);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};

function matrix(name: string, value: MatIn): Uint8Array {
  const header = (mxClass: number, dims: number[]) => [
    element(MI_UINT32, bytesOf(new Uint32Array([mxClass, 0]))),
    element(MI_INT32, bytesOf(new Int32Array(dims))),
    element(MI_INT8, new TextEncoder().encode(name)),
  ];
  let parts: Uint8Array[];
  if ('cell' in value) parts = [...header(MX_CELL, [1, value.cell.length]), ...value.cell.map(v => matrix('', v))];
  else if ('struct' in value) {
    const fields = Object.keys(value.struct);
    const width = Math.max(...fields.map(f => f.length)) + 1;
    const names = new Uint8Array(width * fields.length);
    fields.forEach((f, i) => names.set(new TextEncoder().encode(f), i * width));
    parts = [...header(MX_STRUCT, [1, 1]), element(MI_INT32, bytesOf(new Int32Array([width]))), element(MI_INT8, names),
      ...fields.map(f => matrix('', value.struct[f]))];
  } else if ('text' in value) {
    parts = [...header(MX_CHAR, [1, value.text.length]), element(MI_UINT16, bytesOf(Uint16Array.from(value.text, c => c.charCodeAt(0))))];
  } else {
    parts = [...header(MX_SINGLE, value.dims), element(MI_SINGLE, bytesOf(value.single))];
  }
  return element(MI_MATRIX, concat(parts));
}

/** The bytes of a MAT-file holding `variables`. */
export function writeMatFile(variables: Record<string, MatIn>): Uint8Array {
  const head = new Uint8Array(128).fill(32);
  head.set(new TextEncoder().encode('MATLAB 5.0 MAT-file, written by the ConvNet Notebooks tests'));
  new DataView(head.buffer).setUint16(124, 0x0100, true);
  head[126] = 'I'.charCodeAt(0);
  head[127] = 'M'.charCodeAt(0);
  return concat([head, ...Object.entries(variables).map(([n, v]) => matrix(n, v))]);
}
