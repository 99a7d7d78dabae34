/**
 * Which security mechanism a connection runs, and the properties it sends:
 * shared by ZMTP connections and ZWS connections.
 */
import type { Mechanism } from "./mechanism.js";
import type { MetadataInput } from "./metadata.js";
import { type NullAuthenticator, NullMechanism } from "./null-mechanism.js";
import { type PlainAuthenticator, PlainClientMechanism, PlainServerMechanism } from "./plain-mechanism.js";
import type { SocketTypeName } from "./socket-types.js";

/** Which mechanism a connection uses, and its credentials. */
export type MechanismOptions =
  | { readonly type: "NULL"; readonly authenticate?: NullAuthenticator }
  | { readonly type: "PLAIN"; readonly username: Uint8Array | string; readonly password: Uint8Array | string }
  | { readonly type: "PLAIN"; readonly server: true; readonly authenticate: PlainAuthenticator; readonly asServerByte?: boolean }
  /** Any other mechanism (CURVE, ...): a factory for a fresh state machine per connection. */
  | { readonly type: "custom"; readonly name: string; readonly create: (properties: MetadataInput) => Mechanism };

/** Socket types that send an Identity property in READY (libzmq). */
const SENDS_IDENTITY: ReadonlySet<SocketTypeName> = /* @__PURE__ */ new Set(["REQ", "DEALER", "ROUTER"]);

/** Our READY / INITIATE properties, in libzmq's order. */
export function ownProperties(options: {
  socketType: SocketTypeName;
  routingId?: Uint8Array;
  metadata?: MetadataInput;
}): [string, Uint8Array | string][] {
  const props: [string, Uint8Array | string][] = [["Socket-Type", options.socketType]];
  if (SENDS_IDENTITY.has(options.socketType)) props.push(["Identity", options.routingId ?? new Uint8Array(0)]);
  for (const [name, value] of options.metadata ?? []) props.push([name, value]);
  return props;
}

/** A new state machine of the mechanism the options select, for ZMTP and ZWS connections. */
export function createMechanism(options: MechanismOptions, properties: MetadataInput, address: string | undefined): Mechanism {
  switch (options.type) {
    case "NULL":
      return new NullMechanism(properties, options.authenticate);
    case "PLAIN":
      return "server" in options
        ? new PlainServerMechanism({ authenticate: options.authenticate, address, asServerByte: options.asServerByte }, properties)
        : new PlainClientMechanism(options, properties);
    case "custom":
      return options.create(properties);
  }
}
