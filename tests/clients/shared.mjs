// What the client suites share: where the server is, who they are, the documents they
// send, and the recipe for resuming a subscription after a reconnect.
import { createHash } from "node:crypto";

export const HTTP_URL = process.env.DEALFLOW_HTTP_URL;
export const WS_URL = process.env.DEALFLOW_WS_URL;
export const TOKEN = process.env.DEALFLOW_TOKEN;
export const EMAIL = process.env.DEALFLOW_EMAIL;
export const STEP_ID = process.env.DEALFLOW_STEP_ID;
export const PROCESS_ID = process.env.DEALFLOW_PROCESS_ID;
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

// The board as a client shows it, and its live events: no client configuration
// (keyFields, keys, possibleTypes) is needed for the events to update it.
export const BOARD = `query Board($processId: ID!) {
  board(processId: $processId) {
    id dealCount totalValue forecastValue
    columns { id dealCount totalValue deals(first: 50) { edges { node { id name value } } } }
  }
}`;
export const BOARD_EVENTS = `subscription BoardEvents($processId: ID!, $after: String) {
  boardEvents(processId: $processId, after: $after) {
    cursor kind deal { id name value version }
    columns { id dealCount totalValue }
    board { id dealCount totalValue forecastValue }
  }
}`;
export const CREATE_DEAL_WORTH = `mutation CreateDealWorth($name: String!, $value: Decimal!) {
  createDeal(input: {name: $name, value: $value}) { deal { id name version } errors { code } }
}`;

/** The board's figures and its cards' names, as a watched query shows them. */
export function boardView(board) {
  return {
    dealCount: board.dealCount,
    totalValue: board.totalValue,
    columns: board.columns.map((column) => [column.id, column.dealCount, column.totalValue]),
    names: board.columns.flatMap((column) => column.deals.edges.map((edge) => edge.node.name)),
  };
}

/** Cents of a Decimal string ("1250.50" -> 125050). */
export const cents = (amount) => Math.round(Number(amount) * 100);

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
