/**
 * The two smallest socket types, for testing the kernel, engines and
 * transports without the pattern packages: a PUSH on LoadBalancer and a
 * PULL on FairQueue that also records its peers and their commands.
 */
import type { Command, PeerInfo } from "@zmq/wire";
import type { Msg } from "../index.js";
import type { Pipe } from "../index.js";
import { SocketBase, type SocketOptions } from "../index.js";
import { FairQueue } from "../index.js";
import { LoadBalancer } from "../index.js";

export class TestPush extends SocketBase {
  private readonly lb = new LoadBalancer();
  constructor(options: SocketOptions) {
    super("PUSH", options);
  }
  protected xattachPipe(pipe: Pipe): void {
    this.lb.attach(pipe);
  }
  protected xpipeTerminated(pipe: Pipe): void {
    this.lb.terminated(pipe);
  }
  protected override xwriteActivated(pipe: Pipe): void {
    this.lb.activated(pipe);
  }
  protected override xsend(msg: Msg): boolean {
    return this.lb.send(msg);
  }
  protected override xhasOut(): boolean {
    return this.lb.hasOut();
  }
}

export class TestPull extends SocketBase {
  private readonly fq = new FairQueue();
  /** Commands from peers after their handshakes (SUBSCRIBE, PING ...). */
  readonly commands: Command[] = [];
  /** Each peer, as its handshake finished. */
  readonly peers: PeerInfo[] = [];
  constructor(options: SocketOptions) {
    super("PULL", options);
  }
  protected xattachPipe(pipe: Pipe): void {
    this.fq.attach(pipe);
  }
  protected xpipeTerminated(pipe: Pipe): void {
    this.fq.terminated(pipe);
  }
  protected override xreadActivated(pipe: Pipe): void {
    this.fq.activated(pipe);
  }
  protected override xrecv(): Msg | undefined {
    return this.fq.recv();
  }
  protected override xhasIn(): boolean {
    return this.fq.hasIn();
  }
  protected override xpeerReady(_pipe: Pipe, peer: PeerInfo): void {
    this.peers.push(peer);
  }
  protected override xpeerCommand(_pipe: Pipe, command: Command): void {
    this.commands.push(command);
  }
}
