// Dealflow's team board: log in, pick a process, watch its board live; a deal's drawer;
// statistics; and wall-screen mode (`/board?display=1&process=<id>#token=<display token>`).

import "./style.css";
import {
  ApiError,
  SessionEnded,
  isDisplay,
  payloadOrThrow,
  request,
  setSessionToken,
  takeDisplayTokenFromUrl,
  token,
} from "./api";
import { BoardView, legend, type BoardFilter } from "./board";
import { LOGIN, LOGOUT, START } from "./documents";
import { Drawer } from "./drawer";
import { escape } from "./format";
import type { LiveState } from "./live";
import { renderStats } from "./stats";

const app = document.getElementById("app") as HTMLElement;
let board: BoardView | null = null;

interface Start {
  me: { id: string; name: string; role: string };
  processes: { id: string; name: string; isDefault: boolean }[];
  users: { id: string; name: string; active: boolean }[];
}

function showError(error: unknown): void {
  if (error instanceof SessionEnded) {
    backToLogin("Your session ended: log in again.");
    return;
  }
  const text = error instanceof ApiError || error instanceof Error ? error.message : String(error);
  const box = document.getElementById("page-message");
  if (box) {
    box.textContent = text;
    box.hidden = false;
  }
}

function backToLogin(why = ""): void {
  board?.close();
  board = null;
  if (isDisplay()) {
    app.innerHTML = `<p class="message" role="alert">This wall screen's token no longer opens the board.
      An administrator makes a new one (createDisplayToken).</p>`;
    return;
  }
  setSessionToken(null);
  login(why);
}

function login(why = ""): void {
  document.body.classList.remove("display");
  app.innerHTML = `
    <form class="login" aria-labelledby="login-title">
      <h1 id="login-title">Dealflow</h1>
      ${why ? `<p class="message" role="alert">${escape(why)}</p>` : ""}
      <label>Email <input name="email" type="email" autocomplete="username" required /></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
      <button type="submit">Log in</button>
      <p class="message" role="alert" id="login-message" hidden></p>
    </form>`;
  const form = app.querySelector("form") as HTMLFormElement;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const message = document.getElementById("login-message") as HTMLElement;
    try {
      const answer = await request<{ login: { token: string | null; errors: { code: string; message: string }[] } }>(
        LOGIN,
        { email: data.get("email"), password: data.get("password") },
      );
      const payload = payloadOrThrow(answer.login);
      setSessionToken(payload.token);
      await start();
    } catch (error) {
      message.textContent = error instanceof Error ? error.message : String(error);
      message.hidden = false;
    }
  });
}

function indicator(state: LiveState): void {
  const element = document.getElementById("live");
  if (!element) return;
  element.dataset.state = state;
  element.textContent = state === "live" ? "● Live" : state === "connecting" ? "○ Connecting…" : "◌ Reconnecting…";
}

async function start(): Promise<void> {
  if (isDisplay()) {
    await startDisplay();
    return;
  }
  let data: Start;
  try {
    data = await request<Start>(START);
  } catch (error) {
    if (error instanceof SessionEnded) backToLogin();
    else showError(error);
    return;
  }
  const processes = [...data.processes].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  const chosen = new URLSearchParams(location.search).get("process") ?? processes[0]?.id ?? "";
  app.innerHTML = `
    <header class="top">
      <h1>Dealflow</h1>
      <label>Process <select id="process">${processes
        .map((p) => `<option value="${escape(p.id)}" ${p.id === chosen ? "selected" : ""}>${escape(p.name)}</option>`)
        .join("")}</select></label>
      <nav><a href="#board">Board</a> <a href="#stats">Statistics</a></nav>
      <span id="live" class="live" role="status" aria-live="polite"></span>
      <span class="who">${escape(data.me.name)}</span>
      <button id="logout">Log out</button>
    </header>
    <p id="page-message" class="message" role="alert" hidden></p>
    <div id="view"></div>
    <aside id="drawer" class="drawer" role="dialog" aria-labelledby="drawer-title" hidden></aside>`;
  document.getElementById("logout")?.addEventListener("click", async () => {
    await request(LOGOUT).catch(() => undefined);
    backToLogin();
  });
  const select = document.getElementById("process") as HTMLSelectElement;
  const show = () => void route(select.value, data);
  select.addEventListener("change", show);
  window.onhashchange = show;
  show();
}

