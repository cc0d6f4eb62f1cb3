#!/usr/bin/env python3
"""Builds the fuzz targets' seed corpora under fuzz/corpus/<target>/ from the real fixtures.

Sources: the Zod parity corpus (tests/parity/corpus.jsonl), the discovery documents
(schemas/*.fields.json), the vendor webhook bodies, the RFC 9535 compliance suite and the Standard
Webhooks test vectors (tests/fixtures/). Each seed is written in its target's input format (see
the comment at the top of each fuzz_targets/*.rs). Signatures on seeds are computed here with the
standard library's hmac, so that the fuzzer starts from requests that verify.

Usage (from the workspace root or fuzz/): python3 fuzz/seed_corpus.py [--fixtures DIR]
"""

import argparse
import base64
import hashlib
import hmac
import json
import pathlib
import struct

FUZZ = pathlib.Path(__file__).resolve().parent
ROOT = FUZZ.parent

# The catalog's event names, sorted: validate_payload's first byte indexes this list.
EVENTS = sorted(p.name[: -len(".fields.json")] for p in (ROOT / "schemas").glob("*.fields.json"))

DECLARATIONS = [
    # The integration guide's example declaration, as the platform's tool call.
    {"tool": "events.declare", "input": {"name": "order.completed.v1", "source": "shopify",
     "webhookPath": "/webhooks/shopify/order-completed",
     "transform": {"eventId": "$.id", "occurredAt": "$.created_at", "brandId": "$.note_attributes.brand_id",
                   "email": "$.email"}}},
    {"name": "order.completed.v1", "source": "shopify", "webhookPath": "/webhooks/shopify/orders",
     "transform": {"eventId": {"path": "$.admin_graphql_api_id", "coerce": "uuid"},
                   "occurredAt": {"path": "$.created_at", "coerce": "datetime"},
                   "brandId": "$.note_attributes[?@.name=='brand_id'].value",
                   "platform": {"const": "shopify"}, "orderId": {"path": "$.id", "coerce": "string"},
                   "email": {"first": ["$.email", "$.contact_email", "$.customer.email"]},
                   "currency": "$.currency", "tags": {"path": "$.line_items[*].sku"}}},
    {"name": "lead.captured.v1", "source": "custom", "webhookPath": "/hooks/lead",
     "transform": {"occurredAt": "$.at", "email": "$.email", "source": {"const": "other"},
                   "attribution": {"path": "$.utm", "default": {}}}},
    {"name": "customer.created.v1", "source": "bigcommerce", "webhookPath": "/webhooks/bigcommerce/customers",
     "transform": {"occurredAt": {"path": "$.created_at", "coerce": "datetime"},
                   "customerId": {"path": "$.data.id", "coerce": "string"}, "platform": {"const": "bigcommerce"}}},
    {"name": "form.submitted.v1", "source": "typeform", "webhookPath": "/webhooks/typeform",
     "transform": {"eventId": {"path": "$.event_id", "coerce": "uuid"},
                   "occurredAt": {"path": "$.form_response.submitted_at", "coerce": "datetime"},
                   "provider": {"const": "typeform"}, "formId": "$.form_response.form_id",
                   "responseId": "$.form_response.token", "formTitle": "$.form_response.definition.title",
                   "email": {"first": ["$.form_response.answers[?@.type=='email'].email", "$.form_response.hidden.email"]},
                   "answers": {"path": "$.form_response.answers[*].type", "default": []},
                   "hidden": "$.form_response.hidden", "score": {"path": "$.form_response.calculated.score", "coerce": "number"}}},
    {"name": "booking.scheduled.v1", "source": "calendly", "webhookPath": "/webhooks/calendly",
     "transform": {"occurredAt": {"path": "$.created_at", "coerce": "datetime"}, "provider": {"const": "calendly"},
                   "email": "$.payload.email", "name": "$.payload.name", "bookingId": {"path": "$.payload.uri", "coerce": "string"},
                   "startTime": {"path": "$.payload.scheduled_event.start_time", "coerce": "datetime"},
                   "rescheduled": {"path": "$.payload.rescheduled", "coerce": "boolean", "default": False},
                   "tracking": "$.payload.tracking", "questionsAndAnswers": "$.payload.questions_and_answers[*].answer"}},
    {"name": "customer.created.v1", "source": "shopify", "webhookPath": "/webhooks/shopify/customers",
     "transform": {"eventId": {"path": "$.id", "coerce": "uuid"}, "occurredAt": {"path": "$.created_at", "coerce": "datetime"},
                   "platform": {"const": "shopify"}, "customerId": {"path": "$.id", "coerce": "string"},
                   "acceptsMarketing": {"path": "$.accepts_marketing", "coerce": "boolean"},
                   "tags": {"path": "$..tags"}, "phone": {"path": "$.phone", "coerce": "string"},
                   "firstName": {"path": "$.orders_count", "coerce": "integer"}}},
]

API_KEYS = [
    "lk_test_4f9c2a7e1b3d5f60a8c4e2d1", "lk_live_0123456789abcdef", "lk_dev_local_sandbox_key_0001",
    "lk_test_abc123", "lk_prod_0123456789abcdef", "sk_live_0123456789abcdef", "lk_test_0123456789abcdé",
    "Bearer lk_test_0123456789abcdef", "lk_live_Zx9_Qw-8Er7Ty6Ui5Op4", "lk_dev_" + "a" * 128, "",
]


