"""A Flask application signing people in with Stepup the way Authlib's documentation shows.

The test in test/stock_rp_authlib.test.ts runs it; it reads its settings from the environment.
"""

import os

from authlib.integrations.flask_client import OAuth
from flask import Flask, jsonify, redirect, session, url_for

app = Flask(__name__)
app.secret_key = os.environ["FLASK_SECRET_KEY"]

oauth = OAuth(app)
oauth.register(
    "stepup",
    server_metadata_url=f"{os.environ['STEPUP_ISSUER']}/.well-known/openid-configuration",
    client_id=os.environ["STEPUP_CLIENT_ID"],
    client_secret=os.environ["STEPUP_CLIENT_SECRET"],
    client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
)


@app.route("/")
def home():
    # what the application knows about the person: the ID token's claims, or nothing
    return jsonify(session.get("user"))


@app.route("/login")
def login():
    return oauth.stepup.authorize_redirect(url_for("callback", _external=True))


@app.route("/callback")
def callback():
    token = oauth.stepup.authorize_access_token()
    session["user"] = token["userinfo"]
    return redirect(url_for("home"))


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
