// The search view: one search box that suggests films as you type (suggest.js), "More filters"
// (title, person and genre patterns, years, minimum rating and votes, sort) that combine with the
// text, the total, one page of results (each saying what matched, with Like / Dislike for
// "My list") and the pager. Its URL is /ui/?<the search route's own query parameters>, so a
// search can be shared and the back button restores it. With text the order is the best match
// first; without, the films most people voted for.

import { getJson, searchPath } from "./api.js";
import { h } from "./dom.js";
import { emptyNotice, errorField, errorNotice } from "./errors.js";
import { describeMatch, formatCount, plural } from "./format.js";
import { filmSummary, filmUrl, listToggles, pager } from "./parts.js";
import { SearchBox } from "./suggest.js";
import { measureAfterPaint } from "./timing.js";

export const PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const FIELDS = ["q", "title", "person", "genre", "year_from", "year_to", "min_rating", "vote_count", "sort"];
// The filters under "More filters": every field but the text and the order.
const FILTERS = FIELDS.filter((field) => field !== "q" && field !== "sort");
// The order when none is chosen: the API's relevance with text (no `sort` sent), else most votes.
const BEST_MATCH = "";
const MOST_VOTES = "-votes";
const defaultSort = (criteria) => (criteria.q ? BEST_MATCH : MOST_VOTES);

export const SORTS = [
  ["title", "Title, A to Z"],
  ["-title", "Title, Z to A"],
  ["-rating", "Highest rated"],
  ["rating", "Lowest rated"],
  ["-votes", "Most votes"],
  ["votes", "Fewest votes"],
  ["-year", "Newest"],
  ["year", "Oldest"],
  ["-duration", "Longest"],
  ["duration", "Shortest"],
];

// IMDb's genres, offered as suggestions; the field still takes any pattern.
export const GENRES = [
  "Action", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary", "Drama",
  "Family", "Fantasy", "Film-Noir", "History", "Horror", "Music", "Musical", "Mystery", "Romance",
  "Sci-Fi", "Sport", "Thriller", "War", "Western",
];

function wholeNumber(text, fallback) {
  const number = Number(text);
  return text !== null && text !== "" && Number.isInteger(number) && number >= 0 ? number : fallback;
}

/** `{ criteria, offset, limit }` from the page's query string. */
export function searchFromQuery(query) {
  const criteria = {};
  for (const field of FIELDS) {
    const value = query.get(field)?.trim();
    if (value) criteria[field] = value;
  }
  const limit = Math.min(MAX_PAGE_SIZE, Math.max(1, wholeNumber(query.get("limit"), PAGE_SIZE)));
  return { criteria, offset: wholeNumber(query.get("offset"), 0), limit };
}

/** The page's URL of a search. */
export function searchUrl({ criteria, offset = 0, limit = PAGE_SIZE }) {
  const query = new URLSearchParams();
  for (const field of FIELDS) if (criteria[field]) query.set(field, criteria[field]);
  if (offset > 0) query.set("offset", String(offset));
  if (limit !== PAGE_SIZE) query.set("limit", String(limit));
  const text = query.toString();
  return text ? `/ui/?${text}` : "/ui/";
}

function sortLabel(criteria) {
  const sort = criteria.sort ?? defaultSort(criteria);
  if (sort === BEST_MATCH) return "Best match";
  return (SORTS.find(([value]) => value === sort) ?? [null, sort])[1];
}

/** The search route's parameters for `criteria`: the default order made explicit without text. */
function apiCriteria(criteria) {
  const sort = criteria.sort ?? defaultSort(criteria);
  return { ...criteria, sort: sort === BEST_MATCH ? undefined : sort };
}

export class SearchView {
  constructor({ navigate, announce }) {
    this.navigate = navigate;
    this.announce = announce;
    this.sortChosen = false;
    this.controller = null;
    this.submittedAt = null;
    this.inputs = {};
    this.form = this.buildForm();
    this.heading = h("h2", { id: "results-heading", class: "results-heading", tabindex: "-1" });
    this.summary = h("p", { class: "results-summary" });
    this.results = h("div", { class: "results" });
    this.root = h(
      "div",
      { class: "view view-search" },
      h("h1", { class: "visually-hidden", text: "Search films" }),
      this.form,
      h(
        "section",
        { class: "results-section", "aria-labelledby": "results-heading" },
        h("div", { class: "results-header" }, this.heading, this.summary),
        this.results,
      ),
    );
  }

