/**
 * @zmq/curve: the CURVE security mechanism (RFC 26, CurveZMQ) as a plug-in,
 * in pure TypeScript on @noble/curves and @noble/ciphers. Give it to a
 * Context (`new Context({ transports, mechanisms: [curve] })`; the default
 * Context of @zmq/zeromq has it) and every socket of that Context has the
 * options curveServer, curvePublicKey, curveSecretKey and curveServerKey.
 * A server asks the ZAP handler at inproc://zeromq.zap.01 about each
 * client's long-term public key; without a handler every client is let
 * in, as in libzmq. Runtime-agnostic. `@zmq/curve/core` is the same with
 * no default backend (and no @noble/curves).
 */
import type { SecurityMechanism } from "@zmq/kernel";
import { type CurveCrypto, nobleCrypto } from "./crypto.js";
import * as core from "./core.js";
import type { CurveKey } from "./keys.js";
import type { CurveMechanismOptions, curveOptions } from "./mechanism.js";

/** A CURVE mechanism with a chosen crypto backend (the pure-JS one by default). */
export function curveMechanism(options: CurveMechanismOptions = {}): SecurityMechanism<typeof curveOptions> {
  return core.curveMechanism({ ...options, crypto: options.crypto ?? nobleCrypto });
}

/** The CURVE mechanism, on the pure-JS crypto: register it with `new Context({ mechanisms: [curve] })`. */
export const curve: SecurityMechanism<typeof curveOptions> = /* @__PURE__ */ curveMechanism();

/** A new long-term key pair, Z85-encoded, as zeromq.js's curveKeyPair() and libzmq's zmq_curve_keypair give it. */
export function curveKeyPair(crypto: Pick<CurveCrypto, "keyPair"> = nobleCrypto): { publicKey: string; secretKey: string } {
  return core.curveKeyPair(crypto);
}

/** The public key of a secret key, Z85-encoded (libzmq's zmq_curve_public). */
export function curvePublicKey(secretKey: CurveKey, crypto: Pick<CurveCrypto, "publicKey"> = nobleCrypto): string {
  return core.curvePublicKey(secretKey, crypto);
}

export { type CurveCrypto, nobleCrypto } from "./crypto.js";
export { sharedBoxKey } from "./secretbox.js";
export {
  type CurveClientKeys,
  type CurveKey,
  type CurveMechanismOptions,
  type CurveOptions,
  type CurveServerOptions,
  CurveClientMechanism,
  CurveServerMechanism,
  curveAllowList,
  curveOptions,
  z85Decode,
  z85Encode,
} from "./core.js";
