// The film view: the film's details, IMDb link and Like / Dislike toggles for "My list", then its
// similar films above a threshold chosen with a slider (the list follows the slider as it moves),
// each with why it is similar.
// Its URL is /ui/film/<film_id>?threshold=<0..1>&offset=<n>.

import { filmPath, getJson, similarPath, thresholdText } from "./api.js";
import { debounce, h } from "./dom.js";
import { emptyNotice, errorNotice } from "./errors.js";
import { formatDate, formatDuration, formatPercent, formatRating, formatYear, plural } from "./format.js";
import {
  bar,
  features as featuresOf,
  filmSummary,
  filmUrl,
  kindLabel,
  listToggles,
  pager,
  ratingBadge,
  similarityMeter,
} from "./parts.js";

export const DEFAULT_THRESHOLD = 0.1;
const SIMILAR_PAGE = 10;
// The list follows the slider: shortly after it stops, and a few times a second while it moves.
const SLIDER_DEBOUNCE_MS = 120;
const SLIDER_MAX_WAIT_MS = 300;

/** `{ filmId, threshold, offset }` from the film id in the path and the query string. */
export function filmFromQuery(filmId, query) {
  const threshold = Number(query.get("threshold") ?? "");
  const offset = Number(query.get("offset") ?? "");
  return {
    filmId,
    threshold: query.has("threshold") && threshold >= 0 && threshold <= 1 ? threshold : DEFAULT_THRESHOLD,
    offset: Number.isInteger(offset) && offset > 0 ? offset : 0,
  };
}

/** The page's URL of a film with its similar films from `offset`. */
export function filmViewUrl({ filmId, threshold, offset = 0 }) {
  const query = new URLSearchParams({ threshold: thresholdText(threshold) });
  if (offset > 0) query.set("offset", String(offset));
  return `/ui/film/${encodeURIComponent(filmId)}?${query}`;
}

export class FilmView {
  constructor({ navigate, announce, searchUrl }) {
    this.navigate = navigate;
    this.announce = announce;
    this.searchUrl = searchUrl;
    this.filmController = null;
    this.similarController = null;
    this.shown = null;
    this.backLink = h("a", { class: "back-link", href: "/ui/", "data-nav": true, text: "← Back to search" });
    this.details = h("article", { class: "film-details", "aria-labelledby": "film-title" });
    this.similar = this.buildSimilar();
    this.root = h("div", { class: "view view-film" }, this.backLink, this.details, this.similar);
  }

  buildSimilar() {
    this.slider = h("input", {
      id: "threshold",
      type: "range",
      min: 0,
      max: 1,
      step: 0.01,
      "aria-describedby": "threshold-hint",
    });
    this.sliderValue = h("output", { for: "threshold", class: "threshold-value" });
    this.similarHeading = h("h2", { id: "similar-heading", tabindex: "-1", text: "Similar films" });
    this.similarSummary = h("p", { class: "results-summary", "aria-live": "polite" });
    this.similarList = h("div", { class: "similar-results" });
    const slide = debounce((threshold) => {
      const here = this.shown;
      if (!here) return;
      this.navigate(filmViewUrl({ filmId: here.filmId, threshold, offset: 0 }), { replace: true, focus: null });
    }, SLIDER_DEBOUNCE_MS, { maxWait: SLIDER_MAX_WAIT_MS });
    this.slider.addEventListener("input", () => {
      this.showThreshold(Number(this.slider.value));
      slide(Number(this.slider.value));
    });
    this.slider.addEventListener("change", () => slide.flush());
    return h(
      "section",
      { class: "similar", "aria-labelledby": "similar-heading" },
      this.similarHeading,
      h(
        "div",
        { class: "threshold" },
        h("label", { for: "threshold", text: "Minimum similarity" }),
        this.slider,
        this.sliderValue,
        h("p", {
          id: "threshold-hint",
          class: "hint",
          text: "How much two films share: director, cast, genres and title words, weighted by how rare each is.",
        }),
      ),
      this.similarSummary,
      this.similarList,
    );
  }

