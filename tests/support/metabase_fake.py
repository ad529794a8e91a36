#!/usr/bin/env python3
"""A stand-in for the few Metabase REST endpoints docker/metabase/setup.sh uses.

It checks OUR SCRIPT'S REQUESTS against the request shapes read in Metabase's source (the
files are named in setup.sh's header), keeps just enough state for a second run to find what
the first one made, and logs every request as one JSON line. It is not Metabase: passing
against it says nothing about how a real Metabase answers.

  metabase_fake.py --port-file FILE --log FILE [--unhealthy N]

Listens on 127.0.0.1 on a free port (written to FILE). --unhealthy N: the first N health
checks answer 503 "initializing", as Metabase does while it starts. Test hooks:
POST /__fake/archive-card/ID archives a question and takes it off the dashboards.
"""
import argparse
import os
import itertools
import json
import re
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SETUP_TOKEN = "3f7c1d2e-setup-token"
VALID_ENGINES = {"postgres", "h2"}
CARD_FILTERS = {"all", "mine", "bookmarked", "database", "table", "using_model", "using_segment", "archived"}
# GET /api/collection/root/items takes a closed set of query parameters (collections_rest/api.clj).
ROOT_ITEMS_PARAMS = {"models", "collection-type", "archived", "namespace", "include-library", "pinned-state",
                     "sort-column", "sort-direction", "official-collections-first", "show-dashboard-questions",
                     "show-exploration-documents", "q", "include-available-models"}
DASHBOARD_CREATE_KEYS = {"name", "description", "parameters", "cache_ttl", "collection_id", "collection_position"}


class Bad(Exception):
    def __init__(self, status, body):
        super().__init__(status)
        self.status = status
        self.body = body


def need(condition, field, message):
    if not condition:
        raise Bad(400, {"errors": {field: message}})


def non_blank(value):
    return isinstance(value, str) and value.strip() != ""