def write(target, name, data):
    folder = FUZZ / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def parity_cases():
    with open(ROOT / "tests/parity/corpus.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def webhook_bodies(fixtures):
    out = {}
    for path in sorted((fixtures / "webhooks").rglob("*.json")):
        out[path.relative_to(fixtures / "webhooks").as_posix().replace("/", "_")] = path.read_bytes()
    return out


def seed_validate_payload(cases):
    # Every category, every event; the bulk (`fault`) thinned to every fourth case.
    for i, case in enumerate(cases):
        if "/fault/" in case["id"] and i % 4:
            continue
        write("validate_payload", f"{i:05}", bytes([EVENTS.index(case["event"])]) + case["input"].encode())


def seed_declaration_transform(bodies, fixtures):
    for d, declaration in enumerate(DECLARATIONS):
        text = json.dumps(declaration).encode()
        for name, body in bodies.items():
            write("declaration_transform", f"{d}-{name}", text + b"\0" + body)
    # Inputs kept as regressions (`tests/engine/fuzz_regressions.rs`), already in the target's format.
    for path in sorted((fixtures / "fuzz/declaration_transform").glob("*")):
        write("declaration_transform", f"regression-{path.name}", path.read_bytes())


def seed_jsonpath(fixtures):
    cts = json.load(open(fixtures / "jsonpath-cts/cts.json", encoding="utf-8"))
    selectors = {t["selector"] for t in cts["tests"]}
    for declaration in DECLARATIONS:
        transform = declaration.get("input", declaration)["transform"]
        for mapping in transform.values():
            if isinstance(mapping, str):
                selectors.add(mapping)
            elif "path" in mapping:
                selectors.add(mapping["path"])
            else:
                selectors.update(mapping.get("first", []))
    for i, selector in enumerate(sorted(selectors)):
        write("jsonpath_compile", f"{i:04}", selector.encode())


def seed_discovery(cases):
    by_event = {}
    for case in cases:
        by_event.setdefault(case["event"], []).append(case["input"])
    for path in sorted((ROOT / "schemas").glob("*.fields.json")):
        event = path.name[: -len(".fields.json")]
        document = path.read_bytes()
        inputs = by_event.get(event, [])
        picks = inputs[:: max(1, len(inputs) // 6)][:6] or ["{}"]
        for i, payload in enumerate(picks):
            write("discovery_document", f"{event}-{i}", document + b"\0" + payload.encode())


def seed_api_key():
    for i, key in enumerate(API_KEYS):
        write("api_key", f"{i:02}", b"\0" + key.encode())


def seed_inbound_signature(bodies):
    secret = b"hush"
    signed_at = 1_606_153_879
    for name, body in bodies.items():
        mac = hmac.new(secret, body, hashlib.sha256).digest()
        calendly = hmac.new(secret, str(signed_at).encode() + b"." + body, hashlib.sha256).hexdigest()
        values = [base64.b64encode(mac).decode(), "sha256=" + base64.b64encode(mac).decode(),
                  f"t={signed_at},v1={calendly}"]
        for scheme, value in enumerate(values):
            control = bytes([scheme, 2, 0]) + struct.pack("<qq", signed_at, signed_at + 60)
            write("inbound_signature", f"{scheme}-{name}", control + secret + b"\0" + value.encode() + b"\0" + body)


def seed_delivery_signature(fixtures, cases):
    vectors = json.load(open(fixtures / "standard-webhooks/test-vectors.json", encoding="utf-8"))
    for i, case in enumerate(vectors["verify_cases"]):
        control = b"\0" + struct.pack("<q", int(case["now"]))
        parts = [case["secret"], case["webhook_id"], case["webhook_timestamp"], case["webhook_signature"]]
        data = control + b"\0".join(p.encode() for p in parts) + b"\0" + case["payload"].encode()
        write("delivery_signature", f"vector-{i:02}", data)
    # Envelopes around the delivery events of the parity corpus, signed as the platform would.
    secret_text = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    key = base64.b64decode(secret_text[len("whsec_"):])
    picked = [c for c in cases if c["event"].startswith("message.") and c["id"].split("/")[1] in ("valid", "fault")]
    for i, case in enumerate(picked[:: max(1, len(picked) // 60)]):
        try:
            data = json.loads(case["input"])
        except ValueError:
            continue
        occurred = data.get("occurredAt") if isinstance(data, dict) else None
        envelope = {"type": case["event"], "timestamp": occurred if isinstance(occurred, str) else "2026-05-19T12:00:00Z",
                    "data": data}
        body = json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()
        msg_id, timestamp = f"msg_{i}", 1_779_192_000
        tag = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
        signature = "v1," + base64.b64encode(tag).decode()
        control = b"\0" + struct.pack("<q", timestamp + 5)
        parts = [secret_text, msg_id, str(timestamp), signature]
        write("delivery_signature", f"envelope-{i:02}", control + b"\0".join(p.encode() for p in parts) + b"\0" + body)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=pathlib.Path, default=ROOT / "tests/fixtures")
    fixtures = parser.parse_args().fixtures
    cases = parity_cases()
    bodies = webhook_bodies(fixtures)
    seed_validate_payload(cases)
    seed_declaration_transform(bodies, fixtures)
    seed_jsonpath(fixtures)
    seed_discovery(cases)
    seed_api_key()
    seed_inbound_signature(bodies)
    seed_delivery_signature(fixtures, cases)
    for folder in sorted((FUZZ / "corpus").iterdir()):
        files = list(folder.iterdir())
        print(f"{folder.name}: {len(files)} seeds, {sum(f.stat().st_size for f in files)} bytes")


if __name__ == "__main__":
    main()
