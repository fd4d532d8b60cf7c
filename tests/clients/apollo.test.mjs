// Apollo Client against the real server, configured as its docs say and nothing more:
// an upload link with persisted queries for HTTP, GraphQLWsLink for subscriptions.
import assert from "node:assert/strict";
import { test } from "node:test";

import { ApolloClient, ApolloLink, InMemoryCache, gql, split } from "@apollo/client/core/index.js";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { getMainDefinition } from "@apollo/client/utilities/index.js";
import createUploadLink from "apollo-upload-client/createUploadLink.mjs";
import { createClient } from "graphql-ws";
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
  sha256,
  until,
} from "./shared.mjs";

const sent = [];

function apollo() {
  const recordingFetch = (url, init) => {
    sent.push(typeof init.body === "string" ? JSON.parse(init.body) : "multipart");
    return fetch(url, init);
  };
  const http = createPersistedQueryLink({ sha256 }).concat(
    createUploadLink({
      uri: HTTP_URL,
      headers: { ...AUTH, "apollo-require-preflight": "true" },
      fetch: recordingFetch,
    }),
  );
  const sockets = createClient({
    url: WS_URL,
    webSocketImpl: WebSocket,
    connectionParams: AUTH,
    retryAttempts: 0,
  });
  const ws = new GraphQLWsLink(sockets);
  const link = split(
    ({ query }) => {
      const definition = getMainDefinition(query);
      return definition.kind === "OperationDefinition" && definition.operation === "subscription";
    },
    ws,
    http,
  );
  const client = new ApolloClient({ link: ApolloLink.from([link]), cache: new InMemoryCache() });
  return { client, sockets };
}

test("Apollo Client: query, mutation, upload, live cache updates, resume", async () => {
  const { client, sockets } = apollo();
  try {
    // A query, sent by hash once the server knows it (persisted queries).
    const me = await client.query({ query: gql(ME) });
    assert.equal(me.data.me.email, EMAIL);
    await client.query({ query: gql(ME), fetchPolicy: "network-only" });
    const hashOnly = sent.filter((body) => body !== "multipart" && !body.query);
    assert.ok(hashOnly.length >= 2, "hash-only requests were sent");
    assert.ok(sent.some((body) => body.query && body.extensions?.persistedQuery));

    // A mutation.
    const created = await client.mutate({
      mutation: gql(CREATE_DEAL),
      variables: { name: "Apollo deal" },
    });
    assert.deepEqual(created.data.createDeal.errors, []);
    const deal = created.data.createDeal.deal;

    // An upload (GraphQL multipart request).
    const file = new File(["%PDF-1.4 apollo"], "offer.pdf", { type: "application/pdf" });
    const completed = await client.mutate({
      mutation: gql(COMPLETE_WITH_FILE),
      variables: { input: { dealId: deal.id, stepId: STEP_ID, note: "See file", file } },
    });
    assert.deepEqual(completed.data.completeStep.errors, []);
    assert.ok(
      completed.data.completeStep.deal.completedSteps.some((c) => c.fileName === "offer.pdf"),
    );
    assert.ok(sent.includes("multipart"));

    // A subscription's events update the cache: a watched query sees the new name.
    const watched = client.watchQuery({ query: gql(DEAL), variables: { id: deal.id } });
    const names = [];
    const watching = watched.subscribe(({ data }) => data?.deal && names.push(data.deal.name));
    await until(() => names.includes("Apollo deal"));
    const first = deferred();
    const events = client
      .subscribe({ query: gql(DEAL_EVENTS), variables: { dealId: deal.id } })
      .subscribe({ next: ({ data }) => first.resolve(data.dealEvents) });
    await new Promise((r) => setTimeout(r, 300)); // registered before the change
    const current = (await client.query({ query: gql(DEAL), variables: { id: deal.id },
      fetchPolicy: "network-only" })).data.deal;
    const renamed = await client.mutate({
      mutation: gql(RENAME_DEAL),
      variables: { id: deal.id, version: current.version, name: "Renamed live" },
      // The answer would update the cache by itself: ignore it, so that only the
      // subscription's event can.
      fetchPolicy: "no-cache",
    });
    assert.deepEqual(renamed.data.updateDeal.errors, []);
    const event = await first.promise;
    assert.equal(event.deal.name, "Renamed live");
    await until(() => names.includes("Renamed live"));
    events.unsubscribe();
    watching.unsubscribe();

    // Resume after a reconnect: subscribe again from the last cursor seen; what
    // happened in between is replayed.
    await client.mutate({
      mutation: gql(RENAME_DEAL),
      variables: { id: deal.id, version: renamed.data.updateDeal.deal.version, name: "While away" },
      fetchPolicy: "no-cache",
    });
    const replayed = deferred();
    const resumed = client
      .subscribe({ query: gql(DEAL_EVENTS), variables: { dealId: deal.id, after: event.cursor } })
      .subscribe({ next: ({ data }) => replayed.resolve(data.dealEvents) });
    const missed = await replayed.promise;
    assert.equal(missed.deal.name, "While away");
    assert.notEqual(missed.cursor, event.cursor);
    resumed.unsubscribe();
  } finally {
    client.stop();
    await sockets.dispose();
  }
});

test("Apollo InMemoryCache: boardEvents update the board's totals, columns and cards", async () => {
  const { client, sockets } = apollo();
  // Mutations leave the cache alone (no-cache): only the board's events may update it.
  const write = (mutation, variables) =>
    client.mutate({ mutation: gql(mutation), variables, fetchPolicy: "no-cache" });
  try {
    const card = (await write(CREATE_DEAL_WORTH, { name: "Card before", value: "100.00" })).data
      .createDeal.deal;
    const views = [];
    const watching = client
      .watchQuery({ query: gql(BOARD), variables: { processId: PROCESS_ID } })
      .subscribe(({ data }) => data?.board && views.push({ id: data.board.id, ...boardView(data.board) }));
    const seen = [];
    const events = client
      .subscribe({ query: gql(BOARD_EVENTS), variables: { processId: PROCESS_ID } })
      .subscribe({ next: ({ data }) => seen.push(data.boardEvents) });
    await boardFollowsEvents({ views, seen, write, card });
    // The cache did it all: the board was fetched once (by hash first, every fetch is).
    assert.equal(sent.filter((body) => body.operationName === "Board" && !body.query).length, 1);
    events.unsubscribe();
    watching.unsubscribe();
  } finally {
    client.stop();
    await sockets.dispose();
  }
});
