// "My list" and its recommendations, end to end in headless Chromium against the real server on
// the bundled sample: films added from search results and from a film's page (liked, disliked,
// changed), the list surviving a reload, the recommendations with their "why", filters that
// update the films at once and are respected, the share link copied and opened in a fresh
// browser (no localStorage): the same list and the same films in the same order. Then undo,
// removal, the empty list (no request), an unknown film in a shared link, axe-core's WCAG 2 A/AA
// rules on each view in both colour schemes, and the phone layout.
import assert from "node:assert/strict";
import path from "node:path";
import { after, before, describe, it } from "node:test";

import { assertAccessible } from "../lib/axe.js";
import { launchBrowser } from "../lib/browser.js";
import { filmIdsShown, LAPTOP, openPage, PHONE, SCREENSHOTS, textOf, waitForText } from "../lib/page.js";

const NEW_HOPE = "Star Wars: Episode IV - A New Hope";
const EMPIRE = "Star Wars: Episode V - The Empire Strikes Back";
const HOME_ALONE = "Home Alone";

/** Waits until the recommendations in view are those of the current URL; their film ids. */
const recommendations = (page) => filmIdsShown(page, ".recommend-results", ".recommend-list");

/** The list as the view shows it: `[{ title, liked, disliked }]`, once every title is in. */
async function shownList(page) {
  await page.waitForFunction(() => {
    const titles = [...document.querySelectorAll(".list-entry-title a, .list-entry-title > span:first-child")];
    return titles.length > 0 && titles.every((title) => !/^Film \d+$/.test(title.textContent));
  });
  return page.$$eval(".list-entry", (entries) =>
    entries.map((entry) => ({
      title: entry.querySelector(".list-entry-title a, .list-entry-title > span").textContent.trim(),
      liked: entry.querySelector(".toggle-like").getAttribute("aria-pressed") === "true",
      disliked: entry.querySelector(".toggle-dislike").getAttribute("aria-pressed") === "true",
    })),
  );
}

const listParams = (url) => {
  const query = new URL(url).searchParams;
  return { like: query.get("like"), dislike: query.get("dislike") };
};

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const toggle = (page, verdict, title) =>
  page.getByRole("button", { name: new RegExp(`^${verdict} ${escape(title)}$`) }).first();

