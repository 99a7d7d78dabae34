/** @zmq/pattern-reqrep: the REQ, REP, DEALER and ROUTER sockets. */
export { Dealer, type DealerOptions } from "./dealer.js";
export { Reply } from "./reply.js";
export { Request, type RequestOptions, isValidReply } from "./request.js";
export { Router, type RouterOptions } from "./router.js";
