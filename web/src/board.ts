// The Kanban board: columns of cards with their figures, filters, "load more" per
// column, and live updates applied as they come (no refetch, unless a filter is on:
// the events' column figures are the unfiltered ones, so a filtered board reloads).

import { ApiError, isDisplay, request } from "./api";
import { BOARD } from "./documents";
import { TASK_DOTS, escape, money } from "./format";
import { LiveBoard, type BoardEvent, type LiveState } from "./live";

export interface Card {
  id: string;
  name: string;
  company: string | null;
  value: string;
  currency: string;
  probability: number;
  taskStatus: string;
  isRotten: boolean;
  owner: { id: string; name: string };
  stage: { id: string };
  updatedAt: string;
}

interface Figures {
  stage: { id: string; name: string };
  dealCount: number;
  totalValue: string;
  forecastValue: string;
  rottenCount: number;
}

interface Column extends Figures {
  cards: Card[];
  hasNextPage: boolean;
  endCursor: string | null;
}

interface BoardAnswer {
  board: {
    process: { id: string; name: string };
    currency: string;
    eventCursor: string | null;
    columns: (Figures & {
      deals: { pageInfo: { hasNextPage: boolean; endCursor: string | null }; edges: { node: Card }[] };
    })[];
  };
}

export interface BoardFilter {
  ownerIds?: string[];
  taskStatus?: string[];
  search?: string;
}

const PAGE = 20;

export class BoardView {
  private columns: Column[] = [];
  private currency = "EUR";
  private live: LiveBoard | null = null;
  private buffer: BoardEvent[] | null = null;
  private opening = 0;
  private reloadTimer: number | undefined;

