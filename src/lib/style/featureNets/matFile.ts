// A reader for MATLAB Level 5 MAT-files (MATLAB 5 … 7.x without -v7.3), what MatConvNet saves its networks in:
// the course's imagenet-vgg-verydeep-19.mat is one. It reads numeric arrays (real; views of the file's bytes
// where they are aligned, so a 500 MB file is not copied), char arrays, cell arrays and structs, compressed
// (miCOMPRESSED, zlib) or not, in either byte order. Sparse arrays, objects, complex numbers and v7.3 files
// (HDF5) are refused by name. The format: "MAT-File Format", The MathWorks, version 7.
import { inflateSync } from 'node:zlib';

export type MatNumericClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';
type NumericArray = Float64Array | Float32Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

/** A numeric (or logical) array, its values in MATLAB's column-major order (the first index fastest). */
export interface MatNumeric { kind: 'numeric'; class: MatNumericClass; logical: boolean; dims: number[]; data: NumericArray }
export interface MatChar { kind: 'char'; dims: number[]; text: string }
/** cells in column-major order */
export interface MatCell { kind: 'cell'; dims: number[]; cells: MatValue[] }
/** one record per element, in column-major order */
export interface MatStruct { kind: 'struct'; dims: number[]; fields: string[]; elements: Array<Record<string, MatValue>> }
export type MatValue = MatNumeric | MatChar | MatCell | MatStruct;

export class MatFileError extends Error {
  constructor(message: string) { super(message); this.name = 'MatFileError'; }
}

// data types of the elements (mi*) and classes of the arrays (mx*)
const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18 } as const;
const MX_NUMERIC: Record<number, MatNumericClass> = { 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8', 10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64' };
const MX_CELL = 1, MX_STRUCT = 2, MX_OBJECT = 3, MX_CHAR = 4, MX_SPARSE = 5;
const ELEMENT_SIZE: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4 };
const CLASS_ARRAY: Record<MatNumericClass, { new(buffer: ArrayBufferLike, offset: number, length: number): NumericArray; new(length: number): NumericArray; BYTES_PER_ELEMENT: number }> = {
  double: Float64Array, single: Float32Array, int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array,
  int32: Int32Array, uint32: Uint32Array, int64: BigInt64Array, uint64: BigUint64Array,
} as never;
const MI_CLASS: Record<number, MatNumericClass> = { 1: 'int8', 2: 'uint8', 3: 'int16', 4: 'uint16', 5: 'int32', 6: 'uint32', 7: 'single', 9: 'double', 12: 'int64', 13: 'uint64' };

interface Element { type: number; data: Uint8Array; littleEndian: boolean }

/** Reads every variable of a Level 5 MAT-file. `source` names the file in errors. */
export function readMatFile(bytes: Uint8Array, source = 'the MAT-file'): Record<string, MatValue> {
  if (bytes.length < 128) throw new MatFileError(`${source} is not a MAT-file (${bytes.length} bytes, shorter than its 128-byte header)`);
  const text = new TextDecoder('latin1').decode(bytes.subarray(0, 116));
  const endian = String.fromCharCode(bytes[126], bytes[127]);
  if (!text.startsWith('MATLAB') || (endian !== 'IM' && endian !== 'MI')) {
    if (text.startsWith('MATLAB 7.3') || String.fromCharCode(...bytes.subarray(512, 516)) === '\x89HDF') {
      throw new MatFileError(`${source} is a MATLAB v7.3 (HDF5) MAT-file; save it with -v7 (or scipy.io.savemat) to read it here`);
    }
    throw new MatFileError(`${source} is not a MATLAB 5 MAT-file (no 'MATLAB' header)`);
  }
  if (text.startsWith('MATLAB 7.3')) throw new MatFileError(`${source} is a MATLAB v7.3 (HDF5) MAT-file; save it with -v7 (or scipy.io.savemat) to read it here`);
  const littleEndian = endian === 'IM';
  const variables: Record<string, MatValue> = {};
  let offset = 128;
  while (offset + 8 <= bytes.length) {
    const { element, next } = readElement(bytes, offset, littleEndian, source);
    offset = next;
    let matrix = element;
    if (element.type === MI.COMPRESSED) {
      let inflated: Buffer;
      try {
        inflated = inflateSync(element.data);
      } catch (e) {
        throw new MatFileError(`${source}: a compressed variable does not inflate (${(e as Error).message}); the file may be truncated`);
      }
      matrix = readElement(new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.length), 0, littleEndian, source).element;
    }
    if (matrix.type !== MI.MATRIX) continue; // other top-level elements carry nothing we read
    const { name, value } = readMatrix(matrix, source);
    if (value) variables[name] = value;
  }
  return variables;
}

