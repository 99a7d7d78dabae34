/**
 * zeromq.js's low-level option methods (`getInt32Option(17)`,
 * `setStringOption(55, "domain")` ...): libzmq's option numbers (zmq.h)
 * mapped onto the named options, with zeromq.js's errors — a TypeError for
 * a value of the wrong type, EINVAL for a number this socket does not have,
 * a read-only option set, or a string read as a number.
 */
import { ZmqError } from "./errors.js";

/** The kinds of value the low-level methods move. */
export type OptionKind = "bool" | "int32" | "uint32" | "int64" | "uint64" | "string";

/** libzmq's socket option numbers (zmq.h, zmq_draft.h) and our names for them. */
export const SOCKET_OPTION_NUMBERS: Readonly<Record<number, string>> = {
  4: "affinity",
  5: "routingId",
  6: "subscribe",
  7: "unsubscribe",
  8: "rate",
  9: "recoveryInterval",
  11: "sendBufferSize",
  12: "receiveBufferSize",
  16: "type",
  17: "linger",
  18: "reconnectInterval",
  19: "backlog",
  21: "reconnectMaxInterval",
  22: "maxMessageSize",
  23: "sendHighWaterMark",
  24: "receiveHighWaterMark",
  25: "multicastHops",
  27: "receiveTimeout",
  28: "sendTimeout",
  32: "lastEndpoint",
  33: "mandatory",
  34: "tcpKeepalive",
  35: "tcpKeepaliveCount",
  36: "tcpKeepaliveIdle",
  37: "tcpKeepaliveInterval",
  38: "tcpAcceptFilter",
  39: "immediate",
  40: "verbosity",
  42: "ipv6",
  43: "securityMechanism",
  44: "plainServer",
  45: "plainUsername",
  46: "plainPassword",
  47: "curveServer",
  48: "curvePublicKey",
  49: "curveSecretKey",
  50: "curveServerKey",
  51: "probeRouter",
  52: "correlate",
  53: "relaxed",
  54: "conflate",
  55: "zapDomain",
  56: "handover",
  57: "typeOfService",
  66: "handshakeInterval",
  68: "socksProxy",
  69: "noDrop",
  71: "manual",
  72: "welcomeMessage",
  73: "notify",
  74: "invertMatching",
  75: "heartbeatInterval",
  76: "heartbeatTimeToLive",
  77: "heartbeatTimeout",
  79: "connectTimeout",
  80: "tcpMaxRetransmitTimeout",
  81: "threadSafe",
  84: "multicastMaxTransportDataUnit",
  85: "vmciBufferSize",
  86: "vmciBufferMinSize",
  87: "vmciBufferMaxSize",
  88: "vmciConnectTimeout",
  92: "interface",
  93: "zapEnforceDomain",
  94: "loopbackFastPath",
};

const READ_ONLY = /* @__PURE__ */ new Set(["type", "lastEndpoint", "securityMechanism", "threadSafe"]);
/** libzmq's numbers for the mechanisms `securityMechanism` names. */
const MECHANISM_NUMBERS: Readonly<Record<string, number>> = { plain: 1, curve: 2, gssapi: 3 };

/** The socket's options, to tell which numbers it has. */
export interface OptionNames {
  /** True when the socket has a (read-write) option of this name. */
  has(name: string): boolean;
}

function nameOf(options: OptionNames, option: unknown): string {
  if (typeof option !== "number" || !Number.isInteger(option)) throw new TypeError("Option must be an integer");
  const name = SOCKET_OPTION_NUMBERS[option];
  const has = name !== undefined && (READ_ONLY.has(name) || name === "subscribe" || name === "unsubscribe" || options.has(name));
  if (!has) throw new ZmqError("EINVAL", `This socket has no option number ${option}`);
  return name;
}

/** Reads option number `option` as `kind`. */
export function getNumberedOption(target: object, options: OptionNames, option: unknown, kind: OptionKind): unknown {
  const name = nameOf(options, option);
  if (name === "subscribe" || name === "unsubscribe") throw new ZmqError("EINVAL", `Option number ${String(option)} (${name}) can only be set`);
  let value = (target as unknown as Record<string, unknown>)[name];
  if (name === "securityMechanism") value = value === null ? 0 : (MECHANISM_NUMBERS[value as string] ?? 0);
  if (kind === "string") {
    if (value !== null && typeof value !== "string") throw new ZmqError("EINVAL", `Option '${name}' is not a string option`);
    return value;
  }
  if (typeof value === "boolean") return kind === "bool" ? value : value ? 1 : 0;
  if (typeof value !== "number") throw new ZmqError("EINVAL", `Option '${name}' is a string option`);
  return kind === "bool" ? value !== 0 : value;
}

const TYPE_MESSAGES: Readonly<Record<OptionKind, string>> = {
  bool: "Option value must be a boolean",
  int32: "Option value must be a number",
  uint32: "Option value must be a number",
  int64: "Option value must be a number",
  uint64: "Option value must be a number",
  string: "Option value must be a string or buffer",
};

/** Sets option number `option` from a value of `kind`. */
export function setNumberedOption(target: object, options: OptionNames, option: unknown, value: unknown, kind: OptionKind): void {
  const name = nameOf(options, option);
  const typeOk =
    kind === "bool"
      ? typeof value === "boolean"
      : kind === "string"
        ? value === null || typeof value === "string" || value instanceof Uint8Array
        : typeof value === "number";
  if (!typeOk) throw new TypeError(TYPE_MESSAGES[kind]);
  if (READ_ONLY.has(name)) throw new ZmqError("EINVAL", `Option '${name}' is read-only`);
  const socket = target as unknown as Record<string, unknown>;
  if (name === "subscribe" || name === "unsubscribe") {
    const method = socket[name];
    if (typeof method !== "function") throw new ZmqError("EINVAL", `This socket has no option number ${String(option)}`);
    (method as (topic: unknown) => void).call(target, value ?? "");
    return;
  }
  const current = socket[name];
  let converted = value;
  // libzmq takes an int for its boolean options and a string's bytes for text: read them back as the named option holds them.
  if (typeof current === "boolean" && typeof value === "number") converted = value !== 0;
  else if (typeof current === "number" && typeof value === "boolean") converted = value ? 1 : 0;
  else if (value instanceof Uint8Array && name !== "routingId") converted = new TextDecoder().decode(value);
  socket[name] = converted;
}
