// Pieces both views use: the one-line summary of a film in a list, and the pager.

import { h } from "./dom.js";
import { formatCount, formatDuration, formatRating, formatVotes, formatYear } from "./format.js";

/** The page's own URL of a film. */
export function filmUrl(filmId, threshold) {
  const query = threshold == null ? "" : `?threshold=${threshold}`;
  return `/ui/film/${encodeURIComponent(filmId)}${query}`;
}

/** Title (a link), year, genres, runtime, rating and the first people of `film`. */
export function filmSummary(film, { href, headingLevel = "h3", extra = null }) {
  const year = formatYear(film.year);
  const facts = [
    (film.genres ?? []).join(", "),
    formatDuration(film.duration),
  ].filter(Boolean);
  const people = (film.persons ?? []).slice(0, 4).join(", ");
  return h(
    "div",
    { class: "film-summary" },
    h(
      headingLevel,
      { class: "film-summary-title" },
      h("a", { href, "data-nav": true, text: film.title }),
      year && h("span", { class: "year", text: ` ${year}` }),
    ),
    extra,
    facts.length > 0 && h("p", { class: "facts", text: facts.join(" · ") }),
    people && h("p", { class: "people", text: people }),
    ratingBadge(film),
  );
}

/** "★ 8.6 · 1.4M votes" */
export function ratingBadge(film) {
  const rating = formatRating(film.rating);
  if (!rating) return null;
  const votes = formatVotes(film.vote_count);
  return h(
    "p",
    { class: "rating", "aria-label": `rated ${rating} out of 10${votes ? ` by ${votes}` : ""}` },
    h("span", { class: "star", "aria-hidden": "true", text: "★" }),
    h("span", { class: "rating-value", text: rating }),
    votes && h("span", { class: "votes", text: votes }),
  );
}

/**
 * Page links for `total` items seen `limit` at a time from `offset`; `urlFor(offset)` is the
 * page's URL of another page. Links (not buttons), so a page can be opened in a new tab.
 */
export function pager({ total, offset, limit, urlFor, label }) {
  if (total === null || limit <= 0 || total <= limit) return null;
  const pages = Math.ceil(total / limit);
  const page = Math.min(pages, Math.floor(offset / limit) + 1);
  const last = (pages - 1) * limit;
  const link = (text, target, rel, aria) =>
    target === null
      ? h("span", { class: "pager-link", "aria-disabled": "true", text })
      : h("a", { class: "pager-link", href: urlFor(target), "data-nav": true, rel, "aria-label": aria, text });
  return h(
    "nav",
    { class: "pager", "aria-label": label },
    link("« First", offset > 0 ? 0 : null, null, "first page"),
    link("‹ Previous", offset > 0 ? Math.max(0, Math.min(offset - limit, last)) : null, "prev", "previous page"),
    h("span", { class: "pager-position", text: `Page ${formatCount(page)} of ${formatCount(pages)}` }),
    link("Next ›", offset + limit < total ? offset + limit : null, "next", "next page"),
    link("Last »", offset < last ? last : null, null, "last page"),
  );
}
