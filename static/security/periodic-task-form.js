// django-celery-beat's crontab help, moved out of its inline <script> so the CSP can forbid inline script.
"use strict";
(function($) {
  $(function() {
    const data = document.getElementById("readable-crontabs");
    if (!data) { return; }
    const readableCrontabs = JSON.parse(data.textContent);
    const help = $(".field-crontab .help");
    const originalCrontabHelp = help.text();
    $(".field-crontab_translation").hide();
    $(".field-crontab").change(function() {
      help.text(originalCrontabHelp + " Translation: " + (readableCrontabs[$("#id_crontab").val()] || ""));
    });
  });
})(django.jQuery);
