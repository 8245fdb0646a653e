// The mock's stand-in for the API's free-text search (`q` and /film/search's `matched`,
// /film/suggest): a small, plausible version of the real rules, enough to develop the page on.
// Case, accents and punctuation do not count; every query word must match a word of one of a
// film's titles or persons, the last word also as a prefix, one typo allowed in words of 5
// letters or more. Not the server's ranking: exact words first, titles before persons, then votes.

/** The words of `text`: lower case, accents dropped, split on anything not a letter or digit. */
export function words(text) {
  return (text ?? "")
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** At most one edit (insert, delete, substitute) between `a` and `b`. */
function oneEdit(a, b) {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i += 1;
  return a.slice(i + 1) === b.slice(i + 1) || a.slice(i) === b.slice(i + 1) || a.slice(i + 1) === b.slice(i);
}

/** 2 for an exact word, 1 for a prefix or a typo, 0 for no match. */
function wordScore(queryWord, word, last) {
  if (word === queryWord) return 2;
  if (last && word.startsWith(queryWord)) return 1;
  if (queryWord.length >= 5 && oneEdit(queryWord, word)) return 1;
  return 0;
}

/** The texts a film can match on, titles first: `[{ field, text, region? }]`. */
function fieldsOf(film) {
  return [
    { field: "title", text: film.title },
    ...(film.original_title !== film.title ? [{ field: "original_title", text: film.original_title }] : []),
    ...film.akas.map(({ text, region }) => ({ field: "aka", text, ...(region ? { region } : {}) })),
    ...film.persons.map((text) => ({ field: "person", text })),
  ];
}

/** How well `query` matches `film`: `{ score, matched }`, or null when some word matches nothing. */
export function match(film, query) {
  const wanted = words(query);
  if (wanted.length === 0) return null;
  const fields = fieldsOf(film).map((field) => ({ field, words: words(field.text) }));
  let score = 0;
  let best = null;
  for (const [index, queryWord] of wanted.entries()) {
    const last = index === wanted.length - 1;
    let wordBest = 0;
    for (const { field, words: fieldWords } of fields) {
      const here = Math.max(0, ...fieldWords.map((word) => wordScore(queryWord, word, last)));
      if (here > wordBest) wordBest = here;
      if (here > 0 && (!best || (here > best.score && field.field !== "person"))) best = { field, score: here };
    }
    if (wordBest === 0) return null;
    score += wordBest;
  }
  const titleBonus = best.field.field === "person" ? 0 : 1;
  return { score: score * 2 + titleBonus, matched: best.field };
}

/** Films matching `query`, best first, each as `{ film, matched }`. */
export function rank(films, query) {
  return films
    .map((film) => ({ film, found: match(film, query) }))
    .filter(({ found }) => found)
    .sort((a, b) => b.found.score - a.found.score || b.film.vote_count - a.film.vote_count || a.film.film_id - b.film.film_id)
    .map(({ film, found }) => ({ film, matched: found.matched }));
}