  buildForm() {
    this.box = new SearchBox({
      id: "search-q",
      announce: this.announce,
      onPick: (suggestion, typed) => this.pick(suggestion, typed),
      attributes: { name: "q", placeholder: "e.g. amelie, godfather, chihiro", enterkeyhint: "search", "aria-describedby": "search-q-hint" },
    });
    this.inputs.q = this.box.input;
    this.filters = this.buildFilters();
    const form = h(
      "form",
      { class: "search-form", role: "search", "aria-label": "Search films" },
      h(
        "div",
        { class: "field field-q" },
        h("label", { for: "search-q", text: "Find a film" }),
        h("div", { class: "search-row" }, this.box.element, h("button", { type: "submit", class: "button button-primary", text: "Search" })),
        h("p", {
          id: "search-q-hint",
          class: "hint",
          text: "Any of its titles or the people in it. Accents, case and a small typo do not matter; films are suggested as you type.",
        }),
      ),
      h("div", { class: "form-footer" }, this.filters, h("button", { type: "button", class: "button button-quiet", text: "Clear", onClick: () => this.clear() })),
    );
    form.addEventListener("submit", (event) => this.submit(event));
    this.inputs.sort.addEventListener("change", () => {
      this.sortChosen = true;
      form.requestSubmit();
    });
    // Until an order is chosen, the one shown follows the text: best match with text, most votes without.
    this.box.input.addEventListener("input", () => this.showSort({ q: this.box.value.trim() }));
    return form;
  }

  /** "More filters": the original's criteria, closed until one is set. */
  buildFilters() {
    const input = (name, attributes) => {
      const element = h("input", { id: `search-${name}`, name, autocomplete: "off", ...attributes });
      this.inputs[name] = element;
      return element;
    };
    const pattern = (name, placeholder, extra = {}) =>
      input(name, { type: "text", placeholder, spellcheck: "false", "aria-describedby": "search-hint", ...extra });
    const number = (name, placeholder, attributes) =>
      input(name, { type: "number", inputmode: "decimal", placeholder, ...attributes });
    const field = (name, label, control) =>
      h("div", { class: `field field-${name}` }, h("label", { for: `search-${name}`, text: label }), control);
    this.inputs.sort = h(
      "select",
      { id: "search-sort", name: "sort" },
      h("option", { value: BEST_MATCH, text: "Best match" }),
      SORTS.map(([value, label]) => h("option", { value, text: label })),
    );
    this.filterCount = h("span", { class: "filter-count" });
    return h(
      "details",
      { class: "filters" },
      h("summary", {}, "More filters", this.filterCount),
      h(
        "div",
        { class: "filters-grid" },
        field("title", "Title pattern", pattern("title", "e.g. ^star wars")),
        field("person", "Person", pattern("person", "e.g. George Lucas")),
        field("genre", "Genre", pattern("genre", "e.g. Drama|Comedy", { list: "genre-suggestions" })),
        h("datalist", { id: "genre-suggestions" }, GENRES.map((genre) => h("option", { value: genre }))),
        field("year_from", "Year from", number("year_from", "1900", { min: 1870, max: 2100, step: 1, inputmode: "numeric" })),
        field("year_to", "Year to", number("year_to", "2030", { min: 1870, max: 2100, step: 1, inputmode: "numeric" })),
        field("min_rating", "Minimum rating", number("min_rating", "0 to 10", { min: 0, max: 10, step: 0.1 })),
        field("vote_count", "Minimum votes", number("vote_count", "0", { min: 0, step: 1, inputmode: "numeric" })),
        field("sort", "Sort by", this.inputs.sort),
        h("p", {
          id: "search-hint",
          class: "hint filters-hint",
          text: "Title pattern, person and genre are case-insensitive regular expressions: “^star” starts with star, “lucas|spielberg” matches either.",
        }),
      ),
    );
  }

  /** The order in the select: the chosen one, else the default for `criteria`. */
  showSort(criteria) {
    const sort = this.inputs.sort;
    sort.options[0].disabled = !criteria.q;
    if (!this.sortChosen) sort.value = criteria.sort ?? defaultSort(criteria);
  }

  readForm() {
    const criteria = {};
    for (const field of FIELDS) {
      const value = this.inputs[field].value.trim();
      if (value && field !== "sort") criteria[field] = value;
    }
    const sort = this.inputs.sort.value;
    if (this.sortChosen && sort !== defaultSort(criteria)) criteria.sort = sort;
    return criteria;
  }

  fillForm(criteria) {
    for (const field of FIELDS) {
      if (field === "q" || field === "sort") continue;
      const element = this.inputs[field];
      element.value = criteria[field] ?? "";
    }
    this.box.value = criteria.q ?? "";
    for (const field of FIELDS) {
      this.inputs[field].removeAttribute("aria-invalid");
      this.inputs[field].removeAttribute("aria-errormessage");
    }
    this.sortChosen = criteria.sort !== undefined;
    this.inputs.sort.value = criteria.sort ?? defaultSort(criteria);
    this.showSort(criteria);
    const active = FILTERS.filter((field) => criteria[field]).length;
    this.filterCount.textContent = active > 0 ? ` · ${active} set` : "";
    if (active > 0) this.filters.open = true;
  }

