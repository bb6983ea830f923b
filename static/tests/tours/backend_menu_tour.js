/** @odoo-module **/

import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("tech_assessment_backend_menu", {
    test: true,
    url: "/web",
    steps: () => [
        {
            content: "Open the apps menu",
            trigger: ".o_navbar_apps_menu button",
        },
        {
            content: "Open the Assessments app",
            trigger: '.o_app[data-menu-xmlid="tech_assessment.menu_assessment_root"]',
        },
        {
            content: "The seed assessment is listed with its counts",
            trigger: '.o_kanban_record:contains("Backend Engineering Assessment"):contains("18 items")',
            run: () => {},
        },
        {
            content: "Open the question bank",
            trigger:
                '.o_menu_sections button:contains("Question Bank"), .o_menu_sections a:contains("Question Bank")',
        },
        {
            content: "Open the questions",
            trigger: '.dropdown-item:contains("Questions")',
        },
        {
            content: "The seed questions are there",
            trigger: '.o_data_row:contains("Cursor-Based Pagination")',
            run: () => {},
        },
    ],
});
