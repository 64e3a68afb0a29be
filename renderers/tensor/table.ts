// The "Values" view: tables of a tensor's values. Ranks 0-2 are shown directly; higher ranks as
// tables over the last two axes for the first few leading indices. Size-1 axes of higher ranks are
// skipped, so [28, 28, 1] shows as one 28x28 table, not 28 tables of 28x1.
import { h } from '../shared/dom';
import { truncateText } from '../shared/escape';
import { formatCompact } from '../shared/format';

export const MAX_ROWS = 32;
export const MAX_COLUMNS = 32;
export const MAX_SLICES = 4;
const MAX_STRING_CHARS = 40;

/** Tables for `values` (flat, row-major) of a tensor of `shape`. */
export function valuesView(shape: readonly number[], dtype: string, values: ReadonlyArray<number | string>): HTMLElement {
  const strides = stridesOf(shape);
  const axes = shape.length <= 2 ? shape.map((_, i) => i) : shape.map((_, i) => i).filter(i => shape[i] !== 1);
  const columnAxis = axes.length >= 1 ? axes[axes.length - 1] : undefined;
  const rowAxis = axes.length >= 2 ? axes[axes.length - 2] : undefined;
  const leading = axes.slice(0, -2);
  const sliceCount = leading.reduce((n, axis) => n * shape[axis], 1);
  // A caption shows where a table sits in the tensor when that is not obvious: [i, j, :, :].
  const needsCaption = shape.length > 2;

  const view = h('div', { class: 'convnet-tensor-values-view' });
  if (sliceCount === 0 || (columnAxis !== undefined && shape[columnAxis] === 0)) {
    view.append(h('div', { class: 'convnet-muted' }, ['(empty)']));
    return view;
  }
  const cell = (offset: number) => valueCell(values[offset], dtype);
  const shown = Math.min(sliceCount, MAX_SLICES);
  for (let slice = 0; slice < shown; slice++) {
    const index = unravel(slice, leading.map(axis => shape[axis]));
    const base = leading.reduce((offset, axis, k) => offset + index[k] * strides[axis], 0);
    const caption = needsCaption
      ? '[' + shape.map((_, axis) => {
        const k = leading.indexOf(axis);
        if (k >= 0) return String(index[k]);
        return axis === rowAxis || axis === columnAxis ? ':' : '0';
      }).join(', ') + ']'
      : undefined;
    view.append(sliceTable(shape, strides, base, rowAxis, columnAxis, cell, caption));
  }
  if (sliceCount > shown) {
    view.append(h('div', { class: 'convnet-muted' }, [`… ${sliceCount - shown} more of ${sliceCount} slices`]));
  }
  return view;
}

function sliceTable(shape: readonly number[], strides: readonly number[], base: number, rowAxis: number | undefined,
  columnAxis: number | undefined, cell: (offset: number) => HTMLTableCellElement, caption: string | undefined): HTMLTableElement {
  const table = h('table', { class: 'convnet-tensor-values convnet-tensor-slice' });
  if (caption) table.append(h('caption', {}, [caption]));
  if (columnAxis === undefined) {
    table.append(h('tbody', {}, [h('tr', {}, [cell(base)])]));
    return table;
  }
  const columns = shape[columnAxis];
  const rows = rowAxis === undefined ? 1 : shape[rowAxis];
  const shownColumns = Math.min(columns, MAX_COLUMNS);
  const shownRows = Math.min(rows, MAX_ROWS);
  const hasRowLabels = rowAxis !== undefined;

  const head = h('tr', {}, [hasRowLabels ? h('th', { scope: 'col' }) : null]);
  for (let c = 0; c < shownColumns; c++) head.append(h('th', { scope: 'col' }, [c]));
  if (columns > shownColumns) head.append(h('th', { scope: 'col', title: `${columns - shownColumns} more columns` }, ['…']));

  const body = h('tbody');
  for (let r = 0; r < shownRows; r++) {
    const rowBase = base + (rowAxis === undefined ? 0 : r * strides[rowAxis]);
    const row = h('tr', {}, [hasRowLabels ? h('th', { scope: 'row' }, [r]) : null]);
    for (let c = 0; c < shownColumns; c++) row.append(cell(rowBase + c * strides[columnAxis]));
    if (columns > shownColumns) row.append(h('td', { class: 'convnet-muted' }, ['…']));
    body.append(row);
  }
  if (rows > shownRows) {
    body.append(h('tr', { title: `${rows - shownRows} more rows` },
      [h('th', { scope: 'row' }, ['⋮']), h('td', { colspan: shownColumns + (columns > shownColumns ? 1 : 0), class: 'convnet-muted' },
        [`${rows - shownRows} more rows`])]));
  }
  table.append(h('thead', {}, [head]), body);
  return table;
}

function valueCell(value: number | string | undefined, dtype: string): HTMLTableCellElement {
  if (value === undefined) return h('td', {}, ['?']);
  if (dtype === 'string') {
    const text = String(value);
    const shown = truncateText(text, MAX_STRING_CHARS);
    return h('td', { title: shown === text ? undefined : text }, [shown]);
  }
  const shown = formatCompact(value);
  const exact = String(value);
  const nonFinite = typeof value === 'string';
  return h('td', { title: exact === shown ? undefined : exact, class: nonFinite ? 'convnet-tensor-nonfinite' : undefined }, [shown]);
}

function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  for (let axis = shape.length - 1, stride = 1; axis >= 0; axis--) { strides[axis] = stride; stride *= shape[axis]; }
  return strides;
}

/** The multi-index of flat position `n` in row-major order over `dims`. */
function unravel(n: number, dims: readonly number[]): number[] {
  const index = new Array<number>(dims.length);
  for (let k = dims.length - 1; k >= 0; k--) { index[k] = n % dims[k]; n = Math.floor(n / dims[k]); }
  return index;
}