function readElement(bytes: Uint8Array, offset: number, littleEndian: boolean, source: string): { element: Element; next: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, Math.min(8, bytes.length - offset));
  const first = view.getUint32(0, littleEndian);
  // "small data element": type and size share the first 4 bytes, the data the next 4
  if (first >>> 16 !== 0) {
    const type = first & 0xffff, size = first >>> 16;
    return { element: { type, data: bytes.subarray(offset + 4, offset + 4 + size), littleEndian }, next: offset + 8 };
  }
  const size = view.getUint32(4, littleEndian);
  const start = offset + 8;
  if (start + size > bytes.length) throw new MatFileError(`${source} is truncated: an element of ${size} bytes at byte ${offset} runs past the end (${bytes.length} bytes)`);
  // compressed elements are not padded; all others end on an 8-byte boundary
  const next = first === MI.COMPRESSED ? start + size : start + Math.ceil(size / 8) * 8;
  return { element: { type: first, data: bytes.subarray(start, start + size), littleEndian }, next };
}

/** The sub-elements of a miMATRIX, in order. */
function subElements(m: Element, source: string): Element[] {
  const out: Element[] = [];
  let offset = 0;
  while (offset + 8 <= m.data.length) {
    const { element, next } = readElement(m.data, offset, m.littleEndian, source);
    out.push(element);
    offset = next;
  }
  return out;
}

function readMatrix(m: Element, source: string, where = ''): { name: string; value?: MatValue } {
  if (m.data.length === 0) return { name: '', value: { kind: 'numeric', class: 'double', logical: false, dims: [0, 0], data: new Float64Array(0) } };
  const parts = subElements(m, source);
  const [flagsEl, dimsEl, nameEl] = parts;
  if (!flagsEl || !dimsEl || !nameEl) throw new MatFileError(`${source}: a matrix${where} lacks its flags, dimensions or name`);
  const flags = integers(flagsEl);
  const mxClass = flags[0] & 0xff, complex = (flags[0] & 0x800) !== 0, logical = (flags[0] & 0x200) !== 0;
  const dims = integers(dimsEl);
  const name = new TextDecoder('latin1').decode(nameEl.data);
  const label = `${where}${name ? ` '${name}'` : ''}`;
  const count = dims.reduce((a, b) => a * b, 1);
  if (mxClass === MX_SPARSE) throw new MatFileError(`${source}: variable${label} is a sparse matrix, which this reader does not read`);
  if (mxClass === MX_OBJECT) throw new MatFileError(`${source}: variable${label} is a MATLAB object, which this reader does not read`);
  if (mxClass === MX_CELL) {
    const cells = parts.slice(3).map((p, i) => readMatrix(p, source, `${label}{${i + 1}}`).value!);
    if (cells.length !== count) throw new MatFileError(`${source}: cell array${label} has ${cells.length} cells, its dimensions say ${count}`);
    return { name, value: { kind: 'cell', dims, cells } };
  }
  if (mxClass === MX_STRUCT) {
    const fieldLength = integers(parts[3])[0];
    const namesBytes = parts[4].data;
    const fields: string[] = [];
    for (let i = 0; i + fieldLength <= namesBytes.length; i += fieldLength) {
      const raw = namesBytes.subarray(i, i + fieldLength);
      const end = raw.indexOf(0);
      fields.push(new TextDecoder('latin1').decode(end < 0 ? raw : raw.subarray(0, end)));
    }
    const values = parts.slice(5);
    if (values.length !== count * fields.length) throw new MatFileError(`${source}: struct${label} has ${values.length} field values for ${count} element(s) of ${fields.length} field(s)`);
    const elements: Array<Record<string, MatValue>> = [];
    for (let e = 0; e < count; e++) {
      const record: Record<string, MatValue> = {};
      fields.forEach((f, i) => { record[f] = readMatrix(values[e * fields.length + i], source, `${label}.${f}`).value!; });
      elements.push(record);
    }
    return { name, value: { kind: 'struct', dims, fields, elements } };
  }
  if (mxClass === MX_CHAR) {
    const real = parts[3];
    const codes = real ? typedValues(real, count) : new Uint16Array(0);
    // column-major: for a 1xN row (the usual string) that is the text in order
    let text = '';
    if (real && (real.type === MI.UTF8)) text = new TextDecoder('utf-8').decode(real.data);
    else for (let i = 0; i < codes.length; i++) text += String.fromCharCode(Number(codes[i]));
    return { name, value: { kind: 'char', dims, text } };
  }
  const cls = MX_NUMERIC[mxClass];
  if (!cls) throw new MatFileError(`${source}: variable${label} has MATLAB class ${mxClass}, which this reader does not read`);
  if (complex) throw new MatFileError(`${source}: variable${label} is complex, which this reader does not read`);
  const real = parts[3];
  if (!real) throw new MatFileError(`${source}: numeric array${label} has no data`);
  return { name, value: { kind: 'numeric', class: cls, logical, dims, data: numericData(real, cls, count, `${source}: array${label}`) } };
}

