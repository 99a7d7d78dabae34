/**
 * CURVE's crypto with X25519 from the runtime's own crypto module
 * (node:crypto: OpenSSL in Node, BoringSSL in Bun), and the boxes
 * (XSalsa20-Poly1305, which node:crypto lacks) from @zmq/curve's default,
 * @noble/ciphers. X25519 is what a CURVE handshake spends its time on:
 * natively it is many times faster than in JavaScript. @zmq/zeromq's
 * default Context and curveKeyPair() use it.
 *
 * node:crypto loads on first use, not at import, and @noble/curves not at
 * all: the first use checks node:crypto against RFC 7748's X25519 test
 * vectors, and only where the runtime has no X25519 there (or a different
 * answer) does everything fall back to the pure-JS backend, loaded then.
 */
import type * as NodeCrypto from "node:crypto";
import { createRequire } from "node:module";
import * as core from "@zmq/curve/core";
import type { CurveCrypto, CurveKey, CurveMechanismOptions, curveOptions } from "@zmq/curve/core";
import type * as Secretbox from "@zmq/curve/secretbox";
import type { SecurityMechanism } from "@zmq/kernel";

/** RFC 7748, section 6.1: two secret keys, the first one's public key, and the secret they share. */
export const RFC7748 = {
  alice: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
  alicePublic: "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
  bobPublic: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
  shared: "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
};
const hex = (text: string) => new Uint8Array(Buffer.from(text, "hex"));

let required: NodeJS.Require | undefined;
/** Node's require, made on first use (createRequire costs at import). */
const nodeRequire = (id: string): unknown => (required ??= createRequire(import.meta.url))(id);
let boxes: typeof Secretbox | undefined;
/** The pure-JS boxes (@noble/ciphers), loaded with the first connection that needs them, not at import. */
const secretbox = (): typeof Secretbox => (boxes ??= nodeRequire("@zmq/curve/secretbox") as typeof Secretbox);

/** The base64url of 32 zero bytes: a JWK private key needs an "x", and node:crypto derives the real one from "d". */
const ANY_X = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
/** How many long-term secret keys stay imported (a process rarely has more than a few sockets' own keys). */
const LONG_TERM_KEYS = 8;
const b64u = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, 32).toString("base64url");

/** The native X25519 operations, or undefined where the runtime lacks them. */
function nativeX25519(): Pick<CurveCrypto, "publicKey" | "keyPair" | "precompute"> | undefined {
  let c: typeof NodeCrypto;
  try {
    c = nodeRequire("node:crypto") as typeof NodeCrypto;
  } catch {
    return undefined;
  }
  // Keys go in as JWK (raw key bytes, tens of microseconds), not DER (OpenSSL 3's decoders take ~0.4 ms a key).
  // Importing a secret key costs as much as an X25519 (~35 us here), so an imported key is kept for its next use:
  // a transient key (keyPair) by the identity of its bytes, for as long as they live; a socket's own long-term key
  // (the one publicKey() is asked about, at every connection) by value, a few of them, the oldest forgotten first.
  const transients = new WeakMap<Uint8Array, NodeCrypto.KeyObject>();
  const longTerm = new Map<string, NodeCrypto.KeyObject>();
  const importKey = (d: string) => c.createPrivateKey({ key: { kty: "OKP", crv: "X25519", d, x: ANY_X }, format: "jwk" });
  const privateKey = (secretKey: Uint8Array): NodeCrypto.KeyObject => {
    const known = transients.get(secretKey);
    if (known !== undefined) return known;
    const d = b64u(secretKey);
    return longTerm.get(d) ?? importKey(d);
  };
  const rawPublic = (key: NodeCrypto.KeyObject) => new Uint8Array(Buffer.from(c.createPublicKey(key).export({ format: "jwk" }).x!, "base64url"));
  const publicKey = (secretKey: Uint8Array): Uint8Array => {
    const d = b64u(secretKey);
    let key = longTerm.get(d);
    if (key === undefined) {
      key = importKey(d);
      if (longTerm.size >= LONG_TERM_KEYS) longTerm.delete(longTerm.keys().next().value!);
      longTerm.set(d, key);
    }
    return rawPublic(key);
  };
  const ops = {
    publicKey,
    keyPair() {
      const secretKey = new Uint8Array(32);
      crypto.getRandomValues(secretKey);
      const key = importKey(b64u(secretKey));
      transients.set(secretKey, key);
      return { publicKey: rawPublic(key), secretKey };
    },
    // OpenSSL refuses a low-order public key (an all-zero shared secret) by throwing, as the contract asks.
    precompute(peerPublicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
      const peer = c.createPublicKey({ key: { kty: "OKP", crv: "X25519", x: b64u(peerPublicKey) }, format: "jwk" });
      return secretbox().sharedBoxKey(c.diffieHellman({ privateKey: privateKey(secretKey), publicKey: peer }));
    },
  };
  try {
    // Known answers: RFC 7748's public key and shared secret (as a box key).
    const a = hex(RFC7748.alice);
    const same = (x: Uint8Array, y: Uint8Array) => x.length === y.length && x.every((v, i) => v === y[i]);
    if (!same(ops.publicKey(a), hex(RFC7748.alicePublic))) return undefined;
    if (!same(ops.precompute(hex(RFC7748.bobPublic), a), secretbox().sharedBoxKey(hex(RFC7748.shared)))) return undefined;
  } catch {
    return undefined;
  }
  return ops;
}

