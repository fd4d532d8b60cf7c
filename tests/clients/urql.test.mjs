// urql against the real server: fetch with its multipart support for files, graphql-ws
// for subscriptions, and its document cache.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Client, cacheExchange, fetchExchange, subscriptionExchange } from "@urql/core";
import { cacheExchange as graphcache } from "@urql/exchange-graphcache";
import { createClient } from "graphql-ws";
import { pipe, subscribe, take, toPromise } from "wonka";
import WebSocket from "ws";

import {
  AUTH,
  BOARD,
  BOARD_EVENTS,
  COMPLETE_WITH_FILE,
  CREATE_DEAL_WORTH,
  CREATE_DEAL,
  DEAL,
  DEAL_EVENTS,
  EMAIL,
  HTTP_URL,
  ME,
  PROCESS_ID,
  RENAME_DEAL,
  STEP_ID,
  WS_URL,
  boardFollowsEvents,
  boardView,
  deferred,
  until,
} from "./shared.mjs";

const fetched = [];

function urql(cache = cacheExchange) {
  const sockets = createClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    connectionParams: AUTH,
    retryAttempts: 0,
  });
  const client = new Client({
    url: HTTP_URL,
    fetchOptions: { headers: AUTH },
    fetch: (url, init) => {
      // Queries go as GET (urql's default within the URL's length), the rest as POST.
      const asked = init.method === "GET" ? Object.fromEntries(new URL(url).searchParams) : null;
      fetched.push(asked ?? (typeof init.body === "string" ? JSON.parse(init.body) : "multipart"));
      return fetch(url, init);
    },
    exchanges: [
      cache,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription: (request) => ({
          subscribe: (sink) => ({ unsubscribe: sockets.subscribe(request, sink) }),
        }),
      }),
    ],
  });
  return { client, sockets };
}

function firstEvent(client, variables) {
  return pipe(client.subscription(DEAL_EVENTS, variables), take(1), toPromise);
}

test("urql: query, mutation, upload, subscription, resume", async () => {
  const { client, sockets } = urql();
  try {
    const me = await client.query(ME, {}).toPromise();
    assert.equal(me.error, undefined);
    assert.equal(me.data.me.email, EMAIL);

    const created = await client.mutation(CREATE_DEAL, { name: "urql deal" }).toPromise();
    assert.deepEqual(created.data.createDeal.errors, []);
    const deal = created.data.createDeal.deal;

    const file = new File(["%PDF-1.4 urql"], "brief.pdf", { type: "application/pdf" });
    const completed = await client
      .mutation(COMPLETE_WITH_FILE, {
        input: { dealId: deal.id, stepId: STEP_ID, note: "See file", file },
      })
      .toPromise();
    assert.equal(completed.error, undefined);
    assert.deepEqual(completed.data.completeStep.errors, []);
    assert.ok(completed.data.completeStep.deal.completedSteps.some((c) => c.fileName === "brief.pdf"));

    const events = [];
    const received = deferred();
    const { unsubscribe } = pipe(
      client.subscription(DEAL_EVENTS, { dealId: deal.id }),
      subscribe((result) => {
        events.push(result.data.dealEvents);
        received.resolve();
      }),
    );
    await new Promise((r) => setTimeout(r, 300)); // registered before the change
    const current = await client
      .query(DEAL, { id: deal.id }, { requestPolicy: "network-only" })
      .toPromise();
    const renamed = await client
      .mutation(RENAME_DEAL, {
        id: deal.id,
        version: current.data.deal.version,
        name: "urql renamed",
      })
      .toPromise();
    assert.deepEqual(renamed.data.updateDeal.errors, []);
    await received.promise;
    unsubscribe();
    const event = events.at(-1);
    assert.equal(event.deal.name, "urql renamed");

    await client
      .mutation(RENAME_DEAL, {
        id: deal.id,
        version: renamed.data.updateDeal.deal.version,
        name: "urql while away",
      })
      .toPromise();
    const missed = await firstEvent(client, { dealId: deal.id, after: event.cursor });
    assert.equal(missed.data.dealEvents.deal.name, "urql while away");
  } finally {
    await sockets.dispose();
  }
});

test("urql Graphcache: boardEvents update the board's totals, columns and cards", async () => {
  const { client, sockets } = urql(graphcache());
  // Mutations go through a client of their own: only the board's events may update
  // the normalised cache.
  const writer = new Client({ url: HTTP_URL, fetchOptions: { headers: AUTH }, exchanges: [fetchExchange] });
  const write = async (mutation, variables) => {
    const result = await writer.mutation(mutation, variables).toPromise();
    assert.equal(result.error, undefined);
    return result.data;
  };
  try {
    const card = (await write(CREATE_DEAL_WORTH, { name: "Card before", value: "100.00" }))
      .createDeal.deal;
    const views = [];
    const watching = pipe(
      client.query(BOARD, { processId: PROCESS_ID }),
      subscribe(({ data }) => data?.board && views.push({ id: data.board.id, ...boardView(data.board) })),
    );
    const seen = [];
    const events = pipe(
      client.subscription(BOARD_EVENTS, { processId: PROCESS_ID }),
      subscribe(({ data }) => data && seen.push(data.boardEvents)),
    );
    await boardFollowsEvents({ views, seen, write, card });
    // The cache did it all: the board was fetched once.
    assert.equal(fetched.filter((body) => body.operationName === "Board").length, 1);
    events.unsubscribe();
    watching.unsubscribe();
  } finally {
    await sockets.dispose();
  }
});
