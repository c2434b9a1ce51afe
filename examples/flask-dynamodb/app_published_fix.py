"""The commonly published "fix" for app.py: still broken.

It adds a bearer-token check, but against ONE shared constant, so the token
identifies no one; then it compares the item's user_id with the *requested*
user_id, which is always equal because the item was fetched by that very
key. Any token holder still reads any user's record (BOLA, CWE-639).

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

API_TOKEN = os.environ.get('API_TOKEN', 's3cr3t-token')


@app.route('/user')
def get_user():
    auth = request.headers.get('Authorization', '')
    if auth != f'Bearer {API_TOKEN}':
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