  showThreshold(threshold) {
    const percent = formatPercent(threshold);
    this.sliderValue.textContent = percent;
    this.slider.setAttribute("aria-valuetext", `${percent} similar or more`);
  }

  hide() {
    this.filmController?.abort();
    this.similarController?.abort();
    this.shown = null;
  }

  /** Shows `{ filmId, threshold, offset }`; resolves once both parts are on the page. */
  async show(route, { focus = null } = {}) {
    const sameFilm = this.shown?.filmId === route.filmId && this.film;
    this.shown = route;
    this.backLink.href = this.searchUrl();
    this.slider.value = String(route.threshold);
    this.showThreshold(route.threshold);
    const similar = this.loadSimilar(route);
    if (!sameFilm) await this.loadFilm(route, focus === "heading");
    await similar;
    if (focus === "similar") this.similarHeading.focus();
  }

  async loadFilm(route, focusTitle) {
    this.film = null;
    this.filmController?.abort();
    const controller = (this.filmController = new AbortController());
    // The previous film stays until the next one is in, unless that takes a while.
    const slow = setTimeout(() => {
      this.details.replaceChildren(h("p", { class: "loading", text: "Loading the film…" }));
      this.similar.hidden = true;
    }, 150);
    try {
      const { data } = await getJson(filmPath(route.filmId), { signal: controller.signal });
      if (controller !== this.filmController) return;
      this.film = data;
      this.renderDetails(data);
      this.similar.hidden = false;
      if (focusTitle) this.details.querySelector("h1")?.focus();
    } catch (error) {
      if (error.name === "AbortError" || controller !== this.filmController) return;
      document.title = "Film not shown · filmdex";
      this.similar.hidden = true;
      this.details.replaceChildren(
        h("h1", { id: "film-title", tabindex: "-1", text: "Film not shown" }),
        errorNotice(error, { onRetry: () => this.show(this.shown ?? route) }),
      );
    } finally {
      clearTimeout(slow);
    }
  }

  renderDetails(film) {
    const year = formatYear(film.year);
    document.title = `${film.title}${year ? ` (${year})` : ""} · filmdex`;
    const fact = (term, value) => value && [h("dt", { text: term }), h("dd", {}, value)];
    const genres = (film.genres ?? []).length > 0 &&
      h("ul", { class: "chips" }, film.genres.map((genre) => h("li", { class: "chip", text: genre })));
    const rating = formatRating(film.rating);
    const imdb = typeof film.imdb_url === "string" && /^https:\/\/(www\.)?imdb\.com\//.test(film.imdb_url);
    this.details.replaceChildren(
      h(
        "header",
        { class: "film-header" },
        h("h1", { id: "film-title", tabindex: "-1" }, film.title, year && h("span", { class: "year", text: ` ${year}` })),
        film.original_title && film.original_title !== film.title &&
          h("p", { class: "original-title", text: `Original title: ${film.original_title}` }),
        ratingBadge(film),
        listToggles(film, { area: "film" }),
      ),
      h(
        "dl",
        { class: "fact-list" },
        fact("Released", formatDate(film.year)),
        fact("Runtime", formatDuration(film.duration)),
        fact("Rating", rating && `${rating} / 10${film.vote_count != null ? `, ${plural(film.vote_count, "vote", "votes")}` : ""}`),
        fact("Genres", genres),
      ),
      (film.persons ?? []).length > 0 &&
        h(
          "section",
          { class: "people-section", "aria-label": "People" },
          h("h2", { class: "small-heading", text: "Cast and crew" }),
          h("ul", { class: "people-list" }, film.persons.map((person) => h("li", { text: person }))),
        ),
      imdb &&
        h("p", { class: "imdb" },
          h("a", { class: "button", href: film.imdb_url, target: "_blank", rel: "noopener noreferrer external" },
            "Open on IMDb", h("span", { "aria-hidden": "true", text: "↗" }))),
    );
  }