async function route(processId: string, data: Start): Promise<void> {
  const view = document.getElementById("view") as HTMLElement;
  board?.close();
  board = null;
  const drawerRoot = document.getElementById("drawer") as HTMLElement;
  drawerRoot.hidden = true;
  drawerRoot.innerHTML = "";
  if (location.hash === "#stats") {
    view.innerHTML = `<h2>Statistics</h2>
      <form class="period"><label>From <input type="date" name="from" /></label>
        <label>To <input type="date" name="to" /></label><button type="submit">Show</button></form>
      <div id="stats"></div>`;
    const target = document.getElementById("stats") as HTMLElement;
    const form = view.querySelector("form") as HTMLFormElement;
    const draw = () => {
      const period = new FormData(form);
      renderStats(target, processId, {
        from: (period.get("from") as string) || undefined,
        to: (period.get("to") as string) || undefined,
      }).catch(showError);
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      draw();
    });
    draw();
    return;
  }
  view.innerHTML = `
    <form class="filters" aria-label="Filters">
      <label>Owner <select name="owner"><option value="">Everyone</option>${data.users
        .filter((u) => u.active)
        .map((u) => `<option value="${escape(u.id)}">${escape(u.name)}</option>`)
        .join("")}</select></label>
      <label>Tasks <select name="task"><option value="">Any</option>
        <option value="OVERDUE">Overdue</option><option value="TODAY">Due today</option>
        <option value="LATER">Due later</option><option value="NONE">No open tasks</option></select></label>
      <label>Search <input name="search" type="search" /></label>
    </form>
    ${legend()}
    <div id="board"></div>`;
  const drawer = new Drawer(drawerRoot, () => undefined);
  board = new BoardView(
    document.getElementById("board") as HTMLElement,
    processId,
    {},
    (dealId) => void drawer.open(dealId),
    indicator,
    () => backToLogin("Your session ended: log in again."),
    showError,
  );
  const filters = view.querySelector("form.filters") as HTMLFormElement;
  filters.addEventListener("input", () => {
    const values = new FormData(filters);
    const filter: BoardFilter = {};
    if (values.get("owner")) filter.ownerIds = [values.get("owner") as string];
    if (values.get("task")) filter.taskStatus = [values.get("task") as string];
    if ((values.get("search") as string)?.trim()) filter.search = values.get("search") as string;
    board?.setFilter(filter);
  });
  filters.addEventListener("submit", (event) => event.preventDefault());
  await board.open();
}

async function startDisplay(): Promise<void> {
  document.body.classList.add("display");
  const processId = new URLSearchParams(location.search).get("process");
  if (!token() || !processId) {
    app.innerHTML = `<p class="message" role="alert">Wall-screen mode needs its board and token:
      /board?display=1&amp;process=&lt;process id&gt;#token=&lt;display token&gt;.</p>`;
    return;
  }
  app.innerHTML = `
    <header class="top"><h1>Dealflow</h1><span id="live" class="live" role="status" aria-live="polite"></span></header>
    <p id="page-message" class="message" role="alert" hidden></p>
    ${legend()}
    <div id="board"></div>`;
  board = new BoardView(
    document.getElementById("board") as HTMLElement,
    processId,
    {},
    () => undefined,
    indicator,
    () => backToLogin(),
    showError,
  );
  await board.open();
}

takeDisplayTokenFromUrl();
if (token()) void start();
else if (isDisplay()) void startDisplay();
else login();
