/**
 * Fresh endpoint names, so that no two tests in a file bind the same one.
 */

/**
 * Returns a function that gives a new endpoint name at each call:
 * `${base}-${n}`, or `${base}-${label}-${n}` with a label (`defaultLabel`
 * when the call gives none), n counting 1, 2, 3 ... per returned function.
 *
 *   const endpoint = endpointNames("inproc://push-pull");
 *   endpoint(); // "inproc://push-pull-1"
 */
export function endpointNames(base: string, defaultLabel?: string): (label?: string) => string {
  let n = 0;
  return (label = defaultLabel) => (label === undefined ? `${base}-${++n}` : `${base}-${label}-${++n}`);
}
