// Runs axe-core in the top document of every page a browser test opens. Added by
// tests/browser/conftest.py after axe.min.js, which every frame gets so that axe
// can look inside iframes too. Violations go to Python through the __axeReport
// binding as soon as a run ends, so they outlive the page.
//
// The page checks itself when it loads, after each HTMX swap settles, and when a
// click or a form leaves it: while that navigation is pending Chromium answers
// no DevTools call, so Python cannot ask then; instead it holds the navigation's
// request until __axeLeaving(…, false) says the page as it was left is checked.
// Python asks for a check itself before the test's own goto, reload or close,
// and at teardown.
//
// A run spans many tasks, so a test's click can change the page while axe reads
// it: a run during which the document changed describes no state the page was
// in, and is thrown away and started again on the settled page.
(() => {
  if (window !== window.top) return;
  const DOCUMENT = `${Date.now()}-${Math.random()}`;
  window.__axeDocument(DOCUMENT);
  if (!["text/html", "application/xhtml+xml"].includes(document.contentType)) return;

  // What htmx is refreshing (faded meanwhile) is judged once its answer settles.
  // The letter editor's preview frame holds a PDF in Chromium's own viewer, which
  // is not our markup and answers axe in frames late or never.
  const CONTEXT = { exclude: [".htmx-request", 'iframe[name="letter-preview"]'] };
  const OPTIONS = {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    resultTypes: ["violations"],
  };
  const ATTEMPTS = 10;
  let changed = true;
  let queue = Promise.resolve();

  new MutationObserver(() => {
    changed = true;
  }).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });

  // A new tab before its first navigation has nothing to check.
  const isBlank = () => location.protocol === "about:" && !document.body?.childElementCount;

  // Colours are read off the screen: let transitions (htmx's fades) end first.
  const transitionsEnd = () =>
    Promise.all(
      document
        .getAnimations()
        .filter((animation) => animation.effect?.getTiming().iterations !== Infinity)
        .map((animation) => animation.finished.catch(() => null)),
    );

  const describe = (violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    helpUrl: violation.helpUrl,
    nodes: violation.nodes.map((node) => ({
      target: node.target.map((selector) => [].concat(selector).join(" ")).join(" >>> "),
      summary: node.failureSummary,
    })),
  });

  // Reports are not awaited: with a navigation pending, their answer never comes.
  async function runIfChanged() {
    for (let attempt = 0; attempt < ATTEMPTS && changed && !isBlank(); attempt++) {
      await transitionsEnd();
      changed = false;
      let results;
      try {
        results = await axe.run(CONTEXT, OPTIONS);
      } catch (error) {
        changed = true;
        throw error;
      }
      // The observer hears of a change made during the run before the run ends,
      // since axe ends on a later task.
      if (!changed) {
        window.__axeReport(location.href, results.violations.map(describe));
        return;
      }
    }
    if (changed && !isBlank()) {
      throw new Error(`the page kept changing through ${ATTEMPTS} accessibility checks`);
    }
  }

  window.__axeCheck = () => (queue = queue.catch(() => null).then(runIfChanged));
  // A check that fails leaves the page unchecked, for the next one to try again
  // and report.
  const checkSoon = () => window.__axeCheck().catch(() => null);
  window.addEventListener("load", checkSoon);
  document.addEventListener("htmx:afterSettle", checkSoon);
  navigation.addEventListener("navigate", (event) => {
    if (event.destination.sameDocument) return;
    window.__axeLeaving(DOCUMENT, true);
    window
      .__axeCheck()
      .catch((error) => window.__axeFailed(location.href, error.message))
      .finally(() => window.__axeLeaving(DOCUMENT, false));
  });
})();
