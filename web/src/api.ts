// Talking to Dealflow's GraphQL API over HTTP, and where the page keeps its token.

export interface UserError {
  code: string;
  message: string;
  field?: string[] | null;
}

/** A refusal the API explained (a UserError or a GraphQL error with a code). */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

const SESSION_KEY = "dealflow.token";
const DISPLAY_KEY = "dealflow.displayToken";

/** The wall screen's token (kept across restarts) or the session's (this tab only). */
export function token(): string | null {
  return isDisplay() ? localStorage.getItem(DISPLAY_KEY) : sessionStorage.getItem(SESSION_KEY);
}

export function setSessionToken(value: string | null): void {
  if (value === null) sessionStorage.removeItem(SESSION_KEY);
  else sessionStorage.setItem(SESSION_KEY, value);
}

/** Wall-screen mode: `/board?display=1`, its token given once as `#token=dfd_...`. */
export function isDisplay(): boolean {
  return new URLSearchParams(location.search).get("display") === "1";
}

/** Keep a display token passed in the fragment, and take it out of the address bar. */
export function takeDisplayTokenFromUrl(): void {
  const given = new URLSearchParams(location.hash.slice(1)).get("token");
  if (given) {
    localStorage.setItem(DISPLAY_KEY, given);
    history.replaceState(null, "", location.pathname + location.search);
  }
}

export function endpoint(): string {
  return "/graphql";
}

export function socketUrl(): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/graphql`;
}

/** Raised when the token is no longer good: the page goes back to the login. */
export class SessionEnded extends Error {}

/** A GraphQL operation's data; its errors become an ApiError (or SessionEnded). */
export async function request<T>(
  query: string,
  variables: Record<string, unknown> = {},
  body?: FormData,
): Promise<T> {
  const headers: Record<string, string> = {};
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  let response: Response;
  try {
    if (body) {
      response = await fetch(endpoint(), { method: "POST", headers, body });
    } else {
      headers["content-type"] = "application/json";
      response = await fetch(endpoint(), {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
      });
    }
  } catch {
    throw new ApiError("The server cannot be reached. Check the connection and try again.", "NETWORK");
  }
  let answer: { data?: T | null; errors?: { message: string; extensions?: { code?: string } }[] };
  try {
    answer = await response.json();
  } catch {
    throw new ApiError(`The server answered ${response.status}.`, "BAD_RESPONSE");
  }
  const first = answer.errors?.[0];
  if (first) {
    const code = first.extensions?.code ?? "ERROR";
    if (code === "UNAUTHENTICATED") throw new SessionEnded(first.message);
    throw new ApiError(first.message, code);
  }
  return answer.data as T;
}

/** A mutation's payload: its `errors` become an ApiError. */
export function payloadOrThrow<P extends { errors: UserError[] }>(payload: P): P {
  const first = payload.errors[0];
  if (first) throw new ApiError(first.message, first.code);
  return payload;
}
