// axe-core (from npm, in node_modules) run inside the page: the WCAG 2 A and AA rules (2.0, 2.1
// and 2.2). The page's Content-Security-Policy refuses inline scripts, so the library goes in
// through the DevTools protocol (page.evaluate), which the policy does not govern.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");

export const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/** The WCAG 2 A/AA violations of what `page` shows now: `[{ id, impact, help, nodes }]`. */
export async function axeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map((node) => `${node.target.join(" ")}: ${node.failureSummary?.split("\n").slice(1).join(" ").trim()}`),
    }));
  }, WCAG_TAGS);
}

/** Fails with a readable list when the page has any WCAG 2 A/AA violation. */
export async function assertAccessible(page, what) {
  const violations = await axeViolations(page);
  const report = violations
    .map((violation) => `- ${violation.id} (${violation.impact}): ${violation.help}\n    ${violation.nodes.slice(0, 5).join("\n    ")}`)
    .join("\n");
  if (violations.length > 0) throw new Error(`${what}: ${violations.length} WCAG 2 A/AA violation(s)\n${report}`);
}
