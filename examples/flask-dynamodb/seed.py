"""Create the users table and load five realistic personal records.

Idempotent: an existing table is reused and the items are overwritten, so
the script can run before every manual session or test.

    DYNAMODB_ENDPOINT=http://127.0.0.1:4567 /usr/bin/python3 seed.py
    DYNAMODB_TABLE=two_users /usr/bin/python3 seed.py --users 2   # alice and bob only

--users N loads only the first N records: with 2, the table holds alice
(1001) and bob (1002) and nobody else, the founding case of issue 10, where
a scan has no third person's record to guess its way to.
"""

import argparse
import sys

from botocore.exceptions import ClientError

import db

# Poll the new table once a second for up to a minute (a real AWS table
# can take tens of seconds to become ACTIVE; dynalite takes half a second).
WAIT_DELAY_SECONDS = 1
WAIT_MAX_ATTEMPTS = 60

USERS = [
    {'user_id': '1001', 'name': 'Alice Martin', 'email': 'alice.martin@example.com',
     'phone': '+1-555-0101', 'address': '12 Harbor Street, Portland, OR 97201',
     'date_of_birth': '1988-04-12'},
    {'user_id': '1002', 'name': 'Bob Nguyen', 'email': 'bob.nguyen@example.com',
     'phone': '+1-555-0102', 'address': '480 Pine Avenue, Seattle, WA 98101',
     'date_of_birth': '1979-11-03'},
    {'user_id': '1003', 'name': 'Carla Rossi', 'email': 'carla.rossi@example.com',
     'phone': '+1-555-0103', 'address': '7 Elm Court, Austin, TX 78701',
     'date_of_birth': '1993-07-28'},
    {'user_id': '1004', 'name': 'David Okafor', 'email': 'david.okafor@example.com',
     'phone': '+1-555-0104', 'address': '233 Lakeview Drive, Chicago, IL 60601',
     'date_of_birth': '1985-01-19'},
    {'user_id': '1005', 'name': 'Eva Lindqvist', 'email': 'eva.lindqvist@example.com',
     'phone': '+1-555-0105', 'address': '91 Orchard Lane, Denver, CO 80202',
     'date_of_birth': '1990-09-05'},
]


def create_table(resource, name):
    """Create the table (hash key user_id, string) unless it exists; wait until active."""
    try:
        table = resource.create_table(
            TableName=name,
            KeySchema=[{'AttributeName': 'user_id', 'KeyType': 'HASH'}],
            AttributeDefinitions=[{'AttributeName': 'user_id', 'AttributeType': 'S'}],
            BillingMode='PAY_PER_REQUEST',
        )
    except ClientError as e:
        if e.response['Error']['Code'] != 'ResourceInUseException':
            raise
        table = resource.Table(name)
    # The default waiter polls every 20 s; a local table is active in well under a second.
    table.wait_until_exists(WaiterConfig={'Delay': WAIT_DELAY_SECONDS, 'MaxAttempts': WAIT_MAX_ATTEMPTS})
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--users', type=int, default=len(USERS), choices=range(1, len(USERS) + 1),
                        metavar=f'1..{len(USERS)}', help='load only the first N users (default: all)')
    args = parser.parse_args()
    users = USERS[:args.users]
    table = create_table(db.resource(), db.table_name())
    with table.batch_writer() as batch:
        for user in users:
            batch.put_item(Item=user)
    print(f'seeded {len(users)} users into {table.name}', file=sys.stderr)


if __name__ == '__main__':
    main()
