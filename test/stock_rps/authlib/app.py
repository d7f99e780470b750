"""A Flask application signing people in with Stepup the way Authlib's documentation shows.

The test in test/stock_rp_authlib.test.ts runs it; it reads its settings from the environment.
"""

import os

from authlib.integrations.flask_client import OAuth
from flask import Flask, jsonify, redirect, session, url_for
from werkzeug.datastructures import WWWAuthenticate

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]

oauth = OAuth(app)
oauth.register(
    "stepup",
    server_metadata_url=f"{os.environ['STEPUP_ISSUER']}/.well-known/openid-configuration",
    client_id=os.environ["STEPUP_CLIENT_ID"],
    client_secret=os.environ["STEPUP_CLIENT_SECRET"],
    client_kwargs={"scope": os.environ.get("STEPUP_SCOPE", "openid email profile"), "code_challenge_method": "S256"},
)

# With STEPUP_API set, the application also calls an API protected by Stepup's resource-server
# kit (its URL is STEPUP_RESOURCE at Stepup) and follows its RFC 9470 step-up challenge.
API = os.environ.get("STEPUP_API")
RESOURCE = {"resource": os.environ["STEPUP_RESOURCE"]} if API else {}


@app.route("/")
def home():
    # what the application knows about the person: the ID token's claims, or nothing
    return jsonify(session.get("user"))


@app.route("/login")
def login():
    return oauth.stepup.authorize_redirect(url_for("callback", _external=True), **RESOURCE)


@app.route("/callback")
def callback():
    token = oauth.stepup.authorize_access_token(**RESOURCE)
    session["user"] = token["userinfo"]
    # the access token alone: the whole token would not fit in Flask's cookie session
    session["access_token"] = token["access_token"]
    if session.pop("waiting", None) == "transfer":
        return transfer()
    return redirect(url_for("home"))


@app.route("/transfer", methods=["POST"])
def transfer():
    answer = oauth.stepup.post(f"{API}/transfers", token={"access_token": session["access_token"], "token_type": "Bearer"})
    challenge = WWWAuthenticate.from_header(answer.headers.get("WWW-Authenticate"))
    if answer.status_code == 401 and challenge and challenge.parameters.get("error") == "insufficient_user_authentication":
        # sign in again with what the API asked for (RFC 9470 section 4), then make the call again
        session["waiting"] = "transfer"
        asked = {name: challenge.parameters[name] for name in ("acr_values", "max_age") if name in challenge.parameters}
        return oauth.stepup.authorize_redirect(url_for("callback", _external=True), **RESOURCE, **asked)
    return jsonify(status=answer.status_code, body=answer.json(), acr=session["user"]["acr"])


@app.route("/transfer-form")
def transfer_form():
    return '<form method="post" action="/transfer"><button>Send 120.00 EUR to ACME</button></form>'


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
