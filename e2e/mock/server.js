// A stand-in for `filmdex serve` while developing the page without a built binary: the page's
// files from crates/filmdex/assets/ui/ and canned answers in the API's shapes. Not used by the
// test, which runs the real server (FILMDEX_E2E_URL can point it here). `npm run mock` then open
// http://127.0.0.1:8765/ui/ . The free-text search (`q`, /film/suggest) is in text_search.js.
import { readFile } from "node:fs/promises";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { rank } from "./text_search.js";

const UI_DIR = fileURLToPath(new URL("../../crates/filmdex/assets/ui/", import.meta.url));
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml" };

const named = [
  ["Star Wars: Episode IV - A New Hope", "1977-05-25", 121, ["Action", "Adventure", "Fantasy"], 8.6, 1400000, ["George Lucas", "Mark Hamill", "Harrison Ford", "Carrie Fisher", "John Williams"]],
  ["Star Wars: Episode V - The Empire Strikes Back", "1980-06-20", 124, ["Action", "Adventure", "Fantasy"], 8.7, 1300000, ["Irvin Kershner", "George Lucas", "Mark Hamill", "Harrison Ford", "Carrie Fisher", "John Williams"]],
  ["Star Wars: Episode VI - Return of the Jedi", "1983-05-25", 131, ["Action", "Adventure", "Fantasy"], 8.3, 1100000, ["Richard Marquand", "George Lucas", "Mark Hamill", "Harrison Ford", "Carrie Fisher", "John Williams"]],
  ["Star Wars: Episode I - The Phantom Menace", "1999-05-19", 136, ["Action", "Adventure", "Fantasy"], 6.5, 850000, ["George Lucas", "Liam Neeson", "Ewan McGregor", "Natalie Portman", "John Williams"]],
  ["Raiders of the Lost Ark", "1981-06-12", 115, ["Action", "Adventure"], 8.4, 1000000, ["Steven Spielberg", "Harrison Ford", "Karen Allen", "George Lucas", "John Williams"]],
  ["Home Alone", "1990-11-16", 103, ["Comedy", "Family"], 7.7, 650000, ["Chris Columbus", "Macaulay Culkin", "Joe Pesci", "John Hughes"]],
];
// Films known by other titles (film_id, original title, alternate titles), for `q`.
const other = [
  [211915, "Amélie", "Le fabuleux destin d'Amélie Poulain", "2001-04-25", 122, ["Comedy", "Romance"], 8.3, 800000,
    ["Jean-Pierre Jeunet", "Audrey Tautou", "Mathieu Kassovitz", "Yann Tiersen"],
    [["Le fabuleux destin d'Amélie Poulain", "FR"], ["Die fabelhafte Welt der Amélie", "DE"]]],
  [245429, "Spirited Away", "Sen to Chihiro no kamikakushi", "2001-07-20", 125, ["Adventure", "Animation", "Family"], 8.6, 900000,
    ["Hayao Miyazaki", "Rumi Hiiragi", "Miyu Irino", "Joe Hisaishi"], [["千と千尋の神隠し", "JP"], ["Le Voyage de Chihiro", "FR"]]],
];
const words = ["Night", "River", "Silent", "Garden", "Last", "Summer", "Iron", "Paper", "Glass", "Winter", "Echo", "Harbor"];
const genres = ["Drama", "Comedy", "Thriller", "Romance", "Crime", "Horror", "Documentary"];
const people = ["Ana Lima", "Ben Okafor", "Chen Wei", "Dana Novak", "Eli Haddad", "Fay Moreau", "Gus Berg", "Hana Sato"];
const films = named.map(([title, year, duration, g, rating, votes, persons], i) => ({ film_id: 76759 + i, title, year, duration, genres: g, rating, vote_count: votes, persons }));
for (const [film_id, title, original_title, year, duration, g, rating, votes, persons, akas] of other) {
  films.push({ film_id, title, original_title, year, duration, genres: g, rating, vote_count: votes, persons, akas: akas.map(([text, region]) => ({ text, region })) });
}
for (let i = 0; i < 400; i += 1) {
  films.push({
    film_id: 1000000 + i,
    title: `${words[i % 12]} ${words[(i * 7 + 3) % 12]}${i % 5 === 0 ? " II" : ""}`,
    year: `${1950 + ((i * 37) % 74)}-0${1 + (i % 9)}-1${i % 10}`,
    duration: 80 + ((i * 13) % 90),
    genres: [genres[i % 7], genres[(i * 3 + 1) % 7]].filter((g, k, all) => all.indexOf(g) === k).sort(),
    rating: 6 + ((i * 17) % 35) / 10,
    vote_count: 500 + ((i * 7919) % 90000),
    persons: [people[i % 8], people[(i * 5 + 2) % 8], people[(i * 3 + 5) % 8]].filter((p, k, all) => all.indexOf(p) === k),
  });
}
for (const film of films) {
  film.similarity = 1.0;
  film.original_title ??= film.title;
  film.akas ??= [];
  film.imdb_url = `https://www.imdb.com/title/tt${String(film.film_id).padStart(7, "0")}/`;
}

