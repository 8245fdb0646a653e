// What every end-to-end test starts from: the viewports, the screenshots folder, a page on a
// freshly started server that records its requests and errors, and text waits.
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";

import { launchBrowser } from "./browser.js";
import { startServer } from "./server.js";

export const SCREENSHOTS = fileURLToPath(new URL("../screenshots/", import.meta.url));
export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * Starts the server on the bundled sample and a laptop-sized browser; every URL the browser asks
 * for goes into `requests`, every uncaught page error into `pageErrors`.
 */
export async function openPage({ requests, pageErrors }) {
  const server = await startServer();
  const browser = await launchBrowser({ viewport: LAPTOP });
  browser.context.on("request", (request) => requests.push(request.url()));
  const page = browser.context.pages()[0] ?? (await browser.context.newPage());
  page.on("pageerror", (error) => pageErrors.push(error.message));
  page.setDefaultTimeout(15_000);
  await mkdir(SCREENSHOTS, { recursive: true });
  return { server, browser, page };
}

export const textOf = async (page, selector) => ((await page.textContent(selector)) ?? "").trim();

/** Waits until the element's text matches `pattern`; its text. */
export async function waitForText(page, selector, pattern) {
  await page.waitForFunction(
    ([selector, source, flags]) => new RegExp(source, flags).test(document.querySelector(selector)?.textContent ?? ""),
    [selector, pattern.source, pattern.flags],
  );
  return textOf(page, selector);
}

/**
 * The film ids listed in `results` (a selector), once it holds the answer to the current URL:
 * no longer busy, and showing its `list` or a notice.
 */
export async function filmIdsShown(page, results, list) {
  await page.waitForFunction(
    ([results, list]) => {
      const shown = document.querySelector(results);
      return shown && !shown.hasAttribute("aria-busy") && shown.querySelector(`${list}, .notice`);
    },
    [results, list],
  );
  return page.$$eval(`${results} ${list} .film-summary-title a`, (links) =>
    links.map((link) => Number(/\/ui\/film\/(\d+)/.exec(link.getAttribute("href"))[1])),
  );
}
