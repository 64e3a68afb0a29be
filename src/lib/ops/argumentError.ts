// Argument checks shared by the course topics. Each topic keeps its own error class (FaceArgumentError,
// StyleArgumentError, …) so users can tell where a bad argument went; the check itself is written once here.

export type Check = (cond: unknown, message: () => string) => asserts cond;

/** A `check(cond, message)` that throws `new ErrorClass(message())` (built only on failure) unless `cond` holds. */
export function checkThrowing(ErrorClass: new (message: string) => Error): Check {
  return (cond, message) => {
    if (!cond) throw new ErrorClass(message());
  };
}

export const isPositiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
export const isNonNegativeInteger = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;
