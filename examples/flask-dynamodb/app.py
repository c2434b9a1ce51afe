"""The vulnerable original: the route authgate was built to catch.

GET /user?user_id=... reads a DynamoDB item by a query parameter with no
authentication at all, so anyone can enumerate every user's record; and a
DynamoDB ClientError is returned verbatim with status 500, leaking backend
details (CWE-306, CWE-639, CWE-209). Do not deploy.
"""

from botocore.exceptions import ClientError
from flask import Flask, jsonify, request

import db

app = Flask(__name__)
table = db.table()


@app.route('/user')
def get_user():
    user_id = request.args['user_id']
    try:
        response = table.get_item(Key={'user_id': user_id})
    except ClientError as e:
        return jsonify({'error': str(e)}), 500
    item = response.get('Item')
    if item is None:
        return jsonify({'error': 'not found'}), 404
    return jsonify(item)


if __name__ == '__main__':
    app.run(host='127.0.0.1', port=db.port())
