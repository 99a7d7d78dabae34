/**
 * ZMTP bytes written by hand, for raw peers that play (or misplay) the
 * protocol against a socket. Nothing is checked: a test may ask for a
 * mechanism no peer knows, or give the mechanism field's raw bytes.
 */

/** The size of a ZMTP 3.x greeting. */
export const GREETING_LENGTH = 64;

export interface GreetingBytesOptions {
  /** The minor version (byte 11); 1 (ZMTP 3.1) by default. */
  readonly minor?: number;
  /**
   * The mechanism: a name, written one byte a character from byte 12 on
   * ("NULL" by default), or the raw bytes of the 20-byte mechanism field
   * (the first 20 are used).
   */
  readonly mechanism?: string | Uint8Array;
}

/**
 * A 64-byte ZMTP 3.x greeting as libzmq writes it: signature ff 00..00 01 7f,
 * version 3.minor, the mechanism, as-server 0 and zero filler.
 */
export function greetingBytes({ minor = 1, mechanism = "NULL" }: GreetingBytesOptions = {}): Uint8Array {
  const g = new Uint8Array(GREETING_LENGTH);
  g[0] = 0xff;
  g[8] = 0x01;
  g[9] = 0x7f;
  g[10] = 3;
  g[11] = minor;
  if (typeof mechanism === "string") {
    for (let i = 0; i < mechanism.length && 12 + i < GREETING_LENGTH; i++) g[12 + i] = mechanism.charCodeAt(i);
  } else {
    g.set(mechanism.subarray(0, 20), 12);
  }
  return g;
}
