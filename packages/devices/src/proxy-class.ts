import { type SocketBase, ZmqError } from "@zmq/kernel";
import { ProxyRun } from "./proxy.js";

/**
 * The zeromq.js Proxy: `new Proxy(frontEnd, backEnd)`, `await run()`, and
 * `pause()`, `resume()`, `terminate()` while it runs. As in zeromq.js, both
 * sockets must be bound or connected before run(), and both are closed when
 * the proxy ends.
 */
export class Proxy<F extends SocketBase = SocketBase, B extends SocketBase = SocketBase> {
  readonly frontEnd: F;
  readonly backEnd: B;
  private current: ProxyRun | undefined;

  constructor(frontEnd: F, backEnd: B) {
    // zeromq.js's checks: at most two arguments, then sockets (any other object is EINVAL, as its native check).
    if (arguments.length > 2) throw new TypeError(`Expected 2 arguments but received ${arguments.length}`);
    checkSocket(frontEnd, "Front-end");
    checkSocket(backEnd, "Back-end");
    this.frontEnd = frontEnd;
    this.backEnd = backEnd;
  }

  /** Forwards until terminate() or a socket closes; then closes both sockets. */
  async run(): Promise<void> {
    // A closed socket is neither bound nor connected.
    const unused = (s: SocketBase) => s.closed || s.lastEndpoint === null;
    if (unused(this.frontEnd)) throw new ZmqError("EINVAL", undefined, undefined, "Front-end socket must be bound or connected");
    if (unused(this.backEnd)) throw new ZmqError("EINVAL", undefined, undefined, "Back-end socket must be bound or connected");
    if (this.current) throw new ZmqError("EBUSY", "Proxy is already running");
    const run = new ProxyRun(this.frontEnd, this.backEnd);
    this.current = run;
    try {
      await run.done;
    } finally {
      this.current = undefined;
      this.frontEnd.close();
      this.backEnd.close();
    }
  }

  pause(): void {
    this.running().pause();
  }

  resume(): void {
    this.running().resume();
  }

  terminate(): void {
    this.running().terminate();
  }

  private running(): ProxyRun {
    if (!this.current) throw new ZmqError("EBADF");
    return this.current;
  }
}

function checkSocket(s: unknown, which: string): void {
  if (typeof s !== "object" || s === null) throw new TypeError(`${which} must be a socket object`);
  if (typeof (s as SocketBase).receive !== "function") throw new ZmqError("EINVAL");
}
