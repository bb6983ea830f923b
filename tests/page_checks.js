/**
 * window.taPageChecks(label), given to every page of the candidate's tours (see
 * candidate_browser.py): axe-core for the tags in window.taAxeTags, and horizontal overflow
 * of the element that scrolls (#wrapwrap in Odoo's frontend). Findings go to console.error,
 * which fails the tour, and are thrown.
 */
/* global window, document, console */
window.taPageChecks = async function (label) {
    const problems = [];
    const scroller = document.getElementById("wrapwrap") || document.scrollingElement;
    if (scroller.scrollWidth > scroller.clientWidth + 1) {
        problems.push(
            `horizontal overflow: ${scroller.scrollWidth} px of content in ${scroller.clientWidth} px`,
        );
    }
    if (document.documentElement.scrollWidth > window.innerWidth) {
        problems.push(
            `the document is ${document.documentElement.scrollWidth} px wide in a ${window.innerWidth} px window`,
        );
    }
    const result = await window.axe.run(document, {
        runOnly: { type: "tag", values: window.taAxeTags },
        resultTypes: ["violations"],
    });
    for (const violation of result.violations) {
        const nodes = violation.nodes
            .slice(0, 4)
            .map((node) => `${node.target.join(" ")} (${(node.any[0] || node.all[0] || {}).message || ""})`)
            .join(" | ");
        problems.push(`axe ${violation.id} (${violation.impact}): ${violation.help} at ${nodes}`);
    }
    window.taPageChecksDone = (window.taPageChecksDone || []).concat([label]);
    if (problems.length) {
        console.error(
            `page checks failed on ${label} (${window.innerWidth}x${window.innerHeight}):\n` +
                problems.join("\n"),
        );
        throw new Error(problems.join("; "));
    }
};
