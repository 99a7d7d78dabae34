/**
 * The security-mechanism plug-in contract. A mechanism (NULL is built in;
 * every other one comes as a package) is a value that a Context is given
 * (`new Context({ mechanisms: [...] })`). It declares the
 * socket options it owns, says when their values select it (libzmq: the
 * mechanism whose option was set last), and builds the client or server
 * state machine for each connection. Engines run whichever one a socket's
 * options select; the kernel names none.
 */
import type { AuthResult, Mechanism, MetadataInput } from "@zmq/wire";
import type { OptionOwner, OptionSpecs, OptionValues } from "./options.js";

/** What a mechanism gets for one connection. */
export interface MechanismSetup {
  /** Our READY / INITIATE properties (Socket-Type, Identity, ...), in wire order. */
  readonly properties: MetadataInput;
  /** The peer's address as ZAP reports it ("" when the transport has none). */
  readonly peerAddress: string;
  /** Allocates frames of the Context's kind (Node Buffers in @zmq/zeromq), for mechanisms that make them. */
  readonly alloc: (size: number) => Uint8Array;
  /**
   * Allocates buffers that only go to the wire, never to the application
   * (encrypted frames), from memory lent again once the stream has written
   * it; mechanisms use `alloc` where it is absent.
   */
  readonly wireAlloc?: (size: number) => Uint8Array;
  /**
   * Asks the ZAP handler bound at inproc://zeromq.zap.01 about a client
   * (RFC 27): `credentials` are the frames after the mechanism name.
   * Resolves undefined when no handler is bound: each mechanism decides
   * what that means (libzmq: PLAIN refuses, CURVE admits).
   */
  authenticate(credentials: readonly Uint8Array[]): Promise<AuthResult | undefined>;
}

export interface SecurityMechanism<S extends OptionSpecs = OptionSpecs> extends OptionOwner {
  /** The name in the ZMTP greeting and in ZAP requests, in capitals (RFC 23). */
  readonly name: string;
  /** The socket's read-only `securityMechanism` while this one is selected: the name in lower case, as zeromq.js reports it. */
  readonly label: string;
  /** The socket options this mechanism owns, with their defaults and checks. */
  readonly options: S;
  /** True when these values make a socket use this mechanism (checked after each of its options is set). */
  selects(values: OptionValues<S>): boolean;
  /** A fresh state machine for one connection, client or server as the values say. */
  create(values: OptionValues<S>, setup: MechanismSetup): Mechanism;
}

/** What a socket's options select: the mechanism and the values to build it from, or undefined for NULL. */
export interface SecuritySelection {
  readonly mechanism: SecurityMechanism;
  readonly values: Readonly<Record<string, unknown>>;
}
