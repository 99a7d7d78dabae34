/**
 * The NULL mechanism (RFC 23): each side sends READY with its properties at
 * once (as libzmq does, not client first) and is ready when the peer's READY
 * has arrived.
 */
import { decodeCommand, encodeReady, parseCommandBody } from "./commands.js";
import { ProtocolError } from "./errors.js";
import { type Mechanism, MechanismBase, peerError, unexpectedCommand } from "./mechanism.js";
import type { MetadataInput } from "./metadata.js";

export class NullMechanism extends MechanismBase implements Mechanism {
  readonly name = "NULL";
  readonly asServer = false;
  private ready: Uint8Array | undefined;
  private received = false;

  /** @param properties ours, in wire order: Socket-Type, Identity, X-... */
  constructor(properties: MetadataInput) {
    super();
    this.ready = encodeReady(properties);
  }

  nextCommand(): Uint8Array | undefined {
    const ready = this.ready;
    this.ready = undefined;
    if (ready && this.received) this.done = true;
    return ready;
  }

  processCommand(body: Uint8Array): void {
    const raw = parseCommandBody(body);
    if (this.received) {
      this.fail(unexpectedCommand("NULL", raw.name, "nothing after READY", ProtocolError.ZMTP_UNEXPECTED_COMMAND));
    }
    if (raw.name === "ERROR") {
      const cmd = decodeCommand(raw);
      this.fail(peerError("NULL", cmd?.name === "ERROR" ? cmd.reason : ""));
    }
    if (raw.name !== "READY") {
      this.fail(unexpectedCommand("NULL", raw.name, "READY or ERROR", ProtocolError.ZMTP_UNEXPECTED_COMMAND));
    }
    const cmd = decodeCommand(raw);
    if (cmd?.name === "READY") this.peerProperties = cmd.properties;
    this.received = true;
    if (this.ready === undefined) this.done = true;
  }
}
