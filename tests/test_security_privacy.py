"""Issue 10 item 4 and issue 15: personal data never leaves in the clear — the masking and
pseudonym functions (property tests), the command line's private workspace and masked
quarantine, and autocomplete that never suggests a past query holding contact details.
Split from test_security.py (the report, keys per route, headers and logs stay there)."""

from __future__ import annotations

import json
import re
import stat

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shopmind.privacy import mask_payload, mask_pii, pseudonymise, workspace_secret
from test_security import EMAIL, PHONE

# ------------------------------------------------------------------ privacy functions

emails = st.from_regex(r"[a-z][a-z0-9._]{1,12}@[a-z]{2,10}\.(com|org|de|cn)", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(before=st.text(max_size=30), email=emails, after=st.text(max_size=30))
def test_mask_pii_never_leaves_an_email(before, email, after):
    out = mask_pii(f"{before} {email} {after}")
    assert email not in out
    assert mask_pii(out) == out  # masking is idempotent


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="@0123456789"), max_size=60))
def test_mask_pii_keeps_text_without_contacts(text):
    assert mask_pii(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-22T10:00:00Z",
        "EAN 4006381333931",
        "price 1,299.00",
        "10 x 20 x 30 cm",
        "192.168.10.10",
        "P12345",
    ],
)
def test_mask_pii_leaves_dates_codes_and_sizes(text):
    assert mask_pii(text) == text


@pytest.mark.parametrize(
    "phone", ["+44 20 7946 0958", "020-7946-0958", "(555) 123-4567", "+86 138 0013 8000"]
)
def test_mask_pii_masks_phone_numbers(phone):
    out = mask_pii(f"call {phone} today")
    assert phone not in out and out.startswith("call ") and out.endswith(" today")
    assert out[5:-6].endswith(re.sub(r"\D", "", phone)[-2:])


def test_pseudonyms_are_stable_keyed_and_irreversible():
    a, b = b"k" * 32, b"j" * 32
    assert pseudonymise("u1", a) == pseudonymise("u1", a) != pseudonymise("u2", a)
    assert pseudonymise("u1", a) != pseudonymise("u1", b)
    assert "u1" not in pseudonymise("u1", a) and len(pseudonymise("u1", a)) == 13
    payload = json.dumps({"user_id": "u1", "email": EMAIL, "title": f"mail {EMAIL}", "n": 3})
    masked = json.loads(mask_payload(payload, a))
    assert masked == {"user_id": pseudonymise("u1", a), "email": "***", "title": "mail j***@***.org", "n": 3}


# ------------------------------------------------------------------ 10.4 the command line


def test_cli_creates_a_private_workspace_and_masks_the_quarantine(tmp_path):
    import subprocess
    import sys

    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "products.csv").write_text(
        "product_id,title,price,currency\nP1,red lamp,10,USD\n", encoding="utf-8"
    )
    (shop / "events.csv").write_text(
        "event_id,type,user_id,session_id,item_id,timestamp\n"
        f"E1,view,{EMAIL},s1,P1,2026-11-01T10:00:00Z\n"
        f"E2,view,{EMAIL},s1,P1,0001-01-01T00:00:00Z\n",
        encoding="utf-8",
    )

    def cli(*args: str) -> str:
        r = subprocess.run(
            [sys.executable, "-m", "shopmind.cli", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stdout + r.stderr
        return r.stdout

    cli("ingest", "shop", "--format", "canonical", "--workspace", "ws")
    ws = tmp_path / "ws"
    assert stat.S_IMODE(ws.stat().st_mode) == 0o700
    for p in [ws / "shopmind.duckdb", *(ws / "reports").iterdir()]:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    masked = cli("quarantine", "--workspace", "ws", "--json")
    assert "TS_IMPLAUSIBLE" in masked and EMAIL not in masked
    assert pseudonymise(EMAIL, workspace_secret(ws)) in masked
    # privacy by default (issue 15): the store never held the raw id, so --show-pii shows its pseudonym
    shown = cli("quarantine", "--workspace", "ws", "--json", "--show-pii")
    assert EMAIL not in shown and pseudonymise(EMAIL, workspace_secret(ws)) in shown


def test_autocomplete_never_suggests_a_query_with_contact_details():
    """Found by bench/attack_web.py: past searches are suggested to every visitor, and customers
    type e-mail addresses and phone numbers into the search box."""
    from shopmind.search.autocomplete import Autocomplete

    ac = Autocomplete()
    events = pl.DataFrame(
        {
            "type": ["search"] * 4,
            "query": [f"kettle {EMAIL}", f"kettle call {PHONE}", "kettle steel", "kettle steel"],
        }
    )
    ac.add_queries(events)
    ac.add_query_counts({f"kettle for {EMAIL}": 5.0, "kettle 1.7l": 2.0})
    shown = [s.text for s in ac.suggest("kettle", k=20)]
    assert "kettle steel" in shown and "kettle 1.7l" in shown
    assert not [s for s in shown if EMAIL in s or "7946" in s], shown
