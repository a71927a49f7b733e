/* /docs: Swagger UI over /openapi.json, from files this server ships (no CDN, no validator). */
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("swagger-ui");
  box.textContent = "";
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // the default posts the document to a public validator
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
