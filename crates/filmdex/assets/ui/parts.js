// Pieces the views share: the one-line summary of a film in a list, the pager, the Like and
// Dislike toggles of "My list", a share bar, and the names of the features that explain a match.

import { h } from "./dom.js";
import { formatCount, formatDuration, formatPercent, formatRating, formatVotes, formatYear } from "./format.js";
import { DISLIKE, LIKE, myList } from "./list.js";

/** The page's own URL of a film. */
export function filmUrl(filmId, threshold) {
  const query = threshold == null ? "" : `?threshold=${threshold}`;
  return `/ui/film/${encodeURIComponent(filmId)}${query}`;
}

/**
 * Title (a link), year, genres, runtime, rating and the first people of `film`; `extra` goes
 * under the title, `actions` (buttons) beside the rating.
 */
export function filmSummary(film, { href, headingLevel = "h3", extra = null, actions = null }) {
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
    actions,
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

/**
 * The Like and Dislike toggles of `film` for "My list" (aria-pressed says which is on; pressing
 * the one that is on takes the film off the list). Their names end with the film's title, hidden
 * from sight, so that a list of them can be told apart. `syncListToggles` keeps them current.
 */
export function listToggles(film, { area = "item" } = {}) {
  const toggle = (verdict, text) =>
    h(
      "button",
      {
        type: "button",
        class: `toggle toggle-${verdict}`,
        "aria-pressed": String(myList.verdict(film.film_id) === verdict),
        dataset: { filmId: String(film.film_id), verdict, focusKey: `${area}:${verdict}:${film.film_id}` },
        onClick: () => myList.toggle({ film_id: film.film_id, title: film.title, year: film.year }, verdict),
      },
      text,
      h("span", { class: "visually-hidden", text: ` ${film.title ?? `film ${film.film_id}`}` }),
    );
  return h("div", { class: "list-actions" }, toggle(LIKE, "Like"), toggle(DISLIKE, "Dislike"));
}

/** Brings every Like and Dislike toggle under `root` in line with the list. */
export function syncListToggles(root = document) {
  for (const button of root.querySelectorAll(".toggle[data-film-id]")) {
    const pressed = myList.verdict(Number(button.dataset.filmId)) === button.dataset.verdict;
    button.setAttribute("aria-pressed", String(pressed));
  }
}

/** A bar and "47% similar" (or another `word`). */
export function similarityMeter(similarity, word = "similar") {
  if (typeof similarity !== "number") return null;
  return h(
    "p",
    { class: "similarity" },
    bar(similarity),
    h("span", { class: "similarity-value", text: `${formatPercent(similarity)} ${word}` }),
  );
}

/** A bar filled to `fraction` (0 to 1), hidden from screen readers: the number says it. */
export function bar(fraction) {
  const fill = h("span", { class: "bar-fill" });
  // Through the CSSOM: the page's Content-Security-Policy forbids style attributes.
  fill.style.width = `${Math.max(0, Math.min(1, fraction)) * 100}%`;
  return h("span", { class: "bar", "aria-hidden": "true" }, fill);
}

const KINDS = { genre: "Genre", title_word: "Title word", rating: "Rating", token: "Shared feature" };

/** What kind of feature explains a match: "Director", "Actor", "Genre", "Title word"... */
export function kindLabel(feature) {
  if (feature.kind === "person") {
    const category = (feature.category ?? "person").replaceAll("_", " ");
    return category[0].toUpperCase() + category.slice(1);
  }
  return KINDS[feature.kind] ?? "Shared feature";
}

/** The explanation of a film as `{ kind, category, label, share, liked_films }`, usable ones only. */
export function features(film) {
  return (Array.isArray(film.explanation) ? film.explanation : [])
    .map((feature) => ({
      kind: feature.kind ?? feature.type,
      category: feature.category,
      label: String(feature.label ?? feature.name ?? feature.value ?? ""),
      share: Number(feature.share ?? feature.weight ?? feature.contribution ?? 0),
      liked_films: Array.isArray(feature.liked_films) ? feature.liked_films : [],
    }))
    .filter((feature) => feature.label && feature.share > 0);
}
