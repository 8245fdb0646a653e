// Render timings, as `performance.measure` entries named "filmdex:<what>" (the browser test reads
// them): from a start time to the frame after the results are in the DOM, i.e. once painted.

export function measureAfterPaint(what, start) {
  requestAnimationFrame(() => {
    // The callback of a timeout set in an animation frame runs after that frame is drawn.
    setTimeout(() => {
      performance.measure(`filmdex:${what}`, { start, end: performance.now() });
    }, 0);
  });
}
