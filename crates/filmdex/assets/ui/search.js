// The search view: the form (title, person and genre patterns, years, minimum rating and
// votes, sort), the total, one page of results (each with Like / Dislike for "My list") and the
// pager. Its URL is /ui/?<the search route's own query parameters>, so a search can be shared
// and the back button restores it.

import { getJson, searchPath } from "./api.js";
import { h } from "./dom.js";
import { emptyNotice, errorField, errorNotice } from "./errors.js";
import { formatCount, plural } from "./format.js";
import { filmSummary, filmUrl, listToggles, pager } from "./parts.js";
import { measureAfterPaint } from "./timing.js";

export const PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;
const FIELDS = ["title", "person", "genre", "year_from", "year_to", "min_rating", "vote_count", "sort"];

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

function sortLabel(sort) {
  return (SORTS.find(([value]) => value === (sort ?? "title")) ?? [null, sort])[1];
}

export class SearchView {
  constructor({ navigate, announce }) {
    this.navigate = navigate;
    this.announce = announce;
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
    const sort = h(
      "select",
      { id: "search-sort", name: "sort" },
      SORTS.map(([value, label]) => h("option", { value, text: label })),
    );
    this.inputs.sort = sort;
    this.filterCount = h("span", { class: "filter-count" });
    this.filters = h(
      "details",
      { class: "filters" },
      h("summary", {}, "Filters", this.filterCount),
      h(
        "div",
        { class: "filters-grid" },
        field("person", "Person", pattern("person", "e.g. George Lucas")),
        field("genre", "Genre", pattern("genre", "e.g. Drama|Comedy", { list: "genre-suggestions" })),
        h("datalist", { id: "genre-suggestions" }, GENRES.map((genre) => h("option", { value: genre }))),
        field("year_from", "Year from", number("year_from", "1900", { min: 1870, max: 2100, step: 1, inputmode: "numeric" })),
        field("year_to", "Year to", number("year_to", "2030", { min: 1870, max: 2100, step: 1, inputmode: "numeric" })),
        field("min_rating", "Minimum rating", number("min_rating", "0 to 10", { min: 0, max: 10, step: 0.1 })),
        field("vote_count", "Minimum votes", number("vote_count", "0", { min: 0, step: 1, inputmode: "numeric" })),
        field("sort", "Sort by", sort),
      ),
    );
    // Open on a wide screen; on a phone only when a filter is set, so results come first.
    this.filters.open = window.matchMedia("(min-width: 40rem)").matches;
    const form = h(
      "form",
      { class: "search-form", role: "search", "aria-label": "Search films" },
      h(
        "div",
        { class: "field field-title" },
        h("label", { for: "search-title", text: "Title" }),
        h(
          "div",
          { class: "title-row" },
          pattern("title", "e.g. star wars", { type: "search", enterkeyhint: "search" }),
          h("button", { type: "submit", class: "button button-primary", text: "Search" }),
        ),
      ),
      this.filters,
      h(
        "div",
        { class: "form-footer" },
        h("p", {
          id: "search-hint",
          class: "hint",
          text: "Title, person and genre are case-insensitive regular expressions: “^star” starts with star, “lucas|spielberg” matches either.",
        }),
        h("button", { type: "button", class: "button button-quiet", text: "Clear", onClick: () => this.clear() }),
      ),
    );
    form.addEventListener("submit", (event) => this.submit(event));
    sort.addEventListener("change", () => form.requestSubmit());
    return form;
  }

  readForm() {
    const criteria = {};
    for (const field of FIELDS) {
      const value = this.inputs[field].value.trim();
      if (value && !(field === "sort" && value === "title")) criteria[field] = value;
    }
    return criteria;
  }

  fillForm(criteria) {
    for (const field of FIELDS) {
      const element = this.inputs[field];
      element.value = criteria[field] ?? (field === "sort" ? "title" : "");
      element.removeAttribute("aria-invalid");
      element.removeAttribute("aria-errormessage");
    }
    const active = FIELDS.filter((field) => field !== "title" && field !== "sort" && criteria[field]).length;
    this.filterCount.textContent = active > 0 ? ` · ${active} set` : "";
    if (active > 0) this.filters.open = true;
  }

  submit(event) {
    event.preventDefault();
    this.submittedAt = performance.now();
    const limit = this.current?.limit ?? PAGE_SIZE;
    this.navigate(searchUrl({ criteria: this.readForm(), offset: 0, limit }), { focus: null });
  }

  clear() {
    this.fillForm({});
    this.inputs.title.focus();
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
      const path = searchPath({ ...search.criteria, limit: search.limit, offset: search.offset });
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
          filtered ? "Try a shorter title, a broader pattern or fewer filters." : null,
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
    this.summary.textContent = `Showing ${shown} · ${sortLabel(criteria.sort)}`;
    const list = h(
      "ol",
      { class: "film-list", start: offset + 1 },
      films.map((film) =>
        h("li", { class: "film-item" }, filmSummary(film, { href: filmUrl(film.film_id), actions: listToggles(film) })),
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
