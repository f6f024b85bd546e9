"""A Flask application: a JSON route that also writes a temporary file."""
import hashlib
import tempfile

import flask

app = flask.Flask(__name__)


@app.route("/hello/<name>")
def hello(name):
    with tempfile.NamedTemporaryFile() as f:
        f.write(b"x")
        f.flush()
        with open(f.name, "rb") as again:
            digest = hashlib.sha256(again.read()).hexdigest()[:8]
    return flask.jsonify(hello=name, flask=flask.__version__.split(".")[0], sha256=digest)


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=8080)
