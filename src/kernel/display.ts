// The `display` global: `display(value, { id })` shows a rich value now; `display.update(id, value)`
// replaces that output in place (Jupyter's update_display_data), e.g. live training progress.
import { formatValue } from './formatters';
import type { OutputChannel } from './outputChannel';

export interface DisplayOptions { id?: string }

export interface DisplayFunction {
  (value: unknown, options?: DisplayOptions): Promise<void>;
  update(id: string, value: unknown): Promise<void>;
}

export function createDisplay(output: OutputChannel): DisplayFunction {
  const display = ((value: unknown, options: DisplayOptions = {}) => {
    if (options === null || typeof options !== 'object') {
      throw new TypeError(`display: options must be an object like { id: 'progress' }, got ${typeof options}`);
    }
    if (options.id !== undefined && (typeof options.id !== 'string' || options.id === '')) {
      throw new TypeError(`display: options.id must be a non-empty string, got ${JSON.stringify(options.id)}`);
    }
    return output.rich('display', () => formatValue(value), options.id);
  }) as DisplayFunction;
  display.update = (id: string, value: unknown) => {
    if (typeof id !== 'string' || id === '') {
      throw new TypeError(`display.update: id must be the non-empty string given to display(value, { id }), got ${JSON.stringify(id)}`);
    }
    return output.rich('update', () => formatValue(value), id);
  };
  return display;
}
