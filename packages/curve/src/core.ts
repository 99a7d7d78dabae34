/**
 * @zmq/curve/core: the CURVE mechanism with the crypto backend chosen by the
 * caller, and no crypto library of its own. `@zmq/curve` is this with the
 * pure-JS backend as the default; a runtime with its own X25519 (node:crypto
 * in Node, Bun and Deno: `nodeCurveCrypto` in @zmq/zeromq) or libsodium
 * (`@zmq/curve/sodium`) loads no curve code in JavaScript; the pure-JS boxes
 * for such a backend are `@zmq/curve/secretbox` (@noble/ciphers alone).
 */

export type { CurveCrypto } from "./crypto.js";
export { type CurveMechanismOptions, type CurveOptions, curveMechanism, curveOptions } from "./mechanism.js";
export { CurveClientMechanism, type CurveClientKeys } from "./client.js";
export { CurveServerMechanism, type CurveServerOptions } from "./server.js";
export { type CurveKey, curveAllowList, curveKeyPair, curvePublicKey } from "./keys.js";
export { z85Decode, z85Encode } from "@zmq/wire";
