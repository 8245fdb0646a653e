// The filmdex JSON API as the page uses it: GET requests to the server the page came from, the
// total of a list from `X-Total-Count`, and every failure turned into an `ApiError` that
// `errors.js` can describe to a person.

/** A failed request: the API's `{code, message, request_id}` plus what the page needs. */
export class ApiError extends Error {
  constructor({ status = 0, code, message, requestId = null, retryAfter = null }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    /** Seconds to wait before asking again (rate limiting), or null. */
    this.retryAfter = retryAfter;
  }
}

// Recent answers, so that the back button and revisited pages show at once and spend none of
// the client's rate limit. Short-lived: the server may switch to a newer database.
const CACHE_ENTRIES = 200;
const CACHE_MS = 5 * 60 * 1000;
const cache = new Map();

/**
 * GETs `path` and resolves to `{ data, total }` (`total` from `X-Total-Count`, else null).
 * Rejects with an `ApiError`, or with the `AbortError` of `signal`.
 */
export async function getJson(path, { signal } = {}) {
  const cached = cache.get(path);
  if (cached && Date.now() - cached.at < CACHE_MS) return cached.result;
  let response;
  try {
    response = await fetch(path, { signal, headers: { Accept: "application/json" } });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError({ code: "network", message: "the server could not be reached" });
  }
  if (!response.ok) throw await errorFrom(response);
  let data;
  try {
    data = await response.json();
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError({
      status: response.status,
      code: "bad_response",
      message: "the server's answer is not JSON",
    });
  }
  const result = { data, total: wholeNumber(response.headers.get("x-total-count")) };
  remember(path, result);
  return result;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not the API's error shape (a proxy's page, say): described by its status alone.
  }
  const fromBody = (key) => (body && typeof body[key] === "string" ? body[key] : null);
  return new ApiError({
    status: response.status,
    code: fromBody("code") ?? `http_${response.status}`,
    message: fromBody("message") ?? response.statusText,
    requestId: fromBody("request_id") ?? response.headers.get("x-request-id"),
    retryAfter: retryAfterSeconds(response.headers.get("retry-after")),
  });
}

function remember(path, result) {
  cache.delete(path);
  cache.set(path, { at: Date.now(), result });
  if (cache.size > CACHE_ENTRIES) cache.delete(cache.keys().next().value);
}

function wholeNumber(text) {
  const number = Number.parseInt(text ?? "", 10);
  return Number.isFinite(number) && number >= 0 ? number : null;
}

/** Retry-After as seconds: either a number of seconds or an HTTP date. */
function retryAfterSeconds(text) {
  if (!text) return null;
  const seconds = wholeNumber(text.trim());
  if (seconds !== null) return seconds;
  const date = Date.parse(text);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** A threshold as the path writes it: at most two decimals, "0.3", "1", "0". */
export const thresholdText = (threshold) => String(Math.round(threshold * 100) / 100);

export function filmPath(filmId) {
  return `/film/${encodeURIComponent(filmId)}`;
}

export function similarPath(filmId, threshold, { limit, offset }) {
  const query = new URLSearchParams({ limit: String(limit), offset: String(offset), explain: "true" });
  return `/film/${encodeURIComponent(filmId)}/similar/${thresholdText(threshold)}?${query}`;
}

/** `criteria` is a plain object of the search route's query parameters; empty ones are left out. */
export function searchPath(criteria) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(criteria)) {
    if (value !== null && value !== undefined && value !== "") query.append(key, String(value));
  }
  return `/film/search?${query}`;
}

/** `/film/suggest`: the best `limit` films for the text typed so far. */
export function suggestPath(text, limit) {
  return `/film/suggest?${new URLSearchParams({ q: text, limit: String(limit) })}`;
}

/**
 * `/recommend` for the list `{ liked, disliked }` (film ids) with the reasons, one page of it,
 * filtered by `filters`: a plain object of search criteria, arrays for repeated ones (`genres`).
 */
export function recommendPath({ liked, disliked }, filters, { limit, offset }) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    for (const each of Array.isArray(value) ? value : [value]) {
      if (each !== null && each !== undefined && each !== "") query.append(key, String(each));
    }
  }
  query.set("explain", "true");
  query.set("limit", String(limit));
  query.set("offset", String(offset));
  // Ids are digits: joined by plain commas, the URL stays readable.
  const ids = [`like=${liked.join(",")}`, ...(disliked.length > 0 ? [`dislike=${disliked.join(",")}`] : [])];
  return `/recommend?${ids.join("&")}&${query}`;
}
