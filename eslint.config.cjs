// ESLint (flat config) for the module's JavaScript: Odoo 17 ES modules (`/** @odoo-module **/`,
// imports from `@web/...` resolved by Odoo's asset bundler), run in the browser.
// `make lint` runs it through scripts/lint.sh, which installs ESLint, @eslint/js and globals
// outside the checkout and points NODE_PATH at them (hence CommonJS: `require` reads NODE_PATH).
// Formatting is prettier's business (.prettierrc.yml), not ESLint's.
const js = require("@eslint/js");
const globals = require("globals");

module.exports = [
    {
        files: ["static/src/**/*.js", "static/tests/**/*.js", "bridges/*/static/tests/**/*.js"],
        languageOptions: {
            ecmaVersion: 2022,
            sourceType: "module",
            globals: {
                ...globals.browser,
                odoo: "readonly",
                $: "readonly", // jQuery, still global in Odoo 17's frontend
                jQuery: "readonly",
                luxon: "readonly",
                owl: "readonly",
            },
        },
        linterOptions: {
            reportUnusedDisableDirectives: "error",
        },
        rules: {
            ...js.configs.recommended.rules,
            // Odoo's own JavaScript conventions (web/tooling in Odoo 17)
            curly: ["error", "all"],
            "no-restricted-globals": ["error", "event", "self"],
            "no-duplicate-imports": "error",
            "no-unused-vars": ["error", { vars: "all", args: "none", caughtErrors: "none" }],
            "prefer-const": ["error", { destructuring: "all", ignoreReadBeforeAssign: true }],
            "no-restricted-syntax": ["error", "PrivateIdentifier"],
            eqeqeq: ["error", "smart"],
            "no-console": ["error", { allow: ["warn", "error"] }],
        },
    },
];
