#!/usr/bin/env python3
"""Works a deal through the SalesWorkflow server, knowing nothing of it but its OpenAPI document.

Every request is built from docs/openapi.json: the operation is found by its operationId, its method and path
template come from the document, path and query parameters are checked against the ones it declares, and answers
are checked against the statuses it lists. Only the Python standard library is used.

    python3 samples/api-client/work_a_deal.py --base http://localhost:5080 --token "$TOKEN" [--openapi docs/openapi.json]
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class Api:
    def __init__(self, document, base, token):
        self.base = base.rstrip("/")
        self.token = token
        self.operations = {}
        for path, item in document["paths"].items():
            for method, operation in item.items():
                self.operations[operation["operationId"]] = (method.upper(), path, operation)

    def call(self, operation_id, path=None, query=None, body=None, idempotency_key=None):
        method, template, operation = self.operations[operation_id]
        declared = {p["name"]: p for p in operation.get("parameters", [])}
        for name, value in (path or {}).items():
            if declared.get(name, {}).get("in") != "path":
                raise SystemExit(f"{operation_id} has no path parameter {name}")
            template = template.replace("{" + name + "}", urllib.parse.quote(value, safe=""))
        if "{" in template:
            raise SystemExit(f"{operation_id}: path parameters missing in {template}")
        for name in (query or {}):
            if declared.get(name, {}).get("in") != "query":
                raise SystemExit(f"{operation_id} has no query parameter {name}")
        url = self.base + template + ("?" + urllib.parse.urlencode(query) if query else "")
        headers = {"Authorization": "Bearer " + self.token, "Accept": "application/json"}
        data = None
        if body is not None:
            if "requestBody" not in operation:
                raise SystemExit(f"{operation_id} takes no body")
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode()
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        request = urllib.request.Request(url, data=data, headers=headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode()
        if str(status) not in operation["responses"]:
            raise SystemExit(f"{operation_id} answered {status}, which the document does not list: {text[:300]}")
        return status, json.loads(text) if text else None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--openapi", default="docs/openapi.json")
    parser.add_argument("--deal", default="S-" + str(int(time.time() * 1000)))
    args = parser.parse_args()
    with open(args.openapi, encoding="utf-8") as f:
        api = Api(json.load(f), args.base, args.token)

    status, page = api.call("ListDeals", query={"status": "open", "blocked": "true", "limit": 3})
    print(f"ListDeals: {status}, {len(page['deals'])} blocked open deals on this page")

    deal = args.deal
    status, started = api.call("StartDeal", body={
        "dealId": deal, "processId": "standard-b2b",
        "opportunity": {"name": "Sample " + deal, "amount": 90000, "accountId": "acme"},
        "account": {"id": "acme", "industry": "manufacturing"}}, idempotency_key="start-" + deal)
    print(f"StartDeal {deal}: {status}, stage {started['stage']}")

    status, refused = api.call("AdvanceDeal", path={"dealId": deal}, body={})
    assert status == 422 and refused["code"] == "gate-failed", (status, refused)
    print(f"AdvanceDeal: {status} {refused['code']}: {refused['detail']}")

    for item in refused.get("missingChecklist", []):
        status, _ = api.call("CompleteChecklistItem", path={"dealId": deal, "item": item}, idempotency_key=f"{deal}-{item}")
        print(f"CompleteChecklistItem {item}: {status}")
    status, _ = api.call("UpdateFacts", path={"dealId": deal}, body={
        "contacts": [{"id": "c1", "name": "Wang", "lastContactedAt": "2026-12-01T09:00:00Z"}]}, idempotency_key=deal + "-contact")
    print(f"UpdateFacts (a contact): {status}")

    status, advanced = api.call("AdvanceDeal", path={"dealId": deal}, body={}, idempotency_key=deal + "-advance")
    assert status == 200, (status, advanced)
    status, replayed = api.call("AdvanceDeal", path={"dealId": deal}, body={}, idempotency_key=deal + "-advance")
    assert replayed["status"] == "duplicate" and replayed["stage"] == advanced["stage"], replayed
    print(f"AdvanceDeal: {status}, now in {advanced['stage']} (a retry with the same key: {replayed['status']})")

    status, history = api.call("GetHistory", path={"dealId": deal})
    print(f"GetHistory: {status}, {len(history)} events, by {sorted({e.get('actor') or '(engine)' for e in history})}")
    status, feed = api.call("ReadEvents", query={"after": 0, "limit": 5})
    print(f"ReadEvents: {status}, next cursor {feed['next']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
