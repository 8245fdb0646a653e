// The recommendations view: "My list" (the liked and disliked films, each with its toggles and a
// Remove button, and the link that shares it), the filters (genres, years, minimum rating and
// votes) and the films the list recommends, best first, each with why. Its URL holds the list and
// the filters, /ui/recommend?like=1,2&dislike=3&genres_any=Drama&year_from=2000&min_rating=7,
// so a link shows the same films to anyone; /ui/recommend alone shows the stored list. A change
// to the list or to a filter updates the URL (replaceState) and the films at once.

import { filmPath, getJson, recommendPath } from "./api.js";
import { debounce, h } from "./dom.js";
import { emptyNotice, errorField, errorNotice, unknownFilms } from "./errors.js";
import { formatCount, formatYear, plural } from "./format.js";
import { idsFromQuery, myList, sameFilms } from "./list.js";
import { features, filmSummary, filmUrl, kindLabel, listToggles, pager, similarityMeter } from "./parts.js";
import { GENRES } from "./search.js";
import { measureAfterPaint } from "./timing.js";

export const RECOMMEND_PAGE = 10;
// Typing in a number field updates the films shortly after the last key.
const TYPING_DEBOUNCE_MS = 350;
const NUMBER_FILTERS = ["year_from", "year_to", "min_rating", "vote_count"];
const SHOWN_REASONS = 3;
// Titles of films a shared link names by id alone: this many requests at a time.
const TITLE_REQUESTS = 4;

/** `{ liked, disliked }` of the stored list. */
const listIds = () => ({ liked: myList.liked, disliked: myList.disliked });

function unique(values) {
  return [...new Set(values.map((value) => value.trim()).filter(Boolean))];
}

