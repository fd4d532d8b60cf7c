// The board's live feed: `boardEvents` over graphql-transport-ws with the graphql-ws
// client. graphql-ws retries a dropped socket by sending the subscription's first
// variables again, which would replay from the first cursor (or from nothing); so each
// connection here is one client with no retries of its own, and reconnecting starts a
// new one with the latest cursor as `after`. The first connection starts from the
// cursor the board was read at, if it has one: nothing made since is missed, however
// late the subscription registers.

import { createClient, type Client } from "graphql-ws";
import { socketUrl, token } from "./api";
import { BOARD_EVENTS } from "./documents";

export interface BoardEvent {
  cursor: string;
  kind: "DEAL_ADDED" | "DEAL_UPDATED" | "DEAL_MOVED" | "DEAL_REMOVED" | "PROCESS_CHANGED";
  dealId: string;
  deal: unknown;
  columns: unknown[];
}

export type LiveState = "connecting" | "live" | "reconnecting";

export interface LiveHandlers {
  /** Connected (again): `resumed` when it went on from a cursor it had. */
  connected(resumed: boolean): void;
  event(event: BoardEvent): void;
  state(state: LiveState): void;
  /** The cursor is too old to resume from, or the process changed: reload. */
  reload(): void;
  /** The session ended (socket closed with 4403): back to the login. */
  sessionEnded(): void;
}

const SESSION_ENDED = 4403;
const MAX_WAIT_MS = 10_000;

export class LiveBoard {
  private client: Client | null = null;
  private stopped = false;
  private attempt = 0;

  constructor(
    private readonly processId: string,
    private readonly handlers: LiveHandlers,
    private cursor: string | null = null,
  ) {}

  start(): void {
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    void this.client?.dispose();
    this.client = null;
  }

  private connect(): void {
    if (this.stopped) return;
    const resuming = this.cursor !== null;
    this.handlers.state(this.attempt === 0 ? "connecting" : "reconnecting");
    let closedCode: number | null = null;
    const client = createClient({
      url: socketUrl(),
      connectionParams: () => ({ authorization: `Bearer ${token() ?? ""}` }),
      retryAttempts: 0,
      lazy: false,
      on: {
        connected: () => {
          this.attempt = 0;
          this.handlers.state("live");
          this.handlers.connected(resuming);
        },
        closed: (event) => {
          closedCode = (event as CloseEvent | undefined)?.code ?? null;
        },
      },
    });
    this.client = client;
    client.subscribe<{ boardEvents: BoardEvent }>(
      { query: BOARD_EVENTS, variables: { processId: this.processId, after: this.cursor } },
      {
        next: (result) => {
          const event = result.data?.boardEvents;
          if (event) {
            this.cursor = event.cursor;
            if (event.kind === "PROCESS_CHANGED") this.handlers.reload();
            else this.handlers.event(event);
          }
          const code = result.errors?.[0]?.extensions?.code;
          if (code === "CURSOR_EXPIRED" || code === "SUBSCRIBER_TOO_SLOW") {
            this.cursor = code === "CURSOR_EXPIRED" ? null : this.cursor;
            this.handlers.reload();
          }
        },
        error: (error) => {
          const code = closedCode ?? (error as CloseEvent | undefined)?.code;
          if (code === SESSION_ENDED) {
            this.stop();
            this.handlers.sessionEnded();
            return;
          }
          const errors = Array.isArray(error) ? error : [];
          const expired = errors.some((e) => e?.extensions?.code === "CURSOR_EXPIRED");
          if (expired) {
            this.cursor = null;
            this.handlers.reload();
            return;
          }
          this.retry(client);
        },
        complete: () => this.retry(client),
      },
    );
  }

  private retry(client: Client): void {
    if (this.stopped || this.client !== client) return;
    void client.dispose();
    this.client = null;
    this.handlers.state("reconnecting");
    const wait = Math.min(MAX_WAIT_MS, 250 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    setTimeout(() => this.connect(), wait);
  }

  /** Whether reconnecting will resume from a cursor (else the board is reloaded). */
  get hasCursor(): boolean {
    return this.cursor !== null;
  }
}
