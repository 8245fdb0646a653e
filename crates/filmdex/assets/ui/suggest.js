// The search box: a text field that suggests films as you type, in the WAI-ARIA combobox pattern
// with a listbox popup (the focus stays in the field; aria-activedescendant names the highlighted
// suggestion). ArrowDown and ArrowUp move through the suggestions, Enter opens the highlighted
// film (with none highlighted the form submits: the ranked results), Escape closes the list and,
// pressed again, empties the field. A request waits for a pause in typing, and a newer one
// cancels an older one, so the list always belongs to the text in the field.

import { getJson, suggestPath } from "./api.js";
import { debounce, h } from "./dom.js";
import { describeMatch, formatYear, plural } from "./format.js";
import { measureAfterPaint } from "./timing.js";

const SUGGEST_DEBOUNCE_MS = 150;
const SUGGESTIONS = 8;

export class SearchBox {
  /**
   * `onPick(suggestion, typed)` opens a suggested film; `announce(text)` tells screen readers
   * how many films are suggested. `attributes` go on the text field.
   */
  constructor({ id, onPick, announce, attributes = {} }) {
    this.onPick = onPick;
    this.announce = announce;
    this.listId = `${id}-suggestions`;
    this.suggestions = [];
    this.suggestedFor = null;
    this.active = -1;
    // An arrow pressed before the suggestions came: highlight the first (1) or last (-1) then.
    this.pendingStep = 0;
    this.typedAt = null;
    this.controller = null;
    this.input = h("input", {
      id,
      type: "text",
      role: "combobox",
      autocomplete: "off",
      spellcheck: "false",
      "aria-autocomplete": "list",
      "aria-expanded": "false",
      "aria-controls": this.listId,
      ...attributes,
    });
    this.list = h("ul", { id: this.listId, class: "suggestions", role: "listbox", "aria-label": "Suggested films", hidden: true });
    this.element = h("div", { class: "combobox" }, this.input, this.list);
    this.requestSoon = debounce(() => this.request(), SUGGEST_DEBOUNCE_MS);
    this.input.addEventListener("input", () => this.typed());
    this.input.addEventListener("keydown", (event) => this.key(event));
    this.input.addEventListener("blur", () => this.close());
  }

  get value() {
    return this.input.value;
  }

  /** Sets the text without suggesting anything (the page shows a URL). */
  set value(text) {
    this.input.value = text;
    this.stop();
  }

  /** Drops the suggestions on their way and closes the list (the form was submitted). */
  stop() {
    this.requestSoon.cancel();
    this.controller?.abort();
    this.close();
  }

  get isOpen() {
    return !this.list.hidden;
  }

  typed() {
    this.typedAt = performance.now();
    this.pendingStep = 0;
    this.highlight(-1);
    if (this.input.value.trim() === "") {
      this.controller?.abort();
      this.show([], null);
      return;
    }
    this.requestSoon();
  }

  async request() {
    const text = this.input.value.trim();
    if (text === "" || text === this.suggestedFor) return this.open();
    this.controller?.abort();
    const controller = (this.controller = new AbortController());
    try {
      const { data } = await getJson(suggestPath(text, SUGGESTIONS), { signal: controller.signal });
      if (controller !== this.controller || this.input.value.trim() !== text) return;
      this.show(Array.isArray(data) ? data : [], text);
    } catch (error) {
      // Suggestions are a help, not the search: on any failure the list just stays closed.
      if (error.name !== "AbortError" && controller === this.controller) this.show([], null);
    }
  }

  show(suggestions, text) {
    const changed = suggestions.length !== this.suggestions.length || text !== this.suggestedFor;
    this.suggestions = suggestions;
    this.suggestedFor = text;
    this.active = -1;
    this.input.removeAttribute("aria-activedescendant");
    this.list.replaceChildren(...suggestions.map((suggestion, index) => this.option(suggestion, index)));
    this.open();
    // From the last key to the list painted, the pause before asking included.
    if (this.isOpen && this.typedAt != null) measureAfterPaint("suggest", this.typedAt);
    this.typedAt = null;
    if (changed && this.isOpen) {
      this.announce(`${plural(suggestions.length, "film", "films")} suggested. Up and down arrows to choose.`);
    }
    if (this.pendingStep !== 0 && this.isOpen) this.highlight(this.pendingStep > 0 ? 0 : suggestions.length - 1);
    this.pendingStep = 0;
  }

  option(suggestion, index) {
    const year = formatYear(suggestion.year);
    const matched = describeMatch(suggestion.matched);
    return h(
      "li",
      {
        id: `${this.listId}-${index}`,
        class: "suggestion",
        role: "option",
        "aria-selected": "false",
        // The field keeps the focus: a press on a suggestion must not blur it before the click.
        onMousedown: (event) => event.preventDefault(),
        onClick: () => this.pick(index),
      },
      h("span", { class: "suggestion-title", text: suggestion.title ?? `Film ${suggestion.film_id}` }),
      year && h("span", { class: "year", text: ` ${year}` }),
      matched && h("span", { class: "suggestion-match", text: matched }),
    );
  }

  /** Opens the list when it has suggestions for the text in the field and the field has the focus. */
  open() {
    const current = this.suggestedFor !== null && this.suggestedFor === this.input.value.trim();
    const show = current && this.suggestions.length > 0 && document.activeElement === this.input;
    this.list.hidden = !show;
    this.input.setAttribute("aria-expanded", String(show));
  }

  close() {
    this.highlight(-1);
    this.list.hidden = true;
    this.input.setAttribute("aria-expanded", "false");
  }

  highlight(index) {
    this.active = index;
    this.list.querySelectorAll("[role=option]").forEach((option, i) => option.setAttribute("aria-selected", String(i === index)));
    const option = index >= 0 ? this.list.children[index] : null;
    if (option) {
      this.input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  /** Moves the highlight by `step`, wrapping around; opens the list first when it is closed. */
  move(step) {
    if (!this.isOpen) {
      this.open();
      if (!this.isOpen) {
        this.pendingStep = step;
        return this.request();
      }
      return this.highlight(step > 0 ? 0 : this.suggestions.length - 1);
    }
    const count = this.suggestions.length;
    const from = this.active < 0 ? (step > 0 ? -1 : count) : this.active;
    this.highlight((((from + step) % count) + count) % count);
  }

  pick(index) {
    const suggestion = this.suggestions[index];
    const typed = this.input.value.trim();
    this.close();
    if (suggestion) this.onPick(suggestion, typed);
  }

  key(event) {
    if (event.altKey && event.key !== "ArrowDown") return;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp":
        event.preventDefault();
        this.move(event.key === "ArrowDown" ? 1 : -1);
        break;
      case "Enter":
        if (this.isOpen && this.active >= 0) {
          event.preventDefault();
          this.pick(this.active);
        } else {
          // The form submits: the ranked results for the text, and no list pops up over them.
          this.stop();
        }
        break;
      case "Escape":
        if (this.isOpen) {
          event.preventDefault();
          this.close();
        } else if (this.input.value !== "") {
          event.preventDefault();
          this.input.value = "";
          // As if typed, so whatever follows the text (the order shown) follows it here too.
          this.input.dispatchEvent(new Event("input", { bubbles: true }));
        }
        break;
      case "Tab":
        this.close();
        break;
      default:
    }
  }
}