/** `{ hasList, liked, disliked, filters, offset }` from the page's query string. */
export function recommendFromQuery(query) {
  const liked = idsFromQuery(query.getAll("like"));
  const disliked = idsFromQuery(query.getAll("dislike")).filter((id) => !liked.includes(id));
  const all = unique(query.getAll("genres"));
  const filters = all.length > 0 ? { genres: all, match: "all" } : { genres: unique(query.getAll("genres_any")), match: "any" };
  for (const name of NUMBER_FILTERS) {
    const value = query.get(name)?.trim();
    if (value && Number.isFinite(Number(value))) filters[name] = value;
  }
  const offset = Number(query.get("offset") ?? "");
  return {
    hasList: query.has("like") || query.has("dislike"),
    liked,
    disliked,
    filters,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

/** The filters as the API names them: `genres` (all of) or `genres_any`, and the bounds. */
function apiFilters(filters) {
  const named = {};
  if (filters.genres?.length > 0) named[filters.match === "all" ? "genres" : "genres_any"] = filters.genres;
  for (const name of NUMBER_FILTERS) if (filters[name]) named[name] = filters[name];
  return named;
}

const filterCount = (filters) => (filters.genres?.length > 0 ? 1 : 0) + NUMBER_FILTERS.filter((name) => filters[name]).length;

/** The page's URL of the list `{ liked, disliked }` with `filters`, from `offset`. */
export function recommendUrl({ liked, disliked }, filters = {}, offset = 0) {
  const parts = [];
  if (liked.length > 0) parts.push(`like=${liked.join(",")}`);
  if (disliked.length > 0) parts.push(`dislike=${disliked.join(",")}`);
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(apiFilters(filters))) {
    for (const each of Array.isArray(value) ? value : [value]) query.append(name, String(each));
  }
  if (offset > 0) query.set("offset", String(offset));
  const text = [...parts, query.toString()].filter(Boolean).join("&");
  return text ? `/ui/recommend?${text}` : "/ui/recommend";
}

export class RecommendView {
  constructor({ navigate, announce }) {
    this.navigate = navigate;
    this.announce = announce;
    this.shown = null;
    this.controller = null;
    this.fromForm = false;
    this.quiet = false;
    this.resultsFocus = null;
    this.missing = new Set();
    this.fetching = new Set();
    this.inputs = {};
    this.heading = h("h1", { id: "recommend-title", tabindex: "-1", text: "My list" });
    this.notices = h("div", { class: "list-notices" });
    this.listSection = this.buildList();
    this.form = this.buildFilters();
    this.resultsHeading = h("h2", {
      id: "recommend-results-heading",
      class: "results-heading",
      tabindex: "-1",
      text: "Recommended for you",
    });
    this.summary = h("p", { class: "results-summary" });
    this.results = h("div", { class: "results recommend-results" });
    this.root = h(
      "div",
      { class: "view view-recommend" },
      h(
        "header",
        { class: "view-header" },
        this.heading,
        h("p", {
          class: "hint intro",
          text: "Like the films you enjoyed and dislike the ones you did not: filmdex recommends films that share their directors, cast, genres and title words, and says why.",
        }),
      ),
      this.notices,
      h("div", { class: "recommend-top" }, this.listSection, this.form),
      h(
        "section",
        { class: "results-section", "aria-labelledby": "recommend-results-heading" },
        h("div", { class: "results-header" }, this.resultsHeading, this.summary),
        this.results,
      ),
    );
    myList.subscribe((change) => this.listChanged(change));
  }

  buildList() {
    this.listHeading = h("h2", { id: "list-heading", class: "panel-heading", tabindex: "-1", text: "Liked and disliked" });
    this.listCount = h("p", { class: "results-summary" });
    this.entries = h("div", { class: "list-entries" });
    this.shareInput = h("input", {
      id: "share-url",
      type: "text",
      readonly: true,
      spellcheck: "false",
      "aria-describedby": "share-hint",
    });
    this.shareInput.addEventListener("focus", () => this.shareInput.select());
    this.shareStatus = h("p", { class: "share-status", role: "status" });
    this.share = h(
      "div",
      { class: "share" },
      h("label", { for: "share-url", text: "Link to this list" }),
      h(
        "div",
        { class: "share-row" },
        this.shareInput,
        h("button", { type: "button", class: "button", text: "Copy link", onClick: () => this.copyLink() }),
      ),
      h("p", { id: "share-hint", class: "hint", text: "Whoever opens it sees these films, filters and recommendations." }),
      this.shareStatus,
    );
    this.clearButton = h("button", { type: "button", class: "button button-quiet", text: "Clear list", onClick: () => this.clearList() });
    return h(
      "section",
      { class: "panel my-list", "aria-labelledby": "list-heading" },
      h("div", { class: "panel-header" }, this.listHeading, this.listCount),
      this.entries,
      this.share,
      h("div", { class: "panel-footer" }, this.clearButton),
    );
  }

  buildFilters() {
    this.genreGrid = h("div", { class: "genre-grid" });
    this.genreBoxes = [];
    for (const genre of GENRES) this.addGenreBox(genre);
    this.match = h(
      "select",
      { id: "recommend-match", name: "match" },
      h("option", { value: "any", text: "any checked genre" }),
      h("option", { value: "all", text: "every checked genre" }),
    );
    const number = (name, label, attributes) => {
      const input = h("input", { id: `recommend-${name}`, name, type: "number", autocomplete: "off", ...attributes });
      this.inputs[name] = input;
      return h("div", { class: `field field-${name}` }, h("label", { for: input.id, text: label }), input);
    };
    this.filterCount = h("span", { class: "filter-count" });
    this.filters = h(
      "details",
      { class: "filters" },
      h("summary", {}, "Filters", this.filterCount),
      h(
        "div",
        { class: "recommend-filter-grid" },
        h(
          "fieldset",
          { class: "genres" },
          h("legend", { text: "Genres" }),
          this.genreGrid,
          h("div", { class: "field-inline" }, h("label", { for: "recommend-match", text: "Films with" }), this.match),
        ),
        number("year_from", "Year from", { placeholder: "1900", min: 1870, max: 2100, step: 1, inputmode: "numeric" }),
        number("year_to", "Year to", { placeholder: "2030", min: 1870, max: 2100, step: 1, inputmode: "numeric" }),
        number("min_rating", "Minimum rating", { placeholder: "0 to 10", min: 0, max: 10, step: 0.1, inputmode: "decimal" }),
        number("vote_count", "Minimum votes", { placeholder: "0", min: 0, step: 1, inputmode: "numeric" }),
      ),
      h(
        "div",
        { class: "form-footer" },
        h("p", { class: "hint", text: "The films update as you change a filter." }),
        h("button", { type: "button", class: "button button-quiet", text: "Clear filters", onClick: () => this.clearFilters() }),
      ),
    );
    // Open on a wide screen; on a phone only when a filter is set, so the films come first.
    this.filters.open = window.matchMedia("(min-width: 40rem)").matches;
    const form = h("form", { class: "panel recommend-filters", "aria-label": "Filter the recommendations" }, this.filters);
    const typed = debounce(() => this.applyFilters(), TYPING_DEBOUNCE_MS);
    form.addEventListener("input", (event) => {
      if (event.target.type === "number") typed();
    });
    form.addEventListener("change", (event) => {
      if (event.target.type === "number") typed.flush();
      else this.applyFilters();
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      typed.flush();
    });
    return form;
  }

  addGenreBox(genre) {
    const id = `recommend-genre-${genre.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${this.genreBoxes.length}`;
    const box = h("input", { type: "checkbox", id, name: "genre", value: genre });
    this.genreBoxes.push(box);
    this.genreGrid.append(h("div", { class: "genre-choice" }, box, h("label", { for: id, text: genre })));
    return box;
  }

  readFilters() {
    const filters = { genres: this.genreBoxes.filter((box) => box.checked).map((box) => box.value), match: this.match.value };
    for (const name of NUMBER_FILTERS) {
      const value = this.inputs[name].value.trim();
      if (value && Number.isFinite(Number(value))) filters[name] = value;
    }
    return filters;
  }

  fillFilters(filters) {
    for (const genre of filters.genres) {
      if (!this.genreBoxes.some((box) => box.value === genre)) this.addGenreBox(genre);
    }
    for (const box of this.genreBoxes) box.checked = filters.genres.includes(box.value);
    this.match.value = filters.match;
    for (const name of NUMBER_FILTERS) this.inputs[name].value = filters[name] ?? "";
    this.showFilterCount(filters);
  }

  showFilterCount(filters) {
    const active = filterCount(filters);
    this.filterCount.textContent = active > 0 ? ` · ${active} set` : "";
    if (active > 0) this.filters.open = true;
  }

  applyFilters() {
    if (!this.shown) return;
    const filters = this.readFilters();
    this.fromForm = true;
    this.navigate(recommendUrl(listIds(), filters, 0), { replace: true, focus: null });
  }

  clearFilters() {
    this.fillFilters({ genres: [], match: "any" });
    this.applyFilters();
  }

  clearList() {
    const before = myList.snapshot();
    myList.clear();
    this.offerRestore(before, "Your list is cleared", null, "Undo");
  }

  /** A notice that gives `previous` back as the list with one press. */
  offerRestore(previous, title, detail, action) {
    const close = () => {
      this.notices.replaceChildren();
      this.listHeading.focus();
    };
    this.notices.replaceChildren(
      h(
        "div",
        { class: "notice notice-info", role: "status" },
        h("p", { class: "notice-title", text: title }),
        detail && h("p", { text: detail }),
        h(
          "div",
          { class: "notice-actions" },
          h("button", {
            type: "button",
            class: "button",
            text: action,
            onClick: () => {
              myList.replace(previous, "user");
              close();
            },
          }),
          h("button", { type: "button", class: "button button-quiet", text: "Dismiss", onClick: close }),
        ),
      ),
    );
  }

  async copyLink() {
    const url = this.shareInput.value;
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      this.shareInput.focus();
      this.shareInput.select();
      try {
        copied = document.execCommand("copy");
      } catch {
        copied = false;
      }
    }
    // Emptied first, so that a second copy is announced again.
    this.shareStatus.textContent = "";
    setTimeout(() => {
      this.shareStatus.textContent = copied ? "Link copied." : "The link is selected: copy it with Ctrl+C or ⌘C.";
    }, 50);
  }

  hide() {
    this.controller?.abort();
    this.controller = null;
    this.shown = null;
    this.resultsFocus = null;
    this.notices.replaceChildren();
  }

  /** Shows `{ hasList, liked, disliked, filters, offset }`; resolves once the films are in. */
  async show(params, { initial = false, focus = null } = {}) {
    if (!params.hasList && myList.size > 0) {
      // /ui/recommend alone: the stored list, written into the URL.
      return this.navigate(recommendUrl(listIds(), params.filters, params.offset), { replace: true, focus });
    }
    if (params.hasList && !sameFilms(params, listIds())) {
      // A shared link (or the back button): its films become the list.
      const before = myList.snapshot();
      myList.replaceIds(params, "url");
      if (initial && before.length > 0) {
        this.offerRestore(
          before,
          "You opened a shared list",
          `It replaced the ${plural(before.length, "film", "films")} of your own list on this device.`,
          "Restore my list",
        );
      }
    }
    this.shown = params;
    document.title = "My list · filmdex";
    if (this.fromForm) this.showFilterCount(params.filters);
    else this.fillFilters(params.filters);
    this.fromForm = false;
    this.renderList();
    this.fetchTitles();
    if (focus === "heading") this.heading.focus();
    await this.loadResults(params, { initial });
    if (focus === "results") this.resultsHeading.focus();
  }

  listChanged(change) {
    if (!this.shown || change.source === "url" || change.refused) return;
    if (change.source === "titles") {
      this.renderList();
      return;
    }
    // A film was liked, disliked or removed (here, or in another tab): new URL, new films.
    const active = document.activeElement;
    this.resultsFocus = this.results.contains(active) ? (active.dataset?.focusKey ?? "") : null;
    // The list's own announcement says what changed; the count of films would cut it short.
    this.quiet = true;
    this.navigate(recommendUrl(listIds(), this.shown.filters, 0), { replace: true, focus: null });
  }

  renderList() {
    const active = document.activeElement;
    // The entries are built anew: the focus goes back to the same button, else to the heading.
    const focusKey = this.entries.contains(active) ? (active.dataset?.focusKey ?? "") : null;
    const entries = myList.ordered();
    const liked = myList.liked.length;
    const disliked = myList.disliked.length;
    this.listCount.textContent = entries.length > 0 ? `${formatCount(liked)} liked · ${formatCount(disliked)} disliked` : "";
    this.share.hidden = entries.length === 0;
    this.clearButton.hidden = entries.length === 0;
    this.shareInput.value = window.location.origin + recommendUrl(listIds(), this.shown?.filters ?? {});
    if (entries.length === 0) {
      this.entries.replaceChildren(h("p", { class: "list-empty", text: "No films yet." }));
    } else {
      this.entries.replaceChildren(h("ul", { class: "list-entry-list" }, entries.map((entry) => this.listEntry(entry))));
    }
    if (focusKey !== null && !this.listSection.contains(document.activeElement)) {
      const again = focusKey && this.listSection.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      (again || this.listHeading).focus();
    }
  }

  listEntry(entry) {
    const missing = this.missing.has(entry.film_id);
    const name = entry.title ?? `Film ${entry.film_id}`;
    const year = formatYear(entry.year);
    const film = { film_id: entry.film_id, title: name, year: entry.year };
    return h(
      "li",
      { class: `list-entry list-entry-${entry.verdict}` },
      h(
        "p",
        { class: "list-entry-title" },
        missing
          ? h("span", { text: name })
          : h("a", { href: filmUrl(entry.film_id), "data-nav": true, text: name }),
        year && h("span", { class: "year", text: ` ${year}` }),
        missing && h("span", { class: "list-entry-missing", text: " (not in this database)" }),
      ),
      h(
        "div",
        { class: "list-entry-actions" },
        listToggles(film, { area: "list" }),
        h(
          "button",
          {
            type: "button",
            class: "button button-quiet remove",
            dataset: { focusKey: `list:remove:${entry.film_id}` },
            onClick: () => myList.set(film, null),
          },
          "Remove",
          h("span", { class: "visually-hidden", text: ` ${name}` }),
        ),
      ),
    );
  }

  /** Asks the server for the titles of the films the list knows by id alone. */
  async fetchTitles() {
    const queue = myList.entries
      .filter((entry) => !entry.title && !this.missing.has(entry.film_id) && !this.fetching.has(entry.film_id))
      .map((entry) => entry.film_id);
    queue.forEach((id) => this.fetching.add(id));
    const worker = async () => {
      while (queue.length > 0) {
        const id = queue.shift();
        try {
          const { data } = await getJson(filmPath(id));
          myList.describe(id, { title: data?.title ?? null, year: data?.year ?? null });
        } catch (error) {
          if (error.code === "film_not_found") {
            this.missing.add(id);
            if (this.shown) this.renderList();
          }
        } finally {
          this.fetching.delete(id);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(TITLE_REQUESTS, queue.length) }, worker));
  }

  async loadResults(params, { initial = false } = {}) {
    const quiet = this.quiet;
    this.quiet = false;
    this.controller?.abort();
    this.controller = null;
    for (const input of Object.values(this.inputs)) {
      input.removeAttribute("aria-invalid");
      input.removeAttribute("aria-errormessage");
    }
    const ids = listIds();
    if (ids.liked.length === 0) {
      this.results.classList.remove("is-loading");
      this.results.removeAttribute("aria-busy");
      this.renderNothingToAsk(ids);
      this.restoreResultsFocus();
      return;
    }
    const controller = (this.controller = new AbortController());
    const start = initial ? 0 : performance.now();
    const slow = setTimeout(() => this.results.classList.add("is-loading"), 150);
    this.results.setAttribute("aria-busy", "true");
    try {
      const path = recommendPath(ids, apiFilters(params.filters), { limit: RECOMMEND_PAGE, offset: params.offset });
      const { data, total } = await getJson(path, { signal: controller.signal });
      if (controller !== this.controller) return;
      const films = Array.isArray(data) ? data : [];
      this.renderResults(films, total ?? films.length, params, { quiet });
      measureAfterPaint(initial ? "recommend-first-load" : "recommend", start);
    } catch (error) {
      if (error.name === "AbortError" || controller !== this.controller) return;
      this.renderError(error, params);
    } finally {
      clearTimeout(slow);
      if (controller === this.controller) {
        this.results.classList.remove("is-loading");
        this.results.removeAttribute("aria-busy");
      }
    }
    if (controller === this.controller) this.restoreResultsFocus();
  }

  /** After the list changed from a button among the films, the focus stays near it. */
  restoreResultsFocus() {
    const key = this.resultsFocus;
    this.resultsFocus = null;
    if (key === null || this.results.contains(document.activeElement)) return;
    const again = key && this.results.querySelector(`[data-focus-key="${CSS.escape(key)}"]`);
    (again || this.resultsHeading).focus();
  }

  renderNothingToAsk(ids) {
    this.summary.textContent = "";
    const searchLink = h("p", {}, h("a", { href: "/ui/", "data-nav": true, text: "Search for films" }));
    const notice =
      ids.disliked.length === 0
        ? emptyNotice(
            "Your list is empty",
            "Press Like next to a film you enjoyed, in the search results or on a film's page, and films like it show here.",
          )
        : emptyNotice(
            "Like at least one film",
            "Recommendations start from the films you liked; the disliked ones only push films away.",
          );
    notice.append(searchLink);
    this.results.replaceChildren(notice);
  }

  renderResults(films, total, params, { quiet = false } = {}) {
    const filtered = filterCount(params.filters) > 0;
    if (total === 0) {
      this.summary.textContent = "";
      this.results.replaceChildren(
        emptyNotice(
          filtered ? "No film matches these filters" : "No film shares a feature with your list",
          filtered ? "Try fewer genres, a wider range of years or a lower minimum." : "Add other films to your list.",
        ),
      );
      if (!quiet) this.announce("No recommendations");
      return;
    }
    this.summary.textContent = `${plural(total, "film", "films")}, best match first`;
    const urlFor = (offset) => recommendUrl(listIds(), params.filters, offset);
    if (films.length === 0) {
      this.results.replaceChildren(
        emptyNotice("This page is past the end of the recommendations", null),
        h("p", {}, h("a", { href: urlFor(0), "data-nav": true, "data-focus": "results", text: "Go to the first page" })),
      );
      return;
    }
    const list = h(
      "ol",
      { class: "film-list recommend-list", start: params.offset + 1 },
      films.map((film) =>
        h(
          "li",
          { class: "film-item recommend-item" },
          filmSummary(film, {
            href: filmUrl(film.film_id),
            extra: similarityMeter(film.similarity, "match"),
            actions: listToggles(film, { area: "recs" }),
          }),
          reasons(film),
        ),
      ),
    );
    const pages = pager({ total, offset: params.offset, limit: RECOMMEND_PAGE, urlFor, label: "Recommendation pages" });
    pages?.querySelectorAll("a").forEach((link) => (link.dataset.focus = "results"));
    this.results.replaceChildren(...[list, pages].filter(Boolean));
    if (!quiet) this.announce(`${plural(total, "film", "films")} recommended`);
  }

  renderError(error, params) {
    this.summary.textContent = "";
    const notice = errorNotice(error, { onRetry: () => this.loadResults(this.shown ?? params) });
    notice.id = "recommend-error";
    const field = errorField(error);
    if (field && this.inputs[field]) {
      this.inputs[field].setAttribute("aria-invalid", "true");
      this.inputs[field].setAttribute("aria-errormessage", "recommend-error");
    }
    const unknown = unknownFilms(error);
    if (unknown.length > 0) {
      notice.append(
        h("button", {
          type: "button",
          class: "button",
          text: unknown.length === 1 ? "Remove it from my list" : "Remove them from my list",
          onClick: () => myList.replace(myList.entries.filter((entry) => !unknown.includes(entry.film_id)), "user"),
        }),
      );
    }
    this.results.replaceChildren(notice);
  }
}

