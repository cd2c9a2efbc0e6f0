// The case list's assignee filter: choosing a case worker in the search box opens the list filtered by them.
"use strict";
{
    const $ = window.django && window.django.jQuery;
    if ($) {
        $(document).on("select2:select", "#mp-assignee-search", function (event) {
            const params = new URLSearchParams(window.location.search);
            params.set("assignee", event.params.data.id);
            params.delete("p");
            window.location.search = params.toString();
        });
    }
}
