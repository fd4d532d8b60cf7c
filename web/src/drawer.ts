// The deal drawer: the checklist by stage, completing and un-completing steps (a note,
// or a note and a file, when the step asks for one; a step you may not perform is
// shown, not offered), win / lose / cancel / reopen, and the deal's history. Refusals
// from the API are shown as messages.

import { ApiError, payloadOrThrow, request, type UserError } from "./api";
import { CANCEL, COMPLETE_STEP, DEAL, LOSE, REOPEN, UNCOMPLETE_STEP, WIN } from "./documents";
import { escape, money, when } from "./format";

interface Step {
  id: string;
  name: string;
  mandatory: boolean;
  requireNote: "NONE" | "NOTE" | "NOTE_WITH_FILE";
  canPerform: boolean;
}

interface Deal {
  id: string;
  name: string;
  company: string | null;
  value: string;
  currency: string;
  status: string;
  probability: number;
  lostReason: string | null;
  canEdit: boolean;
  owner: { name: string };
  stage: { id: string; name: string };
  process: { stages: { id: string; name: string; steps: Step[] }[] };
  completedSteps: {
    step: { id: string };
    completedBy: { name: string };
    completedAt: string;
    note: string | null;
    fileName: string | null;
  }[];
  missingMandatorySteps: { id: string; name: string }[];
  history: {
    edges: { node: { kind: string; at: string; actor: { name: string } | null; note: string | null; changes: { field: string; from: string | null; to: string | null }[] } }[];
  };
}

type Payload = { errors: UserError[] };

export class Drawer {
  private deal: Deal | null = null;
  private message = "";

  constructor(
    private readonly root: HTMLElement,
    private readonly onClose: () => void,
  ) {}

  async open(dealId: string): Promise<void> {
    this.message = "";
    await this.refresh(dealId);
  }

  private async refresh(dealId: string): Promise<void> {
    try {
      const answer = await request<{ deal: Deal | null }>(DEAL, { id: dealId });
      this.deal = answer.deal;
    } catch (error) {
      this.message = error instanceof Error ? error.message : String(error);
    }
    this.render();
  }

  close(): void {
    this.deal = null;
    this.root.innerHTML = "";
    this.root.hidden = true;
    this.onClose();
  }

  private async act(run: () => Promise<Payload>): Promise<void> {
    if (!this.deal) return;
    try {
      payloadOrThrow(await run());
      this.message = "";
    } catch (error) {
      this.message = error instanceof ApiError || error instanceof Error ? error.message : String(error);
    }
    await this.refresh(this.deal.id);
  }

  private async mutate(document: string, variables: Record<string, unknown>): Promise<Payload> {
    const data = await request<Record<string, Payload>>(document, variables);
    return Object.values(data)[0];
  }

  private async complete(step: Step, form: HTMLFormElement): Promise<void> {
    const deal = this.deal;
    if (!deal) return;
    const note = (form.elements.namedItem("note") as HTMLTextAreaElement | null)?.value ?? "";
    const file = (form.elements.namedItem("file") as HTMLInputElement | null)?.files?.[0];
    if (step.requireNote !== "NONE" && !note.trim()) {
      this.message = `"${step.name}" needs a note.`;
      this.render();
      return;
    }
    if (step.requireNote === "NOTE_WITH_FILE" && !file) {
      this.message = `"${step.name}" needs a note and a file.`;
      this.render();
      return;
    }
    const input = { dealId: deal.id, stepId: step.id, note: note.trim() || null, file: null };
    if (!file) {
      await this.act(() => this.mutate(COMPLETE_STEP, { input }));
      return;
    }
    const body = new FormData();
    body.append("operations", JSON.stringify({ query: COMPLETE_STEP, variables: { input } }));
    body.append("map", JSON.stringify({ "0": ["variables.input.file"] }));
    body.append("0", file, file.name);
    await this.act(async () => {
      const data = await request<Record<string, Payload>>(COMPLETE_STEP, {}, body);
      return Object.values(data)[0];
    });
  }

