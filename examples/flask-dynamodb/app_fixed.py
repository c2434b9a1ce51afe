"""A correct fix for app.py.

- Every bearer token maps to a principal (a user_id); a request without a
  known token gets 401.
- A principal reads only its own record. Any other user_id gets the same
  404 as a record that does not exist, so the answer does not even confirm
  that the other user exists.
- Errors are logged server-side; the client gets a generic body.

Tokens come from API_TOKENS ("token=user_id,token=user_id"); the default
maps alice-token to 1001 and bob-token to 1002 for the demo. A real service
would verify a signed session or an OAuth access token instead.
"""

import hmac
import logging
import os

from botocore.exceptions import ClientError
from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

import db

DEFAULT_API_TOKENS = 'alice-token=1001,bob-token=1002'

app = Flask(__name__)
log = logging.getLogger(__name__)
table = db.table()


def load_tokens(spec):
    """Parse "token=user_id,..." into a token -> user_id dict."""
    tokens = {}
    for pair in spec.split(','):
        token, sep, user_id = pair.strip().partition('=')
        if sep and token and user_id:
            tokens[token] = user_id
    return tokens


TOKENS = load_tokens(os.environ.get('API_TOKENS', DEFAULT_API_TOKENS))


def principal():
    """Return the user_id the request's bearer token belongs to, or None."""
    scheme, _, token = request.headers.get('Authorization', '').partition(' ')
    if scheme.lower() != 'bearer' or not token:
        return None
    # Compare against every token in constant time so the response time
    # does not reveal how much of a guessed token was right.
    found = None
    for known, user_id in TOKENS.items():
        if hmac.compare_digest(token.encode(), known.encode()):
            found = user_id
    return found


def error(message, status):
    return jsonify({'error': message}), status


@app.route('/user')
def get_user():
    caller = principal()
    if caller is None:
        body, status = error('unauthorized', 401)
        return body, status, {'WWW-Authenticate': 'Bearer'}

    user_id = request.args.get('user_id', '')
    if not user_id:
        return error('user_id is required', 400)
    if user_id != caller:
        return error('not found', 404)
    try:
        response = table.get_item(Key={'user_id': user_id})
    except ClientError:
        log.exception('get_item failed for user %s', caller)
        return error('internal error', 500)
    item = response.get('Item')
    if item is None:
        return error('not found', 404)
    return jsonify(item)


@app.errorhandler(HTTPException)
def http_error(e):
    # Keep framework errors (unknown route, bad method) JSON and terse.
    return error(e.name.lower(), e.code)


@app.errorhandler(Exception)
def unexpected_error(e):
    log.exception('unhandled error')
    return error('internal error', 500)


if __name__ == '__main__':
    logging.basicConfig(level=logging.INFO)
    app.run(host='127.0.0.1', port=db.port())