  async loadSimilar(route) {
    this.similarController?.abort();
    const controller = (this.similarController = new AbortController());
    const slow = setTimeout(() => this.similarList.classList.add("is-loading"), 150);
    this.similarList.setAttribute("aria-busy", "true");
    try {
      const path = similarPath(route.filmId, route.threshold, { limit: SIMILAR_PAGE, offset: route.offset });
      const { data, total } = await getJson(path, { signal: controller.signal });
      if (controller !== this.similarController) return;
      const films = Array.isArray(data) ? data : [];
      this.renderSimilar(films, total ?? films.length, route);
    } catch (error) {
      if (error.name === "AbortError" || controller !== this.similarController) return;
      this.similarSummary.textContent = "";
      // A missing film is already explained above.
      const notice = error.code === "film_not_found" ? null : errorNotice(error, { onRetry: () => this.loadSimilar(this.shown ?? route) });
      this.similarList.replaceChildren(...(notice ? [notice] : []));
    } finally {
      clearTimeout(slow);
      if (controller === this.similarController) {
        this.similarList.classList.remove("is-loading");
        this.similarList.removeAttribute("aria-busy");
      }
    }
  }

  renderSimilar(films, total, route) {
    const percent = formatPercent(route.threshold);
    if (total === 0) {
      this.similarSummary.textContent = "";
      this.similarList.replaceChildren(
        emptyNotice(`No film is ${percent} similar or more`, "Move the slider left to see less similar films."),
      );
      return;
    }
    this.similarSummary.textContent = `${plural(total, "film", "films")} at least ${percent} similar`;
    if (films.length === 0) {
      this.similarList.replaceChildren(emptyNotice("This page is past the end of the list", null));
      return;
    }
    const threshold = thresholdText(route.threshold);
    const list = h(
      "ol",
      { class: "film-list similar-list", start: route.offset + 1 },
      films.map((film) =>
        h(
          "li",
          { class: "film-item similar-item" },
          filmSummary(film, {
            href: filmUrl(film.film_id, threshold),
            extra: similarityMeter(film.similarity),
            actions: listToggles(film),
          }),
          explanation(film),
        ),
      ),
    );
    const urlFor = (offset) => filmViewUrl({ ...route, offset });
    const pages = pager({ total, offset: route.offset, limit: SIMILAR_PAGE, urlFor, label: "Similar film pages" });
    pages?.querySelectorAll("a").forEach((link) => (link.dataset.focus = "similar"));
    this.similarList.replaceChildren(...[list, pages].filter(Boolean));
  }
}

/** "Why similar": each shared feature the API names, with its share of the similarity. */
function explanation(film) {
  const features = featuresOf(film);
  if (features.length === 0 || !(film.similarity > 0)) return null;
  const explained = features.reduce((sum, feature) => sum + feature.share, 0);
  const rest = film.similarity - explained;
  return h(
    "details",
    { class: "why" },
    h("summary", {}, "Why similar", h("span", { class: "visually-hidden", text: ` to ${film.title}` })),
    h(
      "ul",
      { class: "features" },
      features.map((feature) => {
        const part = feature.share / film.similarity;
        return h(
          "li",
          { class: "feature" },
          h("span", { class: "feature-kind", text: kindLabel(feature) }),
          h("span", { class: "feature-label", text: feature.label }),
          bar(part),
          h("span", { class: "feature-share", text: formatPercent(part) }),
        );
      }),
      rest / film.similarity > 0.01 &&
        h(
          "li",
          { class: "feature feature-rest" },
          h("span", { class: "feature-kind", text: "Other" }),
          h("span", { class: "feature-label", text: "smaller features" }),
          bar(rest / film.similarity),
          h("span", { class: "feature-share", text: formatPercent(rest / film.similarity) }),
        ),
    ),
    h("p", { class: "hint", text: `Each line is its part of the ${formatPercent(film.similarity)} similarity.` }),
  );
}

