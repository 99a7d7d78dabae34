/** @zmq/pattern-radiodish: ZeroMQ draft RADIO and DISH sockets for zmq-ts: groups, JOIN and LEAVE. */
export { Radio, type RadioSendOptions } from "./radio.js";
export { Dish, type DishConstructor, type DishGroupOptions, type DishMessage } from "./dish.js";
export { GROUP_MAX_LENGTH, type GroupLike } from "./group.js";
