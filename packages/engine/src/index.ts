/**
 * @zmq/engine: ZMTP over a byte stream for zmq-ts. Stream transports (tcp,
 * ipc, your own) set `engine: zmtpEngine`; sessions, reconnection, monitor
 * events and ZAP come with it. Runtime-agnostic. The ZWS engine (ZMTP over
 * WebSocket) is the entry "@zmq/engine/zws": kept apart, so that a bundle
 * which loads its WebSocket transport lazily does not load it at once.
 */
import type { EnginePlugin } from "@zmq/kernel";
import { sessionEngine } from "./sessions.js";
import { zmtpEngineFactory } from "./zmtp-engine.js";

/** The engine plug-in for byte streams: ZMTP 3.1 (and 3.0 / 2.0 / 1.0 peers), with sessions. */
export const zmtpEngine: EnginePlugin = /* @__PURE__ */ sessionEngine(zmtpEngineFactory);

export { ZmtpEngine, zmtpEngineFactory } from "./zmtp-engine.js";
export { BATCH_BYTES, EngineBase } from "./engine-base.js";
export { sessionEngine } from "./sessions.js";
export { engineOptions } from "./engine-options.js";
export { emitFailure, protocolErrorCode } from "./failure-events.js";
export { ZAP_ENDPOINT, type ZapReply, type ZapRequest, hasZapHandler, zapRequest } from "./zap.js";
export { type ZapDecider, type ZapVerdict, serveZap } from "./zap-handler.js";