  constructor(
    private readonly root: HTMLElement,
    private processId: string,
    private filter: BoardFilter,
    private readonly onOpenDeal: (dealId: string) => void,
    private readonly onState: (state: LiveState) => void,
    private readonly onSessionEnded: () => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Read the board, then subscribe from where the log stood before it was read:
   * events made since, some perhaps already shown, are applied on top in order (each
   * sets what it touched to how it left it). Without a cursor (no events yet, or the
   * read failed) the board is read again once the socket is connected. */
  async open(): Promise<void> {
    this.stopLive();
    const opening = ++this.opening;
    this.buffer = [];
    const cursor = await this.load();
    if (opening !== this.opening) return; // opened again meanwhile
    this.live = new LiveBoard(
      this.processId,
      {
        connected: (resumed) => {
          if (!resumed) void this.load();
        },
        event: (event) => this.take(event),
        state: (state) => this.onState(state),
        reload: () => void this.open(),
        sessionEnded: () => this.onSessionEnded(),
      },
      cursor,
    );
    this.live.start();
  }

  close(): void {
    this.opening++;
    this.stopLive();
  }

  private stopLive(): void {
    this.live?.stop();
    this.live = null;
  }

  setFilter(filter: BoardFilter): void {
    this.filter = filter;
    void this.load();
  }

  private filtered(): boolean {
    return Boolean(this.filter.ownerIds?.length || this.filter.taskStatus?.length || this.filter.search?.trim());
  }

  /** Read the board; events that come meanwhile wait and are applied on top. Answers
   * the log's position the board was read at (null if none, or the read failed). */
  async load(): Promise<string | null> {
    this.buffer ??= [];
    try {
      const answer = await request<BoardAnswer>(BOARD, {
        processId: this.processId,
        filter: this.filtered() ? this.filter : null,
        first: PAGE,
      });
      this.currency = answer.board.currency;
      this.columns = answer.board.columns.map((c) => ({
        stage: c.stage,
        dealCount: c.dealCount,
        totalValue: c.totalValue,
        forecastValue: c.forecastValue,
        rottenCount: c.rottenCount,
        cards: c.deals.edges.map((e) => e.node),
        hasNextPage: c.deals.pageInfo.hasNextPage,
        endCursor: c.deals.pageInfo.endCursor,
      }));
      const waiting = this.buffer ?? [];
      this.buffer = null;
      for (const event of waiting) this.apply(event);
      this.render();
      return answer.board.eventCursor;
    } catch (error) {
      this.buffer = null;
      this.onError(error);
      return null;
    }
  }

  private take(event: BoardEvent): void {
    if (this.buffer !== null) {
      this.buffer.push(event);
      return;
    }
    if (this.filtered()) {
      window.clearTimeout(this.reloadTimer);
      this.reloadTimer = window.setTimeout(() => void this.load(), 200);
      return;
    }
    this.apply(event);
    this.render();
  }

  private apply(event: BoardEvent): void {
    for (const column of this.columns) {
      const before = column.cards.length;
      column.cards = column.cards.filter((card) => card.id !== event.dealId);
      if (column.cards.length < before && !column.hasNextPage) column.endCursor = null;
    }
    const card = event.deal as Card | null;
    if (card && event.kind !== "DEAL_REMOVED") {
      const column = this.columns.find((c) => c.stage.id === card.stage.id);
      column?.cards.unshift(card);
    }
    for (const figures of event.columns as Figures[]) {
      const column = this.columns.find((c) => c.stage.id === figures.stage.id);
      if (column) Object.assign(column, figures);
    }
  }

  private async loadMore(stageId: string): Promise<void> {
    const column = this.columns.find((c) => c.stage.id === stageId);
    if (!column?.endCursor) return;
    try {
      const answer = await request<BoardAnswer>(BOARD, {
        processId: this.processId,
        filter: this.filtered() ? this.filter : null,
        first: PAGE,
        after: column.endCursor,
      });
      const page = answer.board.columns.find((c) => c.stage.id === stageId);
      if (!page) return;
      const known = new Set(column.cards.map((c) => c.id));
      column.cards.push(...page.deals.edges.map((e) => e.node).filter((c) => !known.has(c.id)));
      column.hasNextPage = page.deals.pageInfo.hasNextPage;
      column.endCursor = page.deals.pageInfo.endCursor;
      this.render();
    } catch (error) {
      this.onError(error);
    }
  }

  private totals(): { count: number; value: number; forecast: number } {
    return this.columns.reduce(
      (sum, c) => ({
        count: sum.count + c.dealCount,
        value: sum.value + Number(c.totalValue),
        forecast: sum.forecast + Number(c.forecastValue),
      }),
      { count: 0, value: 0, forecast: 0 },
    );
  }

  render(): void {
    const totals = this.totals();
    this.root.innerHTML = `
      <p class="board-totals" data-testid="board-totals">
        <span data-testid="board-count">${totals.count}</span> open deals,
        <span data-testid="board-value">${money(totals.value, this.currency)}</span>,
        forecast <span data-testid="board-forecast">${money(totals.forecast, this.currency)}</span>
      </p>
      <div class="columns">${this.columns.map((c) => this.column(c)).join("")}</div>`;
    for (const button of this.root.querySelectorAll<HTMLButtonElement>("button.card")) {
      button.addEventListener("click", () => this.onOpenDeal(button.dataset.deal ?? ""));
    }
    for (const button of this.root.querySelectorAll<HTMLButtonElement>("button.more")) {
      button.addEventListener("click", () => void this.loadMore(button.dataset.stage ?? ""));
    }
  }

  private column(column: Column): string {
    const heading = `column-${column.stage.id}`;
    const rotten = column.rottenCount
      ? `<span class="rotten-count" data-testid="rotten-count">${column.rottenCount} rotten</span>`
      : "";
    return `
      <section class="column" aria-labelledby="${heading}" data-stage="${escape(column.stage.id)}">
        <h2 id="${heading}">${escape(column.stage.name)}</h2>
        <p class="figures">
          <span data-testid="deal-count">${column.dealCount}</span> ${column.dealCount === 1 ? "deal" : "deals"} ·
          <span data-testid="total-value">${money(column.totalValue, this.currency)}</span> ·
          forecast <span data-testid="forecast-value">${money(column.forecastValue, this.currency)}</span>
          ${rotten}
        </p>
        <ul class="cards">${column.cards.map((card) => `<li>${this.card(card)}</li>`).join("")}</ul>
        ${column.hasNextPage ? `<button class="more" data-stage="${escape(column.stage.id)}">Load more</button>` : ""}
      </section>`;
  }

  private card(card: Card): string {
    const dot = TASK_DOTS[card.taskStatus] ?? TASK_DOTS.NONE;
    const tag = isDisplay() ? "div" : "button";
    return `
      <${tag} class="card${card.isRotten ? " rotten" : ""}" data-deal="${escape(card.id)}"
        data-testid="card" ${tag === "button" ? `aria-label="Open ${escape(card.name)}"` : ""}>
        <span class="card-name">${escape(card.name)}</span>
        ${card.company ? `<span class="card-company">${escape(card.company)}</span>` : ""}
        <span class="card-value">${money(card.value, card.currency)}</span>
        <span class="card-meta">${escape(card.owner.name)} · ${card.probability}%</span>
        <span class="dot dot-${card.taskStatus.toLowerCase()}" title="${dot.label}">
          <span aria-hidden="true">${dot.symbol}</span> <span class="dot-label">${dot.label}</span>
        </span>
        ${card.isRotten ? `<span class="rotten-badge">Rotten: no change for too long</span>` : ""}
      </${tag}>`;
  }
}

export function legend(): string {
  return `<ul class="legend" aria-label="Task dots">${Object.entries(TASK_DOTS)
    .map(([key, dot]) => `<li class="dot dot-${key.toLowerCase()}"><span aria-hidden="true">${dot.symbol}</span> ${dot.label}</li>`)
    .join("")}</ul>`;
}

export { ApiError };