type X25519 = Pick<CurveCrypto, "publicKey" | "keyPair" | "precompute">;
let x25519: X25519 | undefined;
let fallback = false;

/** The pure-JS X25519 of @zmq/curve (@noble/curves), loaded only where node:crypto cannot serve. */
function pureX25519(): X25519 {
  fallback = true;
  return (nodeRequire("@zmq/curve") as { nobleCrypto: X25519 }).nobleCrypto;
}
const native = () => (x25519 ??= nativeX25519() ?? pureX25519());

type Boxes = Pick<CurveCrypto, "seal" | "open">;

/** Boxes that start on @noble/ciphers and move to faster ones once they load; `name` says which are in use. */
export interface SwitchingBoxes extends Boxes {
  readonly name: "noble" | "libsodium";
  /** Starts loading the faster boxes (once); true once they are in use, false where they did not load. */
  load(): Promise<boolean>;
}

/**
 * Boxes on @noble/ciphers until `loadFaster` (started by the first box or
 * `load()`) gives libsodium's, then on those. XSalsa20-Poly1305 is the same
 * construction, byte for byte, in both, so a connection's boxes may move
 * from one to the other between two messages, and a peer never knows.
 * Where the faster boxes do not load, the pure-JS ones stay, silently.
 */
export function switchingBoxes(loadFaster: () => Promise<Boxes>): SwitchingBoxes {
  let faster: Boxes | undefined;
  let loading: Promise<boolean> | undefined;
  const load = (): Promise<boolean> =>
    (loading ??= loadFaster().then(
      (boxes) => {
        faster = boxes;
        return true;
      },
      () => false,
    ));
  const boxes = (): Boxes => {
    if (faster !== undefined) return faster;
    void load();
    return secretbox();
  };
  return {
    get name() {
      return faster !== undefined ? "libsodium" : "noble";
    },
    load,
    seal: (key, nonce, plaintext, output) => boxes().seal(key, nonce, plaintext, output),
    open: (key, nonce, box, output) => boxes().open(key, nonce, box, output),
  };
}

/**
 * The default Context's boxes: libsodium's WebAssembly build (npm
 * libsodium-wrappers, an optional dependency of @zmq/zeromq, through
 * @zmq/curve/sodium) once it has loaded in the background after the first
 * CURVE handshake began; @noble/ciphers before that, and always where
 * libsodium-wrappers is not installed. Several times faster per box.
 */
export const defaultBoxes: SwitchingBoxes = /* @__PURE__ */ switchingBoxes(() =>
  import("@zmq/curve/sodium").then(({ sodiumCrypto }) => sodiumCrypto()),
);

/**
 * X25519 from node:crypto (the pure-JS backend where node:crypto has none),
 * boxes as `defaultBoxes`: libsodium's once loaded, @noble/ciphers until
 * then or without it.
 */
export const nodeCurveCrypto: CurveCrypto = {
  /** "node:crypto+libsodium" or "node:crypto+noble" (the boxes in use); "noble+…" where node:crypto has no X25519. */
  get name() {
    return `${fallback ? "noble" : "node:crypto"}+${defaultBoxes.name}`;
  },
  publicKey: (secretKey) => native().publicKey(secretKey),
  keyPair: () => native().keyPair(),
  precompute: (publicKey, secretKey) => native().precompute(publicKey, secretKey),
  seal: (key, nonce, plaintext, output) => defaultBoxes.seal(key, nonce, plaintext, output),
  open: (key, nonce, box, output) => defaultBoxes.open(key, nonce, box, output),
};

/** A CURVE mechanism (the default Context's, with `nodeCurveCrypto` unless another backend is given). */
export function curveMechanism(options: CurveMechanismOptions = {}): SecurityMechanism<typeof curveOptions> {
  return core.curveMechanism({ ...options, crypto: options.crypto ?? nodeCurveCrypto });
}

/** CURVE on `nodeCurveCrypto`: the mechanism the default Context has. */
export const curve: SecurityMechanism<typeof curveOptions> = /* @__PURE__ */ curveMechanism();

/** A new long-term key pair, Z85-encoded, as zeromq.js's curveKeyPair() gives it (X25519 from node:crypto). */
export function curveKeyPair(): { publicKey: string; secretKey: string } {
  return core.curveKeyPair(nodeCurveCrypto);
}

/** The public key of a secret key, Z85-encoded (libzmq's zmq_curve_public). */
export function curvePublicKey(secretKey: CurveKey): string {
  return core.curvePublicKey(secretKey, nodeCurveCrypto);
}