/** "Why": the features that bring a film closest to the list, and which liked films have them. */
function reasons(film) {
  const all = features(film);
  if (all.length === 0) return null;
  const line = (feature) => {
    const from = feature.liked_films.map((liked) => liked?.title).filter(Boolean);
    const label = feature.kind === "title_word" ? `“${feature.label}”` : feature.label;
    return h(
      "li",
      { class: "reason" },
      h("span", { class: "reason-kind", text: kindLabel(feature) }),
      " ",
      h("span", { class: "reason-label", text: label }),
      from.length > 0 && h("span", { class: "reason-from", text: `: ${from.join(", ")}` }),
    );
  };
  const id = `why-${film.film_id}`;
  const rest = all.slice(SHOWN_REASONS);
  return h(
    "div",
    { class: "reasons" },
    h("p", { class: "reasons-title", id, text: "Why" }),
    h("ul", { class: "reason-list", "aria-labelledby": id }, all.slice(0, SHOWN_REASONS).map(line)),
    rest.length > 0 &&
      h(
        "details",
        { class: "why more-reasons" },
        h(
          "summary",
          {},
          `${rest.length} more ${rest.length === 1 ? "reason" : "reasons"}`,
          h("span", { class: "visually-hidden", text: ` for ${film.title}` }),
        ),
        h("ul", { class: "reason-list" }, rest.map(line)),
      ),
  );
}
