/**
 * PGM sequence numbers are 32-bit and wrap (RFC 3208 section 4: comparisons
 * in serial-number arithmetic). These compare and step them.
 */

/** a - b as a signed 32-bit distance. */
export function sqnDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a < b in sequence space. */
export function sqnLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** a <= b in sequence space. */
export function sqnLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

/** a + n, wrapped to 32 bits unsigned. */
export function sqnAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}
