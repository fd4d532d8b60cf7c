// What the client suites share: where the server is, who they are, the documents they
// send, and the recipe for resuming a subscription after a reconnect.
import assert from "node:assert/strict";
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

/**
 * The board scenario both cache suites run, once their client watches BOARD (pushing
 * `{id, ...boardView(board)}` to `views`) and subscribes to BOARD_EVENTS (pushing each
 * event to `seen`): a deal made elsewhere updates the board's totals and its column,
 * a card renamed elsewhere updates the card, all from the events alone. `write` runs a
 * mutation that leaves the cache alone; `card` is a deal on the board already.
 */
export async function boardFollowsEvents({ views, seen, write, card }) {
  await until(() => views.length > 0);
  const before = views.at(-1);
  assert.ok(before.names.includes(card.name));
  await new Promise((r) => setTimeout(r, 300)); // the subscription registered first
  await write(CREATE_DEAL_WORTH, { name: "Card live", value: "250.00" });
  await until(() => seen.length === 1);
  const added = seen[0];
  assert.equal(added.kind, "DEAL_ADDED");
  assert.equal(added.board.id, before.id);
  await until(() => views.at(-1).dealCount === before.dealCount + 1);
  const after = views.at(-1);
  assert.equal(cents(after.totalValue), cents(before.totalValue) + 25000);
  const [column] = added.columns;
  const shown = after.columns.find(([id]) => id === column.id);
  assert.deepEqual(shown, [column.id, column.dealCount, column.totalValue]);
  const was = before.columns.find(([id]) => id === column.id);
  assert.equal(shown[1], was[1] + 1);

  await write(RENAME_DEAL, { id: card.id, version: card.version, name: "Card renamed live" });
  await until(() => views.at(-1).names.includes("Card renamed live"));
  assert.ok(!views.at(-1).names.includes(card.name));
}

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