  render(): void {
    this.root.hidden = false;
    const deal = this.deal;
    const message = this.message
      ? `<p class="message" role="alert" data-testid="drawer-message">${escape(this.message)}</p>`
      : "";
    if (!deal) {
      this.root.innerHTML = `<div class="drawer-body">${message || "<p>This deal is not there any more.</p>"}
        <button class="close">Close</button></div>`;
      this.bindClose();
      return;
    }
    const done = new Map(deal.completedSteps.map((c) => [c.step.id, c]));
    const open = deal.status === "OPEN";
    const stages = deal.process.stages
      .map(
        (stage) => `
        <section class="stage"><h3>${escape(stage.name)}</h3><ul>${stage.steps
          .map((step) => this.step(step, done.get(step.id), open && deal.canEdit))
          .join("")}</ul></section>`,
      )
      .join("");
    const missing = deal.missingMandatorySteps.length
      ? `<p class="missing" data-testid="missing-steps">Before winning: ${deal.missingMandatorySteps.map((s) => escape(s.name)).join(", ")}</p>`
      : "";
    const actions = !deal.canEdit
      ? ""
      : open
        ? `<div class="actions">${missing}
            <button data-action="win">Win</button>
            <button data-action="lose">Lose…</button>
            <button data-action="cancel">Cancel deal…</button></div>`
        : `<div class="actions"><button data-action="reopen">Reopen</button></div>`;
    const history = deal.history.edges
      .map(
        ({ node }) => `<li><span class="when">${when(node.at)}</span> ${escape(node.actor?.name ?? "Dealflow")}:
          ${escape(node.kind)} ${node.changes.map((c) => `${escape(c.field)} ${escape(c.from ?? "—")} → ${escape(c.to ?? "—")}`).join("; ")}
          ${node.note ? `“${escape(node.note)}”` : ""}</li>`,
      )
      .join("");
    this.root.innerHTML = `
      <div class="drawer-body">
        <header>
          <h2 id="drawer-title">${escape(deal.name)}</h2>
          <button class="close" aria-label="Close the deal">×</button>
        </header>
        <p>${escape(deal.company ?? "")} · ${money(deal.value, deal.currency)} · ${deal.probability}% ·
          ${escape(deal.owner.name)} · <strong data-testid="deal-status">${escape(deal.status)}</strong>
          ${deal.lostReason ? `(${escape(deal.lostReason)})` : ""}</p>
        ${message}
        ${actions}
        <h3>Checklist</h3>${stages}
        <h3>History</h3><ol class="history">${history}</ol>
      </div>`;
    this.bindClose();
    this.bindSteps(deal);
    this.bindActions(deal);
  }

  private step(step: Step, completion: Deal["completedSteps"][number] | undefined, editable: boolean): string {
    const tag = step.mandatory ? ` <span class="mandatory">(mandatory)</span>` : "";
    if (completion) {
      const by = `${escape(completion.completedBy.name)}, ${when(completion.completedAt)}`;
      const note = completion.note ? ` — “${escape(completion.note)}”` : "";
      const undo = editable && step.canPerform
        ? `<button data-uncomplete="${escape(step.id)}">Un-complete</button>`
        : "";
      return `<li class="step done" data-step-name="${escape(step.name)}">✔ ${escape(step.name)}${tag}
        <span class="by">${by}${note}</span> ${undo}</li>`;
    }
    if (!editable || !step.canPerform) {
      const why = editable ? ` <span class="why">(not yours to complete)</span>` : "";
      return `<li class="step" data-step-name="${escape(step.name)}">☐ ${escape(step.name)}${tag}${why}</li>`;
    }
    const note =
      step.requireNote === "NONE"
        ? ""
        : `<label>Note${step.requireNote === "NOTE_WITH_FILE" ? " and file" : ""} (required)
             <textarea name="note" rows="2"></textarea></label>`;
    const file = step.requireNote === "NOTE_WITH_FILE" ? `<input type="file" name="file" aria-label="File" />` : "";
    return `<li class="step" data-step-name="${escape(step.name)}">☐ ${escape(step.name)}${tag}
      <form data-complete="${escape(step.id)}">${note}${file}<button type="submit">Complete</button></form></li>`;
  }

  private bindClose(): void {
    this.root.querySelector<HTMLButtonElement>("button.close")?.addEventListener("click", () => this.close());
  }

  private bindSteps(deal: Deal): void {
    const steps = new Map(deal.process.stages.flatMap((s) => s.steps).map((s) => [s.id, s]));
    for (const form of this.root.querySelectorAll<HTMLFormElement>("form[data-complete]")) {
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const step = steps.get(form.dataset.complete ?? "");
        if (step) void this.complete(step, form);
      });
    }
    for (const button of this.root.querySelectorAll<HTMLButtonElement>("button[data-uncomplete]")) {
      button.addEventListener("click", () =>
        void this.act(() =>
          this.mutate(UNCOMPLETE_STEP, { input: { dealId: deal.id, stepId: button.dataset.uncomplete } }),
        ),
      );
    }
  }

  private bindActions(deal: Deal): void {
    const withReason = (document: string) => () => {
      const reason = window.prompt("Why?") ?? "";
      return this.act(() => this.mutate(document, { input: { dealId: deal.id, reason } }));
    };
    const actions: Record<string, () => Promise<void>> = {
      win: () => this.act(() => this.mutate(WIN, { id: deal.id })),
      lose: withReason(LOSE),
      cancel: withReason(CANCEL),
      reopen: () => this.act(() => this.mutate(REOPEN, { id: deal.id })),
    };
    for (const button of this.root.querySelectorAll<HTMLButtonElement>("button[data-action]")) {
      button.addEventListener("click", () => void actions[button.dataset.action ?? ""]?.());
    }
  }
}