  submit(event) {
    event.preventDefault();
    this.box.stop();
    this.submittedAt = performance.now();
    const limit = this.current?.limit ?? PAGE_SIZE;
    this.navigate(searchUrl({ criteria: this.readForm(), offset: 0, limit }), { focus: null });
  }

  /**
   * A suggestion picked: its film's page. The search entry in the history becomes the search
   * for what was typed, so the back button shows those results.
   */
  pick(suggestion, typed) {
    const limit = this.current?.limit ?? PAGE_SIZE;
    const from = searchUrl({ criteria: { ...this.readForm(), q: typed }, offset: 0, limit });
    this.navigate(filmUrl(suggestion.film_id), { focus: "heading", from });
  }

  clear() {
    this.fillForm({});
    this.box.input.focus();
    this.navigate("/ui/", { focus: null });
  }

  hide() {
    this.controller?.abort();
    this.controller = null;
  }

  /** Shows the search `{ criteria, offset, limit }`; resolves once it is on the page. */
  async show(search, { initial = false, focus = null } = {}) {
    const start = initial ? 0 : (this.submittedAt ?? performance.now());
    this.submittedAt = null;
    this.current = search;
    this.fillForm(search.criteria);
    const described = Object.entries(search.criteria).filter(([key]) => key !== "sort").map(([, value]) => value);
    document.title = described.length > 0 ? `${described.join(" · ")} · filmdex` : "filmdex";
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    const slow = setTimeout(() => this.results.classList.add("is-loading"), 150);
    this.results.setAttribute("aria-busy", "true");
    try {
      const path = searchPath({ ...apiCriteria(search.criteria), limit: search.limit, offset: search.offset });
      const { data, total } = await getJson(path, { signal: controller.signal });
      if (controller !== this.controller) return;
      this.renderResults(Array.isArray(data) ? data : [], total ?? data.length, search);
      measureAfterPaint(initial ? "search-first-load" : "search", start);
    } catch (error) {
      if (error.name === "AbortError" || controller !== this.controller) return;
      this.renderError(error);
    } finally {
      clearTimeout(slow);
      if (controller === this.controller) {
        this.results.classList.remove("is-loading");
        this.results.removeAttribute("aria-busy");
      }
    }
    // Back from a film, or to another page of results: the focus goes to what changed.
    if (focus === "results" || focus === "heading") this.heading.focus();
  }

  renderResults(films, total, { criteria, offset, limit }) {
    const filtered = Object.keys(criteria).some((key) => key !== "sort");
    if (total === 0) {
      this.heading.textContent = "No films found";
      this.summary.textContent = "";
      this.results.replaceChildren(
        emptyNotice(
          filtered ? "No film matches this search" : "The database has no films",
          filtered ? "Check the spelling, or try fewer words, a broader pattern or fewer filters." : null,
        ),
      );
      this.announce("No films found");
      return;
    }
    this.heading.textContent = filtered ? `${plural(total, "film", "films")} found` : `All ${plural(total, "film", "films")}`;
    const urlFor = (target) => searchUrl({ criteria, offset: target, limit });
    if (films.length === 0) {
      this.summary.textContent = "";
      this.results.replaceChildren(
        emptyNotice("This page is past the end of the results", null),
        h("p", {}, h("a", { href: urlFor(0), "data-nav": true, text: "Go to the first page" })),
      );
      return;
    }
    const shown = `${formatCount(offset + 1)}–${formatCount(offset + films.length)}`;
    this.summary.textContent = `Showing ${shown} · ${sortLabel(criteria)}`;
    const list = h(
      "ol",
      { class: "film-list", start: offset + 1 },
      films.map((film) =>
        h(
          "li",
          { class: "film-item" },
          filmSummary(film, { href: filmUrl(film.film_id), extra: matchedLine(film), actions: listToggles(film) }),
        ),
      ),
    );
    const pages = pager({ total, offset, limit, urlFor, label: "Result pages" });
    pages?.querySelectorAll("a").forEach((link) => (link.dataset.focus = "results"));
    this.results.replaceChildren(...[list, pages].filter(Boolean));
    this.announce(this.heading.textContent);
  }

  renderError(error) {
    this.heading.textContent = "No results";
    this.summary.textContent = "";
    const notice = errorNotice(error, { onRetry: () => this.show(this.current) });
    notice.id = "search-error";
    const field = errorField(error);
    if (field && this.inputs[field]) {
      this.inputs[field].setAttribute("aria-invalid", "true");
      this.inputs[field].setAttribute("aria-errormessage", "search-error");
    }
    this.results.replaceChildren(notice);
  }
}

/** What the text matched in `film` ("aka (FR): …"), when not its title; null otherwise. */
function matchedLine(film) {
  const text = describeMatch(film.matched);
  return text && h("p", { class: "matched", text });
}
