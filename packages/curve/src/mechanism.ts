/**
 * The CURVE mechanism as a Context plug-in, on whichever crypto backend it
 * is given: its socket options (curveServer, curvePublicKey, curveSecretKey,
 * curveServerKey), when they select CURVE, and the client or server state
 * machine for each connection.
 */
import { type OptionValues, type SecurityMechanism, flag, option } from "@zmq/kernel";
import { CurveClientMechanism } from "./client.js";
import type { CurveCrypto } from "./crypto.js";
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
 * A CURVE mechanism on `crypto`. A client without its own long-term keys
 * gets a fresh pair per connection (a server that checks client keys
 * through ZAP will not know it).
 */
export function curveMechanism(options: CurveMechanismOptions & { readonly crypto: CurveCrypto }): SecurityMechanism<typeof curveOptions> {
  const crypto = options.crypto;
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
        return new CurveServerMechanism({ publicKey, secretKey, authenticate }, setup.properties, crypto, setup.alloc, setup.wireAlloc);
      }
      // Without a server key the handshake fails at once, as with an unusable key.
      const serverKey = values.curveServerKey !== null ? keyBytes(values.curveServerKey) : new Uint8Array(32);
      return new CurveClientMechanism({ serverKey, publicKey, secretKey }, setup.properties, crypto, setup.alloc, setup.wireAlloc);
    },
  };
}

declare module "@zmq/kernel" {
  // Sockets of a Context that has CURVE carry its options as properties.
  interface SocketBase extends CurveOptions {}
  interface SocketOptions extends Partial<CurveOptions> {}
}
