// How amounts, dates and a card's task dot read on the page.

export function money(amount: string | number, currency: string): string {
  const value = typeof amount === "number" ? amount : Number(amount);
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(value);
  } catch {
    return `${value.toFixed(2)} ${currency}`;
  }
}

export function when(iso: string | null | undefined): string {
  if (!iso) return "";
  return new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }).format(
    new Date(iso),
  );
}

/** A task dot's symbol and words: colour is never the only signal. */
export const TASK_DOTS: Record<string, { symbol: string; label: string }> = {
  NONE: { symbol: "○", label: "No open tasks" },
  LATER: { symbol: "●", label: "Tasks due later" },
  TODAY: { symbol: "◆", label: "A task due today" },
  OVERDUE: { symbol: "▲", label: "A task overdue" },
};

export function escape(text: string | null | undefined): string {
  return (text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