const features = (film) => [
  ...film.persons.map((p, i) => ({ key: `p:${p}`, kind: "person", category: i === 0 ? "director" : "actor", label: p })),
  ...film.genres.map((g) => ({ key: `g:${g}`, kind: "genre", label: g })),
  ...film.title.toLowerCase().split(/\W+/).filter((w) => w.length > 2).map((w) => ({ key: `w:${w}`, kind: "title_word", label: w })),
];
function similar(film) {
  const mine = features(film);
  return films.filter((other) => other !== film).map((other) => {
    const theirs = new Set(features(other).map((f) => f.key));
    const shared = mine.filter((f) => theirs.has(f.key));
    const each = 1 / Math.sqrt(mine.length * theirs.size);
    return { other, similarity: shared.length * each, explanation: shared.map(({ kind, category, label }) => ({ kind, category, label, share: each })) };
  }).filter((row) => row.similarity > 0).sort((a, b) => b.similarity - a.similarity || a.other.film_id - b.other.film_id);
}

function send(response, status, body, headers = {}) {
  response.writeHead(status, { "content-type": "application/json", ...headers });
  response.end(typeof body === "string" ? body : JSON.stringify(body));
}
const error = (response, status, code, message, headers) => send(response, status, { code, message, request_id: "mock" }, headers);

/** The search criteria of `query` as a predicate over films, or an error already sent. */
function criteria(query, response) {
  const patterns = {};
  for (const key of ["title", "person", "genre"]) {
    if (!query.has(key)) continue;
    try {
      patterns[key] = new RegExp(query.get(key), "iu");
    } catch (e) {
      error(response, 422, "invalid_regex", `\`${key}\` is not a valid regular expression: regex parse error:\n    ${query.get(key)}\n    ^\nerror: ${e.message}`);
      return null;
    }
  }
  if (query.get("title") === "slow down") {
    error(response, 429, "rate_limited", "too many requests from this client; retry in 3 s", { "retry-after": "3" });
    return null;
  }
  const number = (key) => (query.has(key) ? Number(query.get(key)) : null);
  const all = query.getAll("genres");
  const any = query.getAll("genres_any");
  return (f) =>
    (!patterns.title || patterns.title.test(f.title)) &&
    (!patterns.person || patterns.person.test(f.persons.join(","))) &&
    (!patterns.genre || patterns.genre.test(f.genres.join(","))) &&
    all.every((g) => f.genres.includes(g)) &&
    (any.length === 0 || any.some((g) => f.genres.includes(g))) &&
    (number("year_from") === null || Number(f.year.slice(0, 4)) >= number("year_from")) &&
    (number("year_to") === null || Number(f.year.slice(0, 4)) <= number("year_to")) &&
    (number("min_rating") === null || f.rating >= number("min_rating")) &&
    (number("vote_count") === null || f.vote_count >= number("vote_count"));
}

/** A film as the API shows it (the alternate titles stay inside). */
const shown = ({ akas, ...film }) => film;

function search(query, response) {
  const matches = criteria(query, response);
  if (!matches) return;
  const number = (key) => (query.has(key) ? Number(query.get(key)) : null);
  const text = query.get("q")?.trim() ?? "";
  // With `q`, relevance unless `sort` says otherwise; without, the API's title order.
  let rows = text
    ? rank(films.filter(matches), text).map(({ film, matched }) => ({ ...shown(film), matched }))
    : films.filter(matches).map(shown);
  if (!text || query.has("sort")) {
    const sort = query.get("sort") ?? "title";
    const key = { title: "title", rating: "rating", votes: "vote_count", year: "year", duration: "duration" }[sort.replace(/^-/, "")];
    const sign = sort.startsWith("-") ? -1 : 1;
    rows = rows.sort((a, b) => sign * (a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0) || a.film_id - b.film_id);
  }
  const offset = number("offset") ?? 0;
  const limit = number("limit") ?? 100;
  send(response, 200, rows.slice(offset, offset + limit), { "x-total-count": String(rows.length) });
}

/** /film/suggest: the best few films for what is typed so far, as small objects. */
function suggest(query, response) {
  const limit = query.has("limit") ? Number(query.get("limit")) : 8;
  if (!Number.isInteger(limit) || limit < 1 || limit > 20) {
    return error(response, 422, "invalid_parameter", "limit must be a whole number from 1 to 20");
  }
  const found = rank(films, query.get("q") ?? "").slice(0, limit);
  send(response, 200, found.map(({ film, matched }) => ({ film_id: film.film_id, title: film.title, year: film.year, matched })));
}

