"""Shared DynamoDB access for the three example apps and seed.py.

The table comes from the environment so the same code runs against AWS,
DynamoDB Local or dynalite (the end-to-end test uses dynalite). The region
and credential defaults are dummies: boto3 refuses to sign a request
without them, and a local DynamoDB accepts any value.
"""

import os

import boto3

DEFAULT_TABLE = 'users'
DEFAULT_REGION = 'us-east-1'
# Dummy credentials, used only when none are configured: a local DynamoDB
# needs a signed request but never checks the signature.
DUMMY_ACCESS_KEY = 'local'
DUMMY_SECRET_KEY = 'local'


def resource():
    """Return a boto3 DynamoDB resource for DYNAMODB_ENDPOINT (AWS when unset)."""
    endpoint = os.environ.get('DYNAMODB_ENDPOINT') or None
    kwargs = {
        'region_name': os.environ.get('AWS_DEFAULT_REGION')
        or os.environ.get('AWS_REGION')
        or DEFAULT_REGION,
    }
    if endpoint and not os.environ.get('AWS_ACCESS_KEY_ID'):
        kwargs['aws_access_key_id'] = DUMMY_ACCESS_KEY
        kwargs['aws_secret_access_key'] = DUMMY_SECRET_KEY
    return boto3.resource('dynamodb', endpoint_url=endpoint, **kwargs)


def table_name():
    """Return the users table name (DYNAMODB_TABLE, default 'users')."""
    return os.environ.get('DYNAMODB_TABLE', DEFAULT_TABLE)


def table():
    """Return the users table."""
    return resource().Table(table_name())


def port():
    """Return the port to listen on (PORT, default 5000)."""
    return int(os.environ.get('PORT', '5000'))
