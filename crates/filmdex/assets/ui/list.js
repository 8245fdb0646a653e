// "My list": the films a person liked or disliked. Kept in localStorage, so it survives a reload
// and is the same in every tab, and written into the recommendations view's URL
// (/ui/recommend?like=1,2&dislike=3), so a list can be shared as a link; opening such a link
// makes its films the list. Each entry keeps the film's title and year, so the list shows without
// asking the server; a shared link names ids only, and the view fetches their titles.

export const LIKE = "like";
export const DISLIKE = "dislike";
/** The API takes at most this many liked and this many disliked films. */
export const MAX_FILMS = 100;

const KEY = "filmdex:list";

function filmId(value) {
  const id = typeof value === "number" ? value : Number(String(value ?? "").trim());
  return Number.isInteger(id) && id >= 0 && id <= 2147483647 ? id : null;
}

/** A clean entry from whatever was stored, or null. */
function entry(raw) {
  const id = filmId(raw?.film_id);
  if (id === null || (raw.verdict !== LIKE && raw.verdict !== DISLIKE)) return null;
  return {
    film_id: id,
    verdict: raw.verdict,
    title: typeof raw.title === "string" && raw.title ? raw.title : null,
    year: typeof raw.year === "string" && raw.year ? raw.year : null,
  };
}

/** Entries without repeats (the first one of a film wins) and within the API's limits. */
function cleaned(entries) {
  const seen = new Set();
  const counts = { [LIKE]: 0, [DISLIKE]: 0 };
  const kept = [];
  for (const raw of entries) {
    const clean = entry(raw);
    if (!clean || seen.has(clean.film_id) || counts[clean.verdict] >= MAX_FILMS) continue;
    seen.add(clean.film_id);
    counts[clean.verdict] += 1;
    kept.push(clean);
  }
  return kept;
}

function load() {
  try {
    const stored = JSON.parse(window.localStorage.getItem(KEY) ?? "[]");
    return Array.isArray(stored) ? cleaned(stored) : [];
  } catch {
    return [];
  }
}

function save(entries) {
  try {
    if (entries.length === 0) window.localStorage.removeItem(KEY);
    else window.localStorage.setItem(KEY, JSON.stringify(entries));
  } catch {
    // Storage is off or full: the list still lives in this page and in its URL.
  }
}

/** Film ids from `like`/`dislike` query values: repeated or joined by commas, in order. */
export function idsFromQuery(values) {
  const ids = [];
  for (const value of values) {
    for (const part of value.split(",")) {
      const id = filmId(part);
      if (id !== null && part.trim() !== "" && !ids.includes(id)) ids.push(id);
    }
  }
  return ids;
}

/** Whether two `{ liked, disliked }` name the same films in the same order. */
export function sameFilms(a, b) {
  const same = (x, y) => x.length === y.length && x.every((id, i) => id === y[i]);
  return same(a.liked, b.liked) && same(a.disliked, b.disliked);
}

class FilmList {
  constructor() {
    this.entries = load();
    this.listeners = new Set();
    // Another tab changed the list.
    window.addEventListener("storage", (event) => {
      if (event.key !== KEY && event.key !== null) return;
      this.entries = load();
      this.emit({ source: "storage" });
    });
  }

  get size() {
    return this.entries.length;
  }

  /** Ids of the liked films, in the order they were added. */
  get liked() {
    return this.entries.filter((item) => item.verdict === LIKE).map((item) => item.film_id);
  }

  get disliked() {
    return this.entries.filter((item) => item.verdict === DISLIKE).map((item) => item.film_id);
  }

  /** The entries as the URL orders them: liked films, then disliked ones. */
  ordered() {
    return [...this.entries.filter((item) => item.verdict === LIKE), ...this.entries.filter((item) => item.verdict === DISLIKE)];
  }

  /** "like", "dislike", or null when the film is not on the list. */
  verdict(id) {
    return this.entries.find((item) => item.film_id === id)?.verdict ?? null;
  }

  count(verdict) {
    return this.entries.filter((item) => item.verdict === verdict).length;
  }

  /**
   * Puts `film` ({ film_id, title, year }) on the list as liked or disliked, or takes it off
   * (`verdict` null). False when the list already holds as many films of that kind as it can.
   */
  set(film, verdict) {
    const id = filmId(film.film_id);
    if (id === null) return false;
    const index = this.entries.findIndex((item) => item.film_id === id);
    const previous = index >= 0 ? this.entries[index] : null;
    if ((previous?.verdict ?? null) === verdict) return true;
    if (verdict && this.count(verdict) >= MAX_FILMS) {
      this.emit({ source: "refused", refused: true, verdict });
      return false;
    }
    const next = this.entries.filter((item) => item.film_id !== id);
    if (verdict) {
      const added = entry({
        film_id: id,
        verdict,
        title: film.title ?? previous?.title,
        year: film.year ?? previous?.year,
      });
      // A film keeps its place when only its verdict changes.
      next.splice(index >= 0 ? index : next.length, 0, added);
    }
    this.entries = next;
    save(this.entries);
    this.emit({ source: "user", film: { film_id: id, title: film.title ?? previous?.title ?? null }, verdict, previous: previous?.verdict ?? null });
    return true;
  }

  /** Liked if it was not, off the list if it was: what a Like (or Dislike) toggle does. */
  toggle(film, verdict) {
    return this.set(film, this.verdict(filmId(film.film_id)) === verdict ? null : verdict);
  }

  clear() {
    if (this.entries.length === 0) return;
    this.entries = [];
    save(this.entries);
    this.emit({ source: "user", cleared: true });
  }

  /** Copies of the entries, to give back later with `replace`. */
  snapshot() {
    return this.entries.map((item) => ({ ...item }));
  }

  /**
   * Makes the list `{ liked, disliked }` (ids, as a shared link names them), keeping the titles
   * already known; `source` says why ("url", "user").
   */
  replaceIds({ liked, disliked }, source) {
    const known = new Map(this.entries.map((item) => [item.film_id, item]));
    const make = (id, verdict) => ({ ...(known.get(id) ?? {}), film_id: id, verdict });
    this.replace([...liked.map((id) => make(id, LIKE)), ...disliked.map((id) => make(id, DISLIKE))], source);
  }

  replace(entries, source) {
    this.entries = cleaned(entries);
    save(this.entries);
    this.emit({ source });
  }

  /** Records the title and year of a film the list only knew by id. */
  describe(id, { title, year }) {
    const item = this.entries.find((each) => each.film_id === id);
    if (!item || (item.title === title && item.year === year)) return;
    item.title = title ?? item.title;
    item.year = year ?? item.year;
    save(this.entries);
    this.emit({ source: "titles" });
  }

  /** Calls `listener(change)` after every change; returns a function that stops it. */
  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(change) {
    for (const listener of this.listeners) listener(change);
  }
}

/** The page's one list. */
export const myList = new FilmList();
