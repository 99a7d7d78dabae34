/**
 * @zmq/curve: the CURVE security mechanism (RFC 26, CurveZMQ) as a plug-in,
 * in pure TypeScript on @noble/curves and @noble/ciphers. Give it to a
 * Context (`new Context({ transports, mechanisms: [curve] })`; the default
 * Context of @zmq/zeromq has it) and every socket of that Context has the
 * options curveServer, curvePublicKey, curveSecretKey and curveServerKey.
 * A server asks the ZAP handler at inproc://zeromq.zap.01 about each
 * client's long-term public key; without a handler every client is let
 * in, as in libzmq. Runtime-agnostic.
 */
import { type OptionValues, type SecurityMechanism, flag, option } from "@zmq/kernel";
import { type CurveCrypto, nobleCrypto } from "./crypto.js";
import { CurveClientMechanism } from "./client.js";
import { type CurveKey, keyBytes, keyProblem } from "./keys.js";
import { CurveServerMechanism } from "./server.js";

const keyCheck = (value: unknown): string | undefined => (value === null ? undefined : keyProblem(value));

/** The options CURVE adds to every socket of a Context that has it. */
export const curveOptions = {
  /** ZMQ_CURVE_SERVER: act as a CURVE server (needs curveSecretKey). */
  curveServer: flag(false),
  /** ZMQ_CURVE_PUBLICKEY: this socket's long-term public key (Z85 or 32 bytes). */
  curvePublicKey: option<CurveKey | null>(null, keyCheck),
  /** ZMQ_CURVE_SECRETKEY: this socket's long-term secret key (Z85 or 32 bytes); never shown in errors. */
  curveSecretKey: option<CurveKey | null>(null, keyCheck, { secret: true }),
  /** ZMQ_CURVE_SERVERKEY: the server's long-term public key; setting it makes this socket a CURVE client. */
  curveServerKey: option<CurveKey | null>(null, keyCheck),
} as const;

export type CurveOptions = OptionValues<typeof curveOptions>;

/** How a CURVE mechanism is made. */
export interface CurveMechanismOptions {
  /** The crypto backend: the pure-JS default, or a faster one (`sodiumCrypto()` from `@zmq/curve/sodium`). */
  readonly crypto?: CurveCrypto;
}

/**
 * A CURVE mechanism with a chosen crypto backend. A client without its own
 * long-term keys gets a fresh pair per connection (a server that checks
 * client keys through ZAP will not know it).
 */
export function curveMechanism(options: CurveMechanismOptions = {}): SecurityMechanism<typeof curveOptions> {
  const crypto = options.crypto ?? nobleCrypto;
  return {
    name: "CURVE",
    label: "curve",
    options: curveOptions,
    selects: (v) => v.curveServer || v.curveServerKey !== null || v.curvePublicKey !== null || v.curveSecretKey !== null,
    create(values, setup) {
      const own = values.curveSecretKey !== null ? undefined : crypto.keyPair();
      const secretKey = own ? own.secretKey : keyBytes(values.curveSecretKey!);
      const publicKey = own ? own.publicKey : crypto.publicKey(secretKey);
      if (values.curveServer) {
        const authenticate = (credentials: readonly Uint8Array[]) => setup.authenticate(credentials);
        return new CurveServerMechanism({ publicKey, secretKey, authenticate }, setup.properties, setup.alloc, crypto);
      }
      // Without a server key the handshake fails at once, as with an unusable key.
      const serverKey = values.curveServerKey !== null ? keyBytes(values.curveServerKey) : new Uint8Array(32);
      return new CurveClientMechanism({ serverKey, publicKey, secretKey }, setup.properties, setup.alloc, crypto);
    },
  };
}

/** The CURVE mechanism, on the pure-JS crypto: register it with `new Context({ mechanisms: [curve] })`. */
export const curve: SecurityMechanism<typeof curveOptions> = /* @__PURE__ */ curveMechanism();

export { type CurveCrypto, nobleCrypto } from "./crypto.js";
export { sharedBoxKey } from "./box.js";
export { CurveClientMechanism, type CurveClientKeys } from "./client.js";
export { CurveServerMechanism, type CurveServerOptions } from "./server.js";
export { type CurveKey, curveAllowList, curveKeyPair, curvePublicKey } from "./keys.js";
export { z85Decode, z85Encode } from "@zmq/wire";

declare module "@zmq/kernel" {
  // Sockets of a Context that has CURVE carry its options as properties.
  interface SocketBase extends CurveOptions {}
  interface SocketOptions extends Partial<CurveOptions> {}
}
