// Failures as a person reads them: a calm sentence, the server's own explanation where it helps
// (an invalid pattern shows the regex parser's message), what to do next, and never raw JSON.
// Rate limiting counts down the server's Retry-After and then tries again by itself.

import { h } from "./dom.js";

const FIELD_NAMES = {
  q: "Search",
  title: "Title pattern",
  person: "Person",
  genre: "Genre",
  year_from: "Year from",
  year_to: "Year to",
  min_rating: "Minimum rating",
  vote_count: "Minimum votes",
  sort: "Sort",
  genres: "Genres",
  genres_any: "Genres",
};

/** The film ids of "no film has film_id 1, 5" (a list naming films the database lacks). */
export function unknownFilms(error) {
  const match = /no film has film_id ([\d, ]+)/.exec(error?.message ?? "");
  return match ? match[1].split(",").map((id) => Number(id.trim())).filter(Number.isInteger) : [];
}

/** The search field an error is about (`title` in "`title` is not a valid ..."), or null. */
export function errorField(error) {
  const match = /^`?([a-z_]+)`? /.exec(error?.message ?? "");
  return match && match[1] in FIELD_NAMES ? match[1] : null;
}

const capitalise = (text) => (text ? text[0].toUpperCase() + text.slice(1) : text);

/** `{ title, detail, code, hint, retry }` for an ApiError (or any error). */
export function describeError(error) {
  const message = error?.message ?? "";
  switch (error?.code) {
    case "invalid_regex": {
      const field = errorField(error);
      const detail = message.includes(": ") ? message.slice(message.indexOf(": ") + 2) : message;
      return {
        title: "That pattern is not a valid regular expression",
        detail: field ? `The ${FIELD_NAMES[field].toLowerCase()} field could not be read:` : null,
        code: detail,
        hint: "Title pattern, person and genre are regular expressions: “star wars” matches anywhere, “^star” at the start, “lucas|spielberg” either one. Put a backslash before ( ) [ ] . * + ? to match it literally.",
      };
    }
    case "invalid_parameter":
      if (unknownFilms(error).length > 0) {
        return {
          title: "Some films on your list are not in this database",
          detail: `${capitalise(message)}. The list may come from another filmdex.`,
        };
      }
      return { title: "One of the filters is not valid", detail: `${capitalise(message)}.` };
    case "film_not_found":
    case "invalid_film_id":
      return {
        title: "We could not find that film",
        detail: `${capitalise(message)}. The link may be from another database.`,
      };
    case "invalid_threshold":
      return { title: "That similarity threshold is not valid", detail: `${capitalise(message)}.` };
    case "rate_limited":
      return {
        title: "Slow down a little",
        detail: "The server limits how many requests one person can make per second.",
        retry: "auto",
      };
    case "not_ready":
      return { title: "The database is still loading", detail: "This takes a moment.", retry: "auto" };
    case "network":
      return {
        title: "The filmdex server cannot be reached",
        detail: "Check that it is still running, then try again.",
        retry: "button",
      };
    default:
      if (error?.status >= 500 || error?.code === "bad_response") {
        return {
          title: "Something went wrong on the server",
          detail: error.requestId ? `If it keeps happening, the server log has the details under request id ${error.requestId}.` : null,
          retry: "button",
        };
      }
      return { title: "That request did not work", detail: message ? `${capitalise(message)}.` : null, retry: "button" };
  }
}

/**
 * A notice for `error`. With `onRetry`, it offers a Try again button, or for rate limiting counts
 * down and calls it by itself (only while the notice is still on the page).
 */
export function errorNotice(error, { onRetry } = {}) {
  const described = describeError(error);
  const notice = h(
    "div",
    { class: "notice notice-error", role: "alert" },
    h("p", { class: "notice-title", text: described.title }),
    described.detail && h("p", { text: described.detail }),
    described.code && h("pre", { class: "notice-code", text: described.code }),
    described.hint && h("p", { class: "notice-hint", text: described.hint }),
  );
  if (!onRetry) return notice;
  if (described.retry === "auto") {
    notice.className = "notice notice-wait";
    countDown(notice, Math.max(1, error.retryAfter ?? 2), onRetry);
  } else if (described.retry === "button") {
    notice.append(h("button", { type: "button", class: "button", onClick: onRetry, text: "Try again" }));
  }
  return notice;
}

function countDown(notice, seconds, onRetry) {
  const line = h("p", { class: "notice-hint", "aria-live": "off" });
  notice.append(line);
  let left = seconds;
  const tick = () => {
    if (!notice.isConnected && left < seconds) return;
    if (left <= 0) {
      line.textContent = "Trying again…";
      if (notice.isConnected) onRetry();
      return;
    }
    line.textContent = `Trying again in ${left} s…`;
    left -= 1;
    setTimeout(tick, 1000);
  };
  tick();
}

/** A calm note for an empty result. */
export function emptyNotice(title, detail) {
  return h(
    "div",
    { class: "notice notice-empty", role: "status" },
    h("p", { class: "notice-title", text: title }),
    detail && h("p", { text: detail }),
  );
}
