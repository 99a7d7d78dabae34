/**
 * CURVE keys as users give them: 32 raw bytes, or 40 Z85 characters
 * (RFC 32), as libzmq and zeromq.js take them.
 */
import { ZmqError } from "@zmq/kernel";
import { z85Decode, z85Encode } from "@zmq/wire";
import type { CurveCrypto } from "./crypto.js";
import { KEY_SIZE } from "./bytes.js";

/** A key as an option takes it. */
export type CurveKey = string | Uint8Array;

const Z85_KEY_LENGTH = 40;
const Z85_ALPHABET = /^[0-9a-zA-Z.\-:+=^!/*?&<>()[\]{}@%$#]{40}$/;

/** Why a value is not a key, or undefined when it is one. Never repeats the value (it may be a secret). */
export function keyProblem(value: unknown): string | undefined {
  if (typeof value === "string") {
    return value.length === Z85_KEY_LENGTH && Z85_ALPHABET.test(value) ? undefined : `a 40-character Z85 string (got ${value.length} characters)`;
  }
  if (value instanceof Uint8Array) return value.length === KEY_SIZE ? undefined : `32 bytes (got ${value.length})`;
  return "a 40-character Z85 string or 32 bytes";
}

/** The 32 bytes of a key given as Z85 or bytes (which must be valid: see keyProblem). */
export function keyBytes(key: CurveKey): Uint8Array {
  return typeof key === "string" ? z85Decode(key) : key;
}

/** A new long-term key pair from `crypto`, Z85-encoded, as zeromq.js's curveKeyPair() and libzmq's zmq_curve_keypair give it. */
export function curveKeyPair(crypto: Pick<CurveCrypto, "keyPair">): { publicKey: string; secretKey: string } {
  const { publicKey, secretKey } = crypto.keyPair();
  return { publicKey: z85Encode(publicKey), secretKey: z85Encode(secretKey) };
}

/** The public key of a secret key from `crypto`, Z85-encoded (libzmq's zmq_curve_public). */
export function curvePublicKey(secretKey: CurveKey, crypto: Pick<CurveCrypto, "publicKey">): string {
  const problem = keyProblem(secretKey);
  if (problem !== undefined) throw new ZmqError("EINVAL", `A CURVE secret key must be ${problem}`);
  return z85Encode(crypto.publicKey(keyBytes(secretKey)));
}

/**
 * A ZAP decision for `serveZap` (from @zmq/engine or @zmq/zeromq): CURVE
 * clients whose long-term public key is in `keys` are let in, with the key
 * in Z85 as their user id; everyone else is refused (400). Requests of
 * other mechanisms are refused too.
 */
export function curveAllowList(keys: Iterable<CurveKey>): (request: { mechanism: string; credentials: readonly Uint8Array[] }) => {
  status: "200" | "400";
  userId?: string;
} {
  const allowed = new Set<string>();
  for (const key of keys) {
    const problem = keyProblem(key);
    if (problem !== undefined) throw new ZmqError("EINVAL", `An allowed CURVE key must be ${problem}`);
    allowed.add(z85Encode(keyBytes(key)));
  }
  return (request) => {
    const key = request.credentials[0];
    if (request.mechanism !== "CURVE" || key?.length !== 32) return { status: "400" };
    const z85 = z85Encode(key);
    return allowed.has(z85) ? { status: "200", userId: z85 } : { status: "400" };
  };
}