/** The liked films' similar films, minus half the disliked ones', with which liked film each reason comes from. */
function recommend(query, response) {
  const ids = (key) => query.getAll(key).flatMap((value) => value.split(",")).filter(Boolean).map(Number);
  const like = ids("like");
  const dislike = ids("dislike");
  if (like.length === 0) return error(response, 422, "invalid_parameter", "like must name at least one film_id");
  const unknown = [...like, ...dislike].filter((id) => !films.some((f) => f.film_id === id));
  if (unknown.length > 0) return error(response, 422, "invalid_parameter", `no film has film_id ${unknown.join(", ")}`);
  const matches = criteria(query, response);
  if (!matches) return;
  const scores = new Map();
  const add = (id, weight) => {
    const film = films.find((f) => f.film_id === id);
    for (const row of similar(film)) {
      const score = scores.get(row.other.film_id) ?? { film: row.other, similarity: 0, reasons: new Map() };
      score.similarity += (weight * row.similarity) / like.length;
      if (weight > 0) {
        for (const feature of row.explanation) {
          const reason = score.reasons.get(feature.label) ?? { ...feature, share: 0, liked_films: [] };
          reason.share += feature.share / like.length;
          reason.liked_films.push({ film_id: film.film_id, title: film.title });
          score.reasons.set(feature.label, reason);
        }
      }
      scores.set(row.other.film_id, score);
    }
  };
  like.forEach((id) => add(id, 1));
  dislike.forEach((id) => add(id, -0.5));
  const rows = [...scores.values()]
    .filter((row) => row.similarity > 0 && !like.includes(row.film.film_id) && !dislike.includes(row.film.film_id) && matches(row.film))
    .sort((a, b) => b.similarity - a.similarity || a.film.film_id - b.film.film_id);
  const offset = Number(query.get("offset") ?? 0);
  const limit = Number(query.get("limit") ?? 10);
  const explain = query.get("explain") === "true";
  const page = rows.slice(offset, offset + limit).map((row) => ({
    ...shown(row.film),
    similarity: row.similarity,
    ...(explain ? { explanation: [...row.reasons.values()].sort((a, b) => b.share - a.share).slice(0, 5) } : {}),
  }));
  send(response, 200, page, { "x-total-count": String(rows.length) });
}

async function handle(request, response) {
  const url = new URL(request.url, "http://mock");
  const parts = url.pathname.split("/").filter(Boolean);
  if (url.pathname === "/readyz") return send(response, 200, { status: "ready" });
  if (parts[0] === "ui") {
    const name = parts.length === 2 && /\.[a-z]+$/.test(parts[1]) ? parts[1] : "index.html";
    try {
      const body = await readFile(path.join(UI_DIR, path.basename(name)));
      response.writeHead(200, {
        "content-type": TYPES[path.extname(name)] ?? "application/octet-stream",
        "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'",
      });
      return response.end(body);
    } catch {
      return error(response, 404, "not_found", "no such route");
    }
  }
  if (url.pathname === "/recommend") return recommend(url.searchParams, response);
  if (parts[0] !== "film") return error(response, 404, "not_found", "no such route");
  if (parts[1] === "search") return search(url.searchParams, response);
  if (parts[1] === "suggest") return suggest(url.searchParams, response);
  const film = films.find((f) => String(f.film_id) === parts[1]);
  if (!/^\d+$/.test(parts[1] ?? "")) return error(response, 422, "invalid_film_id", `film_id must be a whole number, got \`${parts[1]}\``);
  if (!film) return error(response, 404, "film_not_found", `no film has film_id ${parts[1]}`);
  if (parts.length === 2) return send(response, 200, shown(film));
  const threshold = Number(parts[3]);
  if (!(threshold >= 0 && threshold <= 1)) return error(response, 422, "invalid_threshold", "threshold must be from 0 to 1 (0.3 means 30%)");
  const rows = similar(film).filter((row) => row.similarity >= threshold);
  const offset = Number(url.searchParams.get("offset") ?? 0);
  const limit = Number(url.searchParams.get("limit") ?? 10);
  const explain = url.searchParams.get("explain") === "true";
  const page = rows.slice(offset, offset + limit).map((row) => ({ ...shown(row.other), similarity: row.similarity, ...(explain ? { explanation: row.explanation } : {}) }));
  send(response, 200, page, { "x-total-count": String(rows.length) });
}

const port = Number(process.env.FILMDEX_MOCK_PORT ?? 8765);
http.createServer((request, response) => {
  handle(request, response).catch(() => error(response, 500, "internal_error", "internal server error"));
}).listen(port, "127.0.0.1", () => console.log(`mock filmdex on http://127.0.0.1:${port}/ui/`));
