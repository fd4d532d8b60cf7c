// What the client suites share: where the server is, who they are, the documents they
// send, and the recipe for resuming a subscription after a reconnect.
import { createHash } from "node:crypto";

export const HTTP_URL = process.env.DEALFLOW_HTTP_URL;
export const WS_URL = process.env.DEALFLOW_WS_URL;
export const TOKEN = process.env.DEALFLOW_TOKEN;
export const EMAIL = process.env.DEALFLOW_EMAIL;
export const STEP_ID = process.env.DEALFLOW_STEP_ID;
export const AUTH = { authorization: `Bearer ${TOKEN}` };

export const sha256 = (text) => createHash("sha256").update(text).digest("hex");

export const ME = "query Me { me { id email } }";
export const CREATE_DEAL = `mutation CreateDeal($name: String!) {
  createDeal(input: {name: $name}) { deal { id name version } errors { code message } }
}`;
export const RENAME_DEAL = `mutation RenameDeal($id: ID!, $version: Int!, $name: String!) {
  updateDeal(input: {id: $id, version: $version, name: $name}) {
    deal { id name version } errors { code message }
  }
}`;
export const DEAL = "query Deal($id: ID!) { deal(id: $id) { id name version } }";
export const DEAL_EVENTS = `subscription DealEvents($dealId: ID!, $after: String) {
  dealEvents(dealId: $dealId, after: $after) { cursor kind deal { id name version } }
}`;
export const COMPLETE_WITH_FILE = `mutation CompleteStep($input: CompleteStepInput!) {
  completeStep(input: $input) {
    deal { id completedSteps { fileName step { id } } } errors { code message }
  }
}`;

/** A promise and its resolver, for waiting on a callback. */
export function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

/** Waits until `check()` holds (every 20 ms), or fails after `ms`. */
export async function until(check, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}
