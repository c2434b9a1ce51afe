"""The commonly published "fix" for app.py: still broken.

It adds a bearer-token check, but against a constant, so the token
identifies no one; then it compares the item's user_id with the *requested*
user_id, which is always equal because the item was fetched by that very
key. Any token holder still reads any user's record (BOLA, CWE-639).

API_TOKEN is the constant (default s3cr3t-token). It may list several
tokens separated by commas, as a service with several users has (alice's,
bob's): each is just as good as the others, none is bound to a user, so
alice's token reads bob's record. That is the check "binds nothing to the
caller" of the article, with more than one caller.

Error handling as the typical published version has it: the DynamoDB
message is no longer echoed, a generic message is returned instead.
Do not deploy.
"""

import os

from botocore.exceptions import ClientError
from flask import Flask, jsonify, request

import db

app = Flask(__name__)
table = db.table()

API_TOKENS = {t.strip() for t in os.environ.get('API_TOKEN', 's3cr3t-token').split(',') if t.strip()}


@app.route('/user')
def get_user():
    auth = request.headers.get('Authorization', '')
    if auth not in {f'Bearer {token}' for token in API_TOKENS}:
        return jsonify({'error': 'unauthorized'}), 401

    user_id = request.args.get('user_id')
    if not user_id:
        return jsonify({'error': 'user_id is required'}), 400
    try:
        response = table.get_item(Key={'user_id': user_id})
    except ClientError:
        return jsonify({'error': 'could not fetch user'}), 500
    item = response.get('Item')
    if item is None:
        return jsonify({'error': 'not found'}), 404
    # The "ownership" check: compares the record with the request that
    # fetched it, not with the caller. It can never fail.
    if item['user_id'] != user_id:
        return jsonify({'error': 'forbidden'}), 403
    return jsonify(item)


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=db.port())
