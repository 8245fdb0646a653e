// The page's entry point: reads the URL, shows the view it names, and keeps the URL in step with
// what is on screen (pushState for each new page, replaceState while the slider moves or a
// filter changes), so links can be shared and the back button works. /ui/ is the search,
// /ui/film/<id> a film, /ui/recommend?like=<ids>&dislike=<ids> "My list" and its
// recommendations. The header's "My list" link counts the list's films and leads to it.

import { h } from "./dom.js";
import { FilmView, filmFromQuery } from "./film.js";
import { plural } from "./format.js";
import { DISLIKE, LIKE, MAX_FILMS, myList } from "./list.js";
import { syncListToggles } from "./parts.js";
import { RecommendView, recommendFromQuery, recommendUrl } from "./recommend.js";
import { SearchView, searchFromQuery } from "./search.js";

const main = document.getElementById("main");
const announcer = document.getElementById("announcer");

let lastSearchUrl = "/ui/";
let lastRecommendFilters = {};
let currentView = null;

/** Tells screen readers about a change that happened away from the focus. */
function announce(text) {
  announcer.textContent = "";
  setTimeout(() => (announcer.textContent = text), 50);
}

const context = { navigate, announce, searchUrl: () => lastSearchUrl };
const views = { search: new SearchView(context), film: new FilmView(context), recommend: new RecommendView(context) };

// "My list (3)" in the header, leading to the list with the filters last used there.
const listLink = h("a", { class: "nav-list", href: "/ui/recommend", "data-nav": true });
document.querySelector(".site-header nav")?.prepend(listLink);

function showListLink() {
  listLink.textContent = myList.size > 0 ? `My list (${myList.size})` : "My list";
  listLink.href = recommendUrl({ liked: myList.liked, disliked: myList.disliked }, lastRecommendFilters);
}

/** What a change to the list says to a screen reader. */
function describeChange(change) {
  const films = `${plural(myList.size, "film", "films")} on your list.`;
  if (change.cleared) return "Your list is empty.";
  if (change.refused) return `Your list already holds ${MAX_FILMS} ${change.verdict === LIKE ? "liked" : "disliked"} films.`;
  if (!change.film) return films;
  const title = change.film.title ?? "The film";
  if (change.verdict === LIKE) return `${title}: liked. ${films}`;
  if (change.verdict === DISLIKE) return `${title}: disliked. ${films}`;
  return `${title}: off your list. ${films}`;
}

myList.subscribe((change) => {
  showListLink();
  syncListToggles(document);
  if (change.source === "user" || change.refused) announce(describeChange(change));
});
showListLink();

function route(where) {
  const query = new URLSearchParams(where.search);
  const film = /^\/ui\/film\/([^/]+)\/?$/.exec(where.pathname);
  if (film) return { view: views.film, params: filmFromQuery(decodeURIComponent(film[1]), query) };
  if (/^\/ui\/recommend\/?$/.test(where.pathname)) return { view: views.recommend, params: recommendFromQuery(query) };
  return { view: views.search, params: searchFromQuery(query) };
}

/** Shows what the current URL names; resolves once it is on the page. */
function render(options) {
  const { view, params } = route(window.location);
  if (view !== currentView) {
    currentView?.hide();
    main.replaceChildren(view.root);
    currentView = view;
  }
  if (view === views.search) lastSearchUrl = window.location.pathname + window.location.search;
  if (view === views.recommend) lastRecommendFilters = params.filters;
  if (view === views.recommend) listLink.setAttribute("aria-current", "page");
  else listLink.removeAttribute("aria-current");
  showListLink();
  return view.show(params, options);
}

/**
 * Goes to `url` within the page. `replace` rewrites the current history entry instead of adding
 * one (the slider); `focus` names what to focus once shown ("heading", "results", "similar");
 * `from` first rewrites the current entry to that search URL (a suggestion picked: back shows
 * the search for what was typed).
 */
function navigate(url, { replace = false, focus = "heading", from = null } = {}) {
  if (from) {
    window.history.replaceState(window.history.state, "", from);
    lastSearchUrl = from;
  }
  const here = window.location.pathname + window.location.search;
  if (replace || url === here) {
    window.history.replaceState(window.history.state, "", url);
  } else {
    window.history.replaceState({ ...window.history.state, scroll: window.scrollY }, "");
    window.history.pushState({}, "", url);
    window.scrollTo(0, 0);
  }
  return render({ focus });
}

document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-nav]");
  const modified = event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey;
  if (!link || event.defaultPrevented || modified || link.target) return;
  event.preventDefault();
  navigate(link.getAttribute("href"), { focus: link.dataset.focus ?? "heading" });
});

// The skip link moves the focus without a history entry of its own.
document.querySelector(".skip-link")?.addEventListener("click", (event) => {
  event.preventDefault();
  main.focus();
});

window.addEventListener("popstate", async (event) => {
  await render({ focus: null });
  window.scrollTo(0, event.state?.scroll ?? 0);
});

window.history.scrollRestoration = "manual";
render({ initial: true, focus: null });