describe("my list and its recommendations", () => {
  let server;
  let browser;
  let page;
  const requests = [];
  const pageErrors = [];

  before(async () => {
    ({ server, browser, page } = await openPage({ requests, pageErrors }));
    await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.origin });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("likes a film from the search results", async () => {
    await page.goto(`${server.origin}/ui/?title=star+wars`);
    await waitForText(page, "#results-heading", /films? found$/);
    assert.equal(await textOf(page, ".nav-list"), "My list");
    const like = toggle(page, "Like", NEW_HOPE);
    assert.equal(await like.getAttribute("aria-pressed"), "false");
    await like.click();
    assert.equal(await like.getAttribute("aria-pressed"), "true");
    assert.equal(await toggle(page, "Dislike", NEW_HOPE).getAttribute("aria-pressed"), "false");
    await waitForText(page, ".nav-list", /^My list \(1\)$/);
    await waitForText(page, "#announcer", /A New Hope: liked\. 1 film on your list\./);
    await assertAccessible(page, "search results with the list's toggles");
  });

  it("likes a film from its page, after changing its mind once", async () => {
    await page.click(`.results .film-summary-title a:text-is("${EMPIRE}")`);
    await page.waitForURL(/\/ui\/film\/\d+$/);
    await waitForText(page, "h1", new RegExp(`^${escape(EMPIRE)}`));
    const like = page.locator(".film-header .toggle-like");
    const dislike = page.locator(".film-header .toggle-dislike");
    await dislike.click();
    assert.deepEqual([await like.getAttribute("aria-pressed"), await dislike.getAttribute("aria-pressed")], ["false", "true"]);
    await like.click();
    assert.deepEqual([await like.getAttribute("aria-pressed"), await dislike.getAttribute("aria-pressed")], ["true", "false"]);
    await waitForText(page, ".nav-list", /^My list \(2\)$/);
    // The film already on the list shows as liked among the similar films too.
    await page.waitForSelector(".similar-list");
    const newHope = page.locator(".similar-list .film-item", { hasText: NEW_HOPE }).locator(".toggle-like");
    if ((await newHope.count()) > 0) assert.equal(await newHope.first().getAttribute("aria-pressed"), "true");
    await assertAccessible(page, "a film's page with the list's toggles");
  });

  it("keeps the list over a reload, and dislikes a third film", async () => {
    await page.goto(`${server.origin}/ui/?title=home+alone`);
    await waitForText(page, "#results-heading", /films? found$/);
    assert.equal(await textOf(page, ".nav-list"), "My list (2)");
    await toggle(page, "Dislike", HOME_ALONE).click();
    assert.equal(await toggle(page, "Dislike", HOME_ALONE).getAttribute("aria-pressed"), "true");
    await waitForText(page, ".nav-list", /^My list \(3\)$/);
  });

  let unfiltered;

  it("shows the list's recommendations, each with why", async () => {
    await page.click(".nav-list");
    await page.waitForURL(/\/ui\/recommend\?like=\d+,\d+&dislike=\d+$/);
    assert.equal(await page.getAttribute(".nav-list", "aria-current"), "page");
    assert.deepEqual(await shownList(page), [
      { title: NEW_HOPE, liked: true, disliked: false },
      { title: EMPIRE, liked: true, disliked: false },
      { title: HOME_ALONE, liked: false, disliked: true },
    ]);
    unfiltered = await recommendations(page);
    assert.equal(unfiltered.length, 10, "a full first page");
    const { like, dislike } = listParams(page.url());
    const inputs = [...like.split(","), dislike].map(Number);
    assert.ok(unfiltered.every((id) => !inputs.includes(id)), "the list's own films are never recommended");
    const titles = await page.locator(".recommend-list .film-summary-title a").allTextContents();
    assert.match(titles[0], /^Star Wars/, `another Star Wars film first, got ${JSON.stringify(titles)}`);
    assert.match(await textOf(page, ".view-recommend .results-section .results-summary"), /^[\d,]+ films?, best match first$/);

    // Why: features, each with the liked films it comes from (never a disliked one).
    const first = page.locator(".recommend-item").first();
    const reasons = await first.locator(".reason-list").first().locator(".reason").allTextContents();
    assert.ok(reasons.length >= 1 && reasons.length <= 3, JSON.stringify(reasons));
    const fromLiked = await page.locator(".recommend-list .reason-from").allTextContents();
    assert.ok(fromLiked.length >= 10, "every film says which liked films it comes from");
    for (const from of fromLiked) {
      const named = from.replace(/^: /, "");
      assert.ok(named.includes(NEW_HOPE) || named.includes(EMPIRE), named);
      assert.ok(!named.includes(HOME_ALONE), named);
    }
    assert.ok(
      reasons.some((reason) => /^(Director|Writer|Actor|Actress|Producer|Composer|Title word|Genre)/.test(reason)),
      JSON.stringify(reasons),
    );
    await first.locator(".more-reasons summary").click();
    assert.ok((await first.locator(".more-reasons .reason").count()) >= 1);
    await page.screenshot({ path: path.join(SCREENSHOTS, "laptop-recommend.png"), fullPage: true });
    await assertAccessible(page, "the recommendations");
  });

  let filtered;

  it("updates the films at once when a filter changes, and they respect it", async (t) => {
    // Typed: the films follow shortly after the last key, with no button to press.
    await page.locator("#recommend-year_from").pressSequentially("2000", { delay: 40 });
    await page.waitForURL(/year_from=2000/);
    const fromYear = await recommendations(page);
    assert.notDeepEqual(fromYear, unfiltered);
    for (const year of await page.locator(".recommend-list .film-summary-title .year").allTextContents()) {
      assert.ok(Number(year) >= 2000, `a film of ${year}`);
    }
    assert.equal(await page.evaluate(() => document.activeElement?.id), "recommend-year_from", "typing keeps the focus");

    // Checked: at once.
    await page.getByRole("checkbox", { name: "Sci-Fi" }).check();
    await page.waitForURL(/genres_any=Sci-Fi/);
    filtered = await recommendations(page);
    assert.ok(filtered.length >= 3, `several films left, got ${filtered.length}`);
    assert.notDeepEqual(filtered, fromYear);
    const facts = await page.locator(".recommend-list .facts").allTextContents();
    for (const line of facts) assert.match(line, /Sci-Fi/);
    for (const year of await page.locator(".recommend-list .film-summary-title .year").allTextContents()) {
      assert.ok(Number(year) >= 2000, `a film of ${year}`);
    }
    assert.match(await textOf(page, ".recommend-filters summary"), /2 set/);

    // The same films the API gives for the same list and filters, in the same order.
    const { like, dislike } = listParams(page.url());
    const api = await fetch(`${server.origin}/recommend?like=${like}&dislike=${dislike}&genres_any=Sci-Fi&year_from=2000&limit=10`);
    assert.equal(api.status, 200);
    assert.deepEqual(filtered, (await api.json()).map((film) => film.film_id));

    // From the filter's change (after the typing pause) to the frame after the films are in.
    const renders = await page.evaluate(() => performance.getEntriesByName("filmdex:recommend").map((entry) => entry.duration));
    if (renders.length > 0) {
      const report = `recommendations: filter change -> films painted ${renders.map((ms) => ms.toFixed(0)).join(", ")} ms`;
      t.diagnostic(report);
      console.log(report);
    }
  });

  let shareUrl;

  it("copies a link to the list", async () => {
    await page.getByRole("button", { name: "Copy link" }).click();
    await waitForText(page, ".share-status", /^Link copied\.$/);
    shareUrl = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(shareUrl, await page.inputValue("#share-url"));
    assert.equal(shareUrl, page.url());
    assert.match(shareUrl, /\/ui\/recommend\?like=\d+,\d+&dislike=\d+&genres_any=Sci-Fi&year_from=2000$/);
  });

  it("opens the link in a fresh browser: the same list and the same films in the same order", async () => {
    const other = await launchBrowser({ viewport: LAPTOP });
    try {
      const fresh = other.context.pages()[0] ?? (await other.context.newPage());
      const errors = [];
      const asked = [];
      fresh.on("pageerror", (error) => errors.push(error.message));
      other.context.on("request", (request) => asked.push(request.url()));
      fresh.setDefaultTimeout(15_000);
      await fresh.goto(shareUrl);
      assert.deepEqual(await shownList(fresh), [
        { title: NEW_HOPE, liked: true, disliked: false },
        { title: EMPIRE, liked: true, disliked: false },
        { title: HOME_ALONE, liked: false, disliked: true },
      ]);
      assert.deepEqual(await recommendations(fresh), filtered);
      assert.equal(await fresh.inputValue("#recommend-year_from"), "2000");
      assert.ok(await fresh.getByRole("checkbox", { name: "Sci-Fi" }).isChecked());
      assert.equal(await fresh.locator(".list-notices .notice").count(), 0, "nothing was replaced");
      // The link's list is now this browser's own.
      await waitForText(fresh, ".nav-list", /^My list \(3\)$/);
      assert.equal(await fresh.evaluate(() => JSON.parse(localStorage.getItem("filmdex:list")).length), 3);
      await fresh.reload();
      assert.deepEqual(await recommendations(fresh), filtered);
      assert.deepEqual(errors, []);
      assert.deepEqual(asked.filter((url) => new URL(url).origin !== server.origin), []);
    } finally {
      await other.close();
    }
  });

  it("clears the list with an undo, and removes films one by one down to the empty list", async () => {
    await page.getByRole("button", { name: "Clear list" }).click();
    await waitForText(page, ".recommend-results .notice", /Your list is empty/);
    await page.getByRole("button", { name: "Undo" }).click();
    assert.equal((await shownList(page)).length, 3);
    assert.deepEqual(await recommendations(page), filtered);

    await page.getByRole("button", { name: `Remove ${NEW_HOPE}` }).click();
    await page.waitForURL((url) => !url.search.includes(",") && url.search.includes("dislike="));
    assert.equal(await page.evaluate(() => document.activeElement?.id), "list-heading", "the focus stays in the list");
    assert.ok((await recommendations(page)).length >= 1);

    const asked = () => requests.filter((url) => new URL(url).pathname === "/recommend").length;
    const before = asked();
    await page.getByRole("button", { name: `Remove ${EMPIRE}` }).click();
    await waitForText(page, ".recommend-results .notice", /Like at least one film/);
    await page.getByRole("button", { name: `Remove ${HOME_ALONE}` }).click();
    await waitForText(page, ".recommend-results .notice", /Your list is empty/);
    assert.match(await textOf(page, ".recommend-results .notice"), /Press Like next to a film/);
    assert.equal(await page.getByRole("link", { name: "Search for films" }).count(), 1);
    assert.equal(asked(), before, "no request for a list with no liked film");
    assert.equal(await textOf(page, ".nav-list"), "My list");
    assert.doesNotMatch(page.url(), /like=/);
    await assertAccessible(page, "the empty list");
  });

  it("says which films of a shared link the database lacks, and can drop them", async () => {
    await page.goto(`${server.origin}/ui/recommend?like=76759,999999999`);
    const notice = page.locator(".recommend-results .notice-error[role=alert]");
    await notice.waitFor();
    assert.match(await notice.textContent(), /not in this database.*999999999/s);
    await waitForText(page, ".my-list", /not in this database/);
    await assertAccessible(page, "a list with an unknown film");
    await notice.getByRole("button", { name: "Remove it from my list" }).click();
    await page.waitForURL(/\/ui\/recommend\?like=76759$/);
    assert.ok((await recommendations(page)).length >= 1);
  });

  it("offers to restore your own list when a link replaces it", async () => {
    await page.goto(shareUrl);
    const notice = page.locator(".list-notices .notice");
    await waitForText(page, ".list-notices", /You opened a shared list/);
    assert.equal((await shownList(page)).length, 3);
    await notice.getByRole("button", { name: "Restore my list" }).click();
    await page.waitForURL(/\/ui\/recommend\?like=76759&genres_any=Sci-Fi&year_from=2000$/);
    assert.equal((await shownList(page)).length, 1);
  });

  it("passes axe's WCAG 2 A/AA rules in the dark scheme too", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    try {
      await page.goto(shareUrl);
      await recommendations(page);
      await page.locator(".more-reasons summary").first().click();
      await assertAccessible(page, "the recommendations, dark");
      await page.goto(`${server.origin}/ui/?title=star+wars`);
      await waitForText(page, "#results-heading", /films? found$/);
      await assertAccessible(page, "search results, dark");
    } finally {
      await page.emulateMedia({ colorScheme: "light" });
    }
  });

  it("looks right at phone width", async () => {
    await page.setViewportSize(PHONE);
    await page.goto(shareUrl);
    await recommendations(page);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no sideways scrolling, ${overflow} px too wide`);
    await page.screenshot({ path: path.join(SCREENSHOTS, "phone-recommend.png"), fullPage: true });
    await assertAccessible(page, "the recommendations at phone width");
    await page.setViewportSize(LAPTOP);
  });

  it("made no request outside the server it came from, and threw no script error", () => {
    const outside = requests.filter((url) => new URL(url).origin !== server.origin);
    assert.deepEqual(outside, []);
    assert.deepEqual(pageErrors, []);
  });
});
