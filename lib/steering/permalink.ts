/**
 * Steering run ids and permalinks. Ids are 128 random bits (22 base64url characters), not
 * sequence numbers: a run's permalink tells nothing about its neighbours', so runs are found only
 * by whoever was given the link (or their author, on /steer/history).
 */
import { randomBytes } from "node:crypto";

export { isSteeringRunId, STEERING_RUN_ID_PATTERN } from "./run-id";

export function newSteeringRunId(): string {
  return randomBytes(16).toString("base64url");
}

export function steeringRunPath(id: string): string {
  return `/steer/runs/${id}`;
}
