// How numbers, dates and durations read on the page. English throughout, like the rest of the
// text, so a page reads the same on every machine.

const whole = new Intl.NumberFormat("en");
const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const longDate = new Intl.DateTimeFormat("en", {
  day: "numeric",
  month: "long",
  year: "numeric",
  timeZone: "UTC",
});

export const formatCount = (count) => whole.format(count);

/** "1.4M votes", "870 votes", or null when unknown. */
export function formatVotes(count) {
  if (count == null) return null;
  return `${compact.format(count)} ${count === 1 ? "vote" : "votes"}`;
}

/** The year of a "YYYY-MM-DD" date, or null. */
export const formatYear = (date) => (typeof date === "string" ? date.slice(0, 4) : null);

/**
 * "25 May 1977", or "1977" for the 1 January that stands for a year alone (IMDb's dumps only
 * have the year); the text as given when it does not parse.
 */
export function formatDate(date) {
  if (typeof date !== "string") return null;
  if (/^\d{4}-01-01$/.test(date)) return date.slice(0, 4);
  const parsed = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(parsed.getTime()) ? date : longDate.format(parsed);
}

/** "2 h 1 min", "95 min", or null. */
export function formatDuration(minutes) {
  if (minutes == null) return null;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  if (hours === 0) return `${minutes} min`;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** "8.6" or null. */
export const formatRating = (rating) =>
  typeof rating === "number" ? rating.toFixed(1) : null;

/** A 0–1 value as "47%"; small non-zero values keep one decimal ("0.4%"). */
export function formatPercent(fraction) {
  const percent = fraction * 100;
  if (percent > 0 && percent < 1) return `${percent.toFixed(1)}%`;
  return `${Math.round(percent)}%`;
}

/** "1 film", "3 films". */
export const plural = (count, one, many) =>
  `${formatCount(count)} ${count === 1 ? one : many}`;

const MATCHED_FIELDS = { original_title: "Original title", aka: "aka", person: "Person" };

/**
 * What a free-text search matched in a film, as a person reads it: "aka (FR): Le fabuleux destin
 * d'Amélie Poulain", "Original title: Sen to Chihiro no kamikakushi", "Person: Audrey Tautou".
 * Null for the film's own title (already on screen) or an answer without `matched`.
 */
export function describeMatch(matched) {
  if (!matched || typeof matched.text !== "string" || !(matched.field in MATCHED_FIELDS)) return null;
  const region = matched.field === "aka" && matched.region ? ` (${matched.region})` : "";
  return `${MATCHED_FIELDS[matched.field]}${region}: ${matched.text}`;
}
