"""A real, throw-away S3-compatible server on 127.0.0.1 for tests and benchmarks.

It is moto's server (``pip install 'moto[server]'``): real HTTP, real SigV4 signatures.
Authentication is on, as on AWS or MinIO: the server makes one IAM user with an access
key, and every request after that must be signed with it, so a wrong key or secret fails
the way it does on a real store. Clients get what a deployment gives them, the standard
variables (:attr:`S3Server.env`: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``,
``AWS_REGION``, ``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from .http import LOOPBACK

REGION = "us-east-1"
#: Lets the key do anything on the server (it is the only user).
_ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


class S3Unavailable(RuntimeError):
    """moto's server is not installed."""


@dataclass
class S3Server:
    endpoint: str  # http://127.0.0.1:PORT
    key_id: str
    secret: str

    @property
    def env(self) -> dict[str, str]:
        """What a client process needs in its environment to reach the store."""
        return {
            "AWS_ACCESS_KEY_ID": self.key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret,
            "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.endpoint,
        }

    def client(self) -> Any:
        """A boto3 S3 client signed with the server's key."""
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.key_id,
            aws_secret_access_key=self.secret,
        )

    def create_bucket(self, name: str) -> str:
        """Create bucket ``name``; returns its URL ``s3://name/``."""
        self.client().create_bucket(Bucket=name)
        return f"s3://{name}/"

    def objects(self, bucket: str, prefix: str = "") -> dict[str, bytes]:
        """Every object of ``bucket`` under ``prefix``: key -> bytes."""
        client = self.client()
        found = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                found[item["Key"]] = client.get_object(Bucket=bucket, Key=item["Key"])[
                    "Body"
                ].read()
        return found


@contextmanager
def s3_server(host: str = "127.0.0.1") -> Iterator[S3Server]:
    """Start moto's S3 server on a free loopback port with authentication on; yield it."""
    if host not in LOOPBACK:
        raise ValueError("the fake S3 server only listens on loopback")
    try:
        import boto3
        from moto.server import ThreadedMotoServer
    except ImportError:
        raise S3Unavailable("moto's server is not installed: pip install 'moto[server]'") from None
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    server = ThreadedMotoServer(ip_address=host, port=0, verbose=False)
    server.start()
    try:
        bound, port = server.get_host_and_port()
        endpoint = f"http://{bound}:{port}"
        # Before authentication is on, any key may call IAM: make the one real user.
        iam = boto3.client(
            "iam",
            endpoint_url=endpoint,
            region_name=REGION,
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        iam.create_user(UserName="egregora")
        iam.put_user_policy(
            UserName="egregora", PolicyName="all", PolicyDocument=json.dumps(_ALLOW_ALL)
        )
        key = iam.create_access_key(UserName="egregora")["AccessKey"]
        _require_auth(endpoint)
        yield S3Server(endpoint, key["AccessKeyId"], key["SecretAccessKey"])
    finally:
        server.stop()


def _require_auth(endpoint: str) -> None:
    """Turn on moto's authentication from the next request on (its reset-auth API)."""
    request = urllib.request.Request(
        f"{endpoint}/moto-api/reset-auth",
        data=b"0",
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
    with direct.open(request, timeout=10) as response:
        response.read()
