"""Optional generative phrasing through an OpenAI-compatible chat endpoint (off by default).

The shop configures it in its TOML (``[assistant] phraser_url = "http://127.0.0.1:8080/v1"``,
``phraser_model``, ``phraser_timeout``; no default URL, nothing is downloaded). shopmind still
retrieves the facts and composes the template answer; the endpoint only rewrites that answer
given the facts. The caller runs the guard on what comes back and keeps the template when the
generated text names a number, date or id that is not in the facts, or when the endpoint fails.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass

#: The ``[assistant]`` table's settings (``shopmind serve --config`` refuses any other key).
PHRASER_KEYS = ("phraser_url", "phraser_model", "phraser_timeout", "phraser_api_key")


@dataclass(frozen=True)
class PhraserConfig:
    url: str
    model: str = "default"
    timeout: float = 5.0
    api_key: str | None = None

    @classmethod
    def from_table(cls, table: dict[str, object] | None) -> PhraserConfig | None:
        """From the shop TOML's ``[assistant]`` table; None when ``phraser_url`` is absent."""
        if not table or not table.get("phraser_url"):
            return None
        url = table["phraser_url"]
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ValueError(f"[assistant] phraser_url must be an http(s) URL, not {url!r}")
        timeout = table.get("phraser_timeout", 5.0)
        if not isinstance(timeout, int | float) or isinstance(timeout, bool) or timeout <= 0:
            raise ValueError(f"[assistant] phraser_timeout must be a positive number, not {timeout!r}")
        for key in ("phraser_model", "phraser_api_key"):  # `phraser_api_key = 123` was sent as "123"
            if key in table and not isinstance(table[key], str):
                raise ValueError(f"[assistant] {key} must be text, not {table[key]!r}")
        return cls(url.rstrip("/"), str(table.get("phraser_model", "default")), float(timeout), table.get("phraser_api_key"))  # type: ignore[arg-type]  # fmt: skip


class PhraserError(RuntimeError):
    """The endpoint failed or answered something that is not a chat completion."""


def phrase(cfg: PhraserConfig, message: str, template: str, facts: list[str], lang: str) -> str:
    """The endpoint's rewording of ``template`` (raises ``PhraserError`` on any failure)."""
    system = (
        "You are a shop's customer-service assistant. Rewrite the draft answer to sound natural, "
        f"in {'Chinese' if lang == 'zh' else 'English'}. Use only these facts; never add a number, "
        "date, price or product id that is not in them.\nFacts:\n" + "\n".join(f"- {f}" for f in facts)
    )
    body = {
        "model": cfg.model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": f"Customer: {message}\nDraft answer: {template}"},
        ],
        "temperature": 0,
    }
    headers = {"Content-Type": "application/json"}
    if cfg.api_key:
        headers["Authorization"] = f"Bearer {cfg.api_key}"
    req = urllib.request.Request(f"{cfg.url}/chat/completions", json.dumps(body).encode(), headers)
    try:
        with urllib.request.urlopen(req, timeout=cfg.timeout) as resp:  # noqa: S310 - configured URL
            data = json.loads(resp.read())
        text = data["choices"][0]["message"]["content"]
    except (urllib.error.URLError, TimeoutError, ValueError, KeyError, IndexError, TypeError) as e:
        raise PhraserError(f"phraser {cfg.url}: {type(e).__name__}: {e}") from e
    if not isinstance(text, str) or not text.strip():
        raise PhraserError(f"phraser {cfg.url}: empty answer")
    return text.strip()
