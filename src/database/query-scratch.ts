/**
 * The arrays a query fills (query.ts): made new for each query, or lent by a `QueryScratch` so
 * that queries allocate none. V8 counts a typed array's memory as external, and enough new
 * external memory a second sets off full collections (web/body-pool.ts).
 */

/** The largest array a {@link QueryScratch} keeps (in values); a larger query allocates its own. */
const SCRATCH_MAX_VALUES = 128 * 1024;

/** Where a query takes each of its arrays of `n` values from. */
export interface QueryArrays {
  /** The grouped rows. */
  raw(n: number): Float64Array;
  /** The rows' times. */
  times(n: number): Float64Array;
  /** The shown dimensions' values, when some are hidden or reshaped. */
  values(n: number): Float64Array;
  /** One dimension's slots, read before they are grouped. */
  column(n: number): Float64Array;
}

/** What a query without a scratch uses: new arrays, its own. */
export const FRESH_ARRAYS: QueryArrays = {
  raw: (n) => new Float64Array(n),
  times: (n) => new Float64Array(n),
  values: (n) => new Float64Array(n),
  column: (n) => new Float64Array(n),
};

/** One array used again and again: grown to a power of two when `n` is past it. */
function reused(): (n: number) => Float64Array {
  let array = new Float64Array(0);
  return (n) => {
    if (n > array.length) array = new Float64Array(n > SCRATCH_MAX_VALUES ? n : 2 ** Math.ceil(Math.log2(n)));
    return array.subarray(0, n);
  };
}

/**
 * Arrays lent to `queryChart`. A result made with a scratch reads its arrays, so it is valid
 * only until the next query given the same scratch.
 */
export class QueryScratch implements QueryArrays {
  readonly raw = reused();
  readonly times = reused();
  readonly values = reused();
  readonly column = reused();
}
