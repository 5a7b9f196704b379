/**
 * Incremental counters that went backwards: overflow or reset (reference §1.5 step 1, the 1.37
 * rule). Counters are compared as unsigned 64-bit numbers, as netdata does.
 */

/** The largest 32-bit counter value. */
const CAP_32 = 0xffffffff;
/** netdata's MAX_INCREMENTAL_PERCENT_RATE: a wrap adding less than 10 % of the cap is an overflow. */
const MAX_INCREMENTAL_PERCENT_RATE = 10;

const CAP_32_BIG = 0xffffffffn;
const CAP_64_BIG = 0xffffffffffffffffn;
/** floor(0xFFFFFFFF / 100) * 10 */
const MAX_RATE_32 = Math.floor(CAP_32 / 100) * MAX_INCREMENTAL_PERCENT_RATE;

/** Whether `current` is below `last` when both are read as unsigned 64-bit integers. */
export function wentBackwards(last: number, current: number): boolean {
  // A negative value reads as 2^64 + value: above every non-negative one.
  if (last < 0 !== current < 0) return last < 0;
  return last > current;
}

/**
 * The delta of a counter that went backwards, before multiplier and divisor: the wrapped
 * distance when it is below 10 % of the cap (overflow), else 0 (reset). The cap is 2^32 - 1 while
 * the dimension never collected more than that, 2^64 - 1 after. `lastBig` / `currentBig` are the
 * exact values when the dimension has BigInt shadows (null = the double is exact).
 */
export function wrappedDelta(
  last: number,
  current: number,
  collectedMax: number,
  lastBig: bigint | null,
  currentBig: bigint | null,
): number {
  if (lastBig === null && currentBig === null && collectedMax <= CAP_32 && last >= 0 && current >= 0) {
    const delta = CAP_32 - last + current; // exact: every term is below 2^33
    return delta < MAX_RATE_32 ? delta : 0;
  }
  return wrappedDeltaBig(
    lastBig ?? BigInt(Math.trunc(last)),
    currentBig ?? BigInt(Math.trunc(current)),
    collectedMax,
  );
}

function wrappedDeltaBig(last: bigint, current: bigint, collectedMax: number): number {
  const cap = collectedMax > CAP_32 ? CAP_64_BIG : CAP_32_BIG;
  const delta = BigInt.asUintN(64, cap - BigInt.asUintN(64, last) + BigInt.asUintN(64, current));
  const maxRate = (cap / 100n) * BigInt(MAX_INCREMENTAL_PERCENT_RATE);
  return delta < maxRate ? Number(delta) : 0;
}

/**
 * Compares two exact values (at least one had a BigInt shadow) as unsigned 64-bit integers:
 * `backwards` when the counter went down (the caller then applies `wrappedDelta`), else the exact
 * `current - last`. Rare path: it allocates.
 */
export function bigDelta(last: bigint, current: bigint): { backwards: boolean; delta: number } {
  const ul = BigInt.asUintN(64, last);
  const uc = BigInt.asUintN(64, current);
  return ul > uc ? { backwards: true, delta: 0 } : { backwards: false, delta: Number(uc - ul) };
}
