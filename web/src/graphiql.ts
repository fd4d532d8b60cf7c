// GraphiQL, bundled with everything it needs (React, its editors, its styles): served by
// Dealflow at /graphql in development (DEBUG), offline and under a strict policy, no
// CDN. Queries and mutations go over HTTP, subscriptions over graphql-ws, both with the
// headers pane's Authorization (put {"authorization": "Bearer <token>"} there).
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { createElement } from "react";
import { createRoot } from "react-dom/client";

const http = new URL("/graphql", window.location.href);
const ws = new URL(http);
ws.protocol = http.protocol === "https:" ? "wss:" : "ws:";

const fetcher = createGraphiQLFetcher({
  url: http.toString(),
  subscriptionUrl: ws.toString(),
  wsConnectionParams: () => {
    const headers = JSON.parse(window.localStorage.getItem("graphiql:headers") ?? "{}");
    return { authorization: headers.authorization ?? headers.Authorization };
  },
});

const root = document.getElementById("graphiql");
// Through the CSSOM, which the page's policy allows (no inline style attributes).
document.body.style.margin = "0";
if (root) {
  root.style.height = "100vh";
  createRoot(root).render(
    createElement(GraphiQL, {
      fetcher,
      defaultHeaders: '{\n  "authorization": "Bearer <token from login>"\n}',
      shouldPersistHeaders: true,
      defaultQuery:
        'mutation Login {\n  login(input: {email: "admin@demo.dealflow.dev", password: "dealflow-demo"}) {\n    token\n    errors { code message }\n  }\n}\n',
    }),
  );
}