class State:
    def __init__(self, unhealthy):
        self.lock = threading.Lock()
        self.ids = itertools.count(1)
        self.unhealthy = unhealthy
        self.user = None          # {"email", "password"}
        self.sessions = set()
        self.databases = {}
        self.cards = {}
        self.dashboards = {}

    def handle(self, method, path, query, body, session):
        if path == "/api/health":
            if self.unhealthy > 0:
                self.unhealthy -= 1
                return 503, {"status": "initializing", "progress": 0.5}
            return 200, {"status": "ok"}
        if (method, path) == ("GET", "/api/session/properties"):
            return 200, {"has-user-setup": self.user is not None,
                         "setup-token": None if self.user else SETUP_TOKEN,
                         "available-locales": [["en", "English"]]}
        if (method, path) == ("POST", "/api/setup"):
            return self.setup(body)
        if (method, path) == ("POST", "/api/session"):
            need(isinstance(body, dict) and non_blank(body.get("username")), "username", "value must be a non-blank string.")
            need(non_blank(body.get("password")), "password", "value must be a non-blank string.")
            if self.user is None or body["username"].lower() != self.user["email"] or body["password"] != self.user["password"]:
                return 401, {"errors": {"password": "did not match stored password"}}
            return 200, {"id": self.new_session()}
        if path.startswith("/__fake/archive-card/"):
            card_id = int(path.rsplit("/", 1)[1])
            self.cards[card_id]["archived"] = True
            for dashboard in self.dashboards.values():
                dashboard["dashcards"] = [d for d in dashboard["dashcards"] if d["card_id"] != card_id]
            return 200, {}
        if session not in self.sessions:
            return 401, "Unauthenticated"
        return self.authenticated(method, path, query, body)

    def new_session(self):
        session = f"session-{next(self.ids)}"
        self.sessions.add(session)
        return session

    def setup(self, body):
        if self.user is not None:
            return 403, "The /api/setup route can only be used to create the first user, however a user currently exists."
        need(isinstance(body, dict) and body.get("token") == SETUP_TOKEN, "token", "Token does not match the setup token.")
        user, prefs = body.get("user"), body.get("prefs")
        need(isinstance(user, dict), "user", "missing required key")
        need(isinstance(user.get("email"), str) and re.fullmatch(r"[^@\s]+@[^@\s]+\.[a-z]+", user["email"]),
             "email", "value must be a valid email address.")
        password = user.get("password")
        # Metabase's default password complexity ("normal"): 6 characters, one a digit.
        need(isinstance(password, str) and len(password) >= 6 and re.search(r"\d", password),
             "password", "password is too common.")
        need(isinstance(prefs, dict) and non_blank(prefs.get("site_name")), "site_name", "value must be a non-blank string.")
        need(set(body) <= {"token", "user", "prefs"}, "database", "POST /api/setup no longer takes a database")
        self.user = {"email": user["email"].lower(), "password": password}
        return 200, {"id": self.new_session()}

    def authenticated(self, method, path, query, body):
        if (method, path) == ("GET", "/api/database"):
            data = list(self.databases.values())
            return 200, {"data": data, "total": len(data)}
        if (method, path) == ("POST", "/api/database"):
            need(isinstance(body, dict) and non_blank(body.get("name")), "name", "value must be a non-blank string.")
            need(body.get("engine") in VALID_ENGINES, "engine", "value must be a valid database engine.")
            details = body.get("details")
            need(isinstance(details, dict), "details", "value must be a map.")
            # Metabase tests the connection before it saves anything: 400 with the driver's message.
            if not (non_blank(details.get("host")) and isinstance(details.get("port"), int)
                    and non_blank(details.get("dbname")) and non_blank(details.get("user"))):
                return 400, {"message": "Unable to connect to database."}
            database = {"id": next(self.ids), "name": body["name"], "engine": body["engine"], "details": details}
            self.databases[database["id"]] = database
            return 200, database
        if (method, path) == ("GET", "/api/card"):
            f = query.get("f", ["all"])[0]
            need(f in CARD_FILTERS, "f", "invalid filter option")
            cards = [c for c in self.cards.values() if not c["archived"]]
            if f == "database":
                need("model_id" in query, "model_id", "model_id is a required parameter when filter mode is 'database'")
                cards = [c for c in cards if c["database_id"] == int(query["model_id"][0])]
            return 200, cards
        if (method, path) == ("POST", "/api/card"):
            return self.create_card(body)
        if (method, path) == ("GET", "/api/collection/root/items"):
            need(set(query) <= ROOT_ITEMS_PARAMS, "query", f"unknown parameters {sorted(set(query) - ROOT_ITEMS_PARAMS)}")
            models = set(query.get("models", []))
            data = [{"id": d["id"], "name": d["name"], "model": "dashboard"} for d in self.dashboards.values()
                    if not models or "dashboard" in models]
            data += [{"id": c["id"], "name": c["name"], "model": "card"} for c in self.cards.values()
                     if not c["archived"] and (not models or "card" in models)]
            return 200, {"data": data, "total": len(data), "models": sorted(models)}
        if (method, path) == ("POST", "/api/dashboard"):
            need(isinstance(body, dict) and non_blank(body.get("name")), "name", "value must be a non-blank string.")
            need(set(body) <= DASHBOARD_CREATE_KEYS, "body", f"unknown keys {sorted(set(body) - DASHBOARD_CREATE_KEYS)}")
            dashboard = {"id": next(self.ids), "name": body["name"], "description": body.get("description"),
                         "dashcards": [], "tabs": []}
            self.dashboards[dashboard["id"]] = dashboard
            return 200, dashboard
        match = re.fullmatch(r"/api/dashboard/(\d+)", path)
        if match and int(match.group(1)) in self.dashboards:
            dashboard = self.dashboards[int(match.group(1))]
            if method == "GET":
                return 200, dashboard
            if method == "PUT":
                return self.update_dashboard(dashboard, body)
        return 404, "API endpoint does not exist."

    def create_card(self, body):
        need(isinstance(body, dict), "body", "value must be a map.")
        for key in ("name", "display"):
            need(non_blank(body.get(key)), key, "value must be a non-blank string.")
        for key in ("dataset_query", "visualization_settings"):
            need(isinstance(body.get(key), dict), key, "value must be a map.")
        query = body["dataset_query"]
        need(query.get("database") in self.databases, "dataset_query", "no such database")
        need(query.get("type") == "native" and isinstance(query.get("native"), dict)
             and non_blank(query["native"].get("query")), "dataset_query", "a native query")
        need(body.get("type", "question") in {"question", "model", "metric"}, "type", "a card type")
        card = {"id": next(self.ids), "name": body["name"], "display": body["display"], "archived": False,
                "database_id": query["database"], "dataset_query": query,
                "visualization_settings": body["visualization_settings"]}
        self.cards[card["id"]] = card
        return 200, card

    def update_dashboard(self, dashboard, body):
        need(isinstance(body, dict), "body", "value must be a map.")
        if "dashcards" not in body:
            return 200, dashboard
        dashcards = body["dashcards"]
        need(isinstance(dashcards, list), "dashcards", "a sequence")
        ids = [d.get("id") for d in dashcards]
        need(len(set(ids)) == len(ids), "dashcards", "value must be a sequence of maps with unique id")
        current = {d["id"]: d for d in dashboard["dashcards"]}
        result = []
        for d in dashcards:
            need(isinstance(d.get("id"), int), "id", "an integer")
            for key in ("size_x", "size_y"):
                need(isinstance(d.get(key), int) and d[key] > 0, key, "value must be an integer greater than zero.")
            for key in ("row", "col"):
                need(isinstance(d.get(key), int) and d[key] >= 0, key, "value must be an integer greater than or equal to 0.")
            if d["id"] < 0:
                need(d.get("card_id") in self.cards, "card_id", "no such card")
                new = dict(d, id=next(self.ids))
            else:
                need(d["id"] in current, "id", "not a dashcard of this dashboard")
                new = dict(current[d["id"]], **d)
            result.append({"id": new["id"], "card_id": new["card_id"], "row": new["row"], "col": new["col"],
                           "size_x": new["size_x"], "size_y": new["size_y"], "dashboard_tab_id": None,
                           "series": [], "parameter_mappings": [], "visualization_settings": {}})
        dashboard["dashcards"] = result  # the ones left out are deleted, as Metabase does
        return 200, dashboard


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--unhealthy", type=int, default=0)
    options = parser.parse_args()
    state = State(options.unhealthy)
    log = open(options.log, "a", buffering=1)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def serve(self, method):
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            session = self.headers.get("X-Metabase-Session")
            body, status, response = None, None, None
            try:
                if raw:
                    if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                        raise Bad(400, "The Metabase API only supports JSON request bodies")
                    try:
                        body = json.loads(raw)
                    except ValueError:
                        raise Bad(400, "body is not JSON")
                with state.lock:
                    status, response = state.handle(method, url.path, query, body, session)
            except Bad as bad:
                status, response = bad.status, bad.body
            log.write(json.dumps({"method": method, "path": url.path, "query": query, "session": session is not None,
                                  "body": body, "raw": raw.decode("utf-8", "replace"), "status": status}) + "\n")
            payload = (json.dumps(response) if not isinstance(response, str) else response).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if not isinstance(response, str) else "text/plain")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self):
            self.serve("GET")

        def do_POST(self):
            self.serve("POST")

        def do_PUT(self):
            self.serve("PUT")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(options.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(options.port_file + ".tmp", options.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
