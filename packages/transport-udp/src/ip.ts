/** IP literal checks without node:net (the kernel's, so that every transport answers alike). */
export { ipVersion, isMulticast } from "@zmq/kernel";
