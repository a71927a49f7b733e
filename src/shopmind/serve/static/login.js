/* Dashboard sign-in: the key goes to POST /dashboard/login, which keeps it in an HttpOnly cookie.
 * A link "…/dashboard/login#key=sm_…" (printed by `shopmind demo`) signs in at once: the fragment
 * never reaches the server or its log, and is removed from the address bar before anything else. */
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  function nextPage() {
    const next = ($("login") && $("login").dataset.next) || "";
    return /^\/dashboard\/[a-z]+$/.test(next) ? next : "/dashboard/quality";
  }

  async function signIn(key) {
    const err = $("login-error");
    err.hidden = true;
    try {
      await SM.api("/dashboard/login", { method: "POST", json: { key: key }, storefront: false });
    } catch (e) {
      // the API words its refusal in English for programs; the page says it in the reader's language
      err.textContent = e.status === 403 ? SM.t("dash.login.forbidden") : e.status === 401 ? SM.t("dash.login.invalid") : e.message;
      err.hidden = false;
      return false;
    }
    window.location.replace(nextPage());
    return true;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = $("login-form");
    if (!form) return;
    const fromLink = () => {
      const key = new URLSearchParams(window.location.hash.slice(1)).get("key");
      if (!key) return;
      history.replaceState(null, "", window.location.pathname + window.location.search);
      signIn(key);
    };
    fromLink();
    window.addEventListener("hashchange", fromLink); // a second link opened in the same tab
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      const key = $("login-key").value.trim();
      if (key) signIn(key);
    });
  });
})();
