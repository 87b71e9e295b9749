/*
 * The web chat of the Büro für Integrationsfragen, Hameln: put this on any page.
 *
 *   <script src="https://ASSISTANT-HOST/chat/embed.js" defer></script>
 *
 * Optional attributes on that script tag:
 *   data-language="uk"        start in this language (default: the page's <html lang>, then the browser's)
 *   data-target="#chat"       show the chat inside this element instead of as a button in the corner
 * Everything (script, styles, strings, websocket) comes from the server that serves this file.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.HamelnChatLoader) {
    return;
  }
  window.HamelnChatLoader = true;
  var origin = new URL(script.src, document.baseURI).origin;
  var options = {
    origin: origin,
    language: script.getAttribute("data-language") || document.documentElement.lang || "",
    target: script.getAttribute("data-target") || ""
  };
  var widget = document.createElement("script");
  widget.src = origin + "/chat/static/widget.js";
  widget.async = true;
  widget.onload = function () {
    window.HamelnChat.mount(options);
  };
  document.head.appendChild(widget);
})();