function integers(e: Element): number[] {
  const v = typedValues(e, e.data.length / (ELEMENT_SIZE[e.type] ?? 1));
  return Array.from(v as ArrayLike<number | bigint>, Number);
}

/** The element's values as its own type (a view where the bytes are aligned and in this machine's order). */
function typedValues(e: Element, count: number): NumericArray {
  const cls = MI_CLASS[e.type];
  if (!cls && e.type !== MI.UTF8 && e.type !== MI.UTF16 && e.type !== MI.UTF32) throw new MatFileError(`MAT-file: unexpected data type ${e.type}`);
  const Ctor = cls ? CLASS_ARRAY[cls] : e.type === MI.UTF16 ? Uint16Array : e.type === MI.UTF32 ? Uint32Array : Uint8Array;
  const size = Ctor.BYTES_PER_ELEMENT;
  const n = Math.min(count, Math.floor(e.data.length / size));
  const hostLittle = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (e.littleEndian === hostLittle && (e.data.byteOffset % size) === 0) return new Ctor(e.data.buffer, e.data.byteOffset, n);
  const copy = new Uint8Array(n * size);
  for (let i = 0; i < n; i++) {
    for (let b = 0; b < size; b++) copy[i * size + b] = e.data[i * size + (e.littleEndian === hostLittle ? b : size - 1 - b)];
  }
  return new Ctor(copy.buffer, 0, n);
}

/** A numeric array's values as its class (MATLAB may store them as a smaller type, e.g. doubles as uint8). */
function numericData(e: Element, cls: MatNumericClass, count: number, what: string): NumericArray {
  const stored = typedValues(e, count);
  if (stored.length !== count) throw new MatFileError(`${what} holds ${stored.length} values, its dimensions say ${count}`);
  if (MI_CLASS[e.type] === cls) return stored;
  const Ctor = CLASS_ARRAY[cls];
  const out = new Ctor(count);
  const big = cls === 'int64' || cls === 'uint64';
  for (let i = 0; i < count; i++) (out as unknown as Array<number | bigint>)[i] = big ? BigInt(stored[i] as number | bigint) : Number(stored[i]);
  return out;
}

/** The values of a numeric array in row-major order (the last index fastest), as float32: what tensors take. */
export function rowMajorFloat32(a: MatNumeric): Float32Array {
  const { dims, data } = a;
  const out = new Float32Array(data.length);
  if (data.length === 0) return out;
  const values: ArrayLike<number> = data instanceof BigInt64Array || data instanceof BigUint64Array ? Array.from(data, Number) : data as ArrayLike<number>;
  const rank = dims.length;
  const strides: number[] = []; // column-major
  for (let d = 0, s = 1; d < rank; s *= dims[d], d++) strides.push(s);
  let o = 0;
  const last = rank - 1, lastStride = strides[last], lastDim = dims[last];
  const walk = (dim: number, base: number): void => {
    if (dim === last) {
      for (let i = 0, src = base; i < lastDim; i++, src += lastStride) out[o++] = values[src];
      return;
    }
    for (let i = 0; i < dims[dim]; i++) walk(dim + 1, base + i * strides[dim]);
  };
  walk(0, 0);
  return out;
}
