#!/usr/bin/env python3
"""`ledge pull` against a local stand-in for huggingface.co on 127.0.0.1.

The server imitates what Hugging Face does for LFS files: GET
/OWNER/REPO/resolve/REVISION/FILE answers 302 to a CDN path with the file's
sha256 in X-Linked-Etag (and its size in X-Linked-Size); the CDN path serves
the bytes with Range support. Run by CTest with LEDGE_BIN and LEDGE_MODEL.
"""
import hashlib
import http.server
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

LEDGE = os.environ.get("LEDGE_BIN", "")
MODEL = os.environ.get("LEDGE_MODEL", "")


class FakeHub(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.files = {}           # "owner/repo/rev/file" -> bytes
        self.linked_etag = None   # override of X-Linked-Etag (None: the real sha256)
        self.ignore_range = False
        self.log = []             # (path, Range header, Authorization header)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        hub = self.server
        hub.log.append((self.path, self.headers.get("Range"), self.headers.get("Authorization")))
        m = re.fullmatch(r"/([^/]+)/([^/]+)/resolve/([^/]+)/(.+)", self.path)
        if m:
            key = "/".join(m.groups())
            if key not in hub.files:
                return self.reply(404, b"Entry not found")
            data = hub.files[key]
            sha = hashlib.sha256(data).hexdigest()
            self.send_response(302)
            self.send_header("Location", "/cdn/" + key)
            self.send_header("X-Linked-Etag", '"%s"' % (hub.linked_etag or sha))
            self.send_header("X-Linked-Size", str(len(data)))
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path.startswith("/cdn/") and self.path[5:] in hub.files:
            data = hub.files[self.path[5:]]
            rng = self.headers.get("Range")
            start = 0
            if rng and not hub.ignore_range:
                start = int(re.fullmatch(r"bytes=(\d+)-", rng).group(1))
                if start >= len(data):
                    return self.reply(416, b"")
                self.send_response(206)
                self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
            else:
                self.send_response(200)
            self.send_header("ETag", '"cdn-etag-not-a-sha"')
            self.send_header("Content-Length", str(len(data) - start))
            self.end_headers()
            self.wfile.write(data[start:])
            return
        self.reply(404, b"not found")

    def reply(self, status, body):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class PullTest(unittest.TestCase):
    def setUp(self):
        with open(MODEL, "rb") as f:
            self.data = f.read()
        self.hub = FakeHub()
        self.hub.files["acme/tiny/main/stories260K.gguf"] = self.data
        self.hub.files["acme/tiny/v2/sub/dir/stories260K.gguf"] = self.data
        threading.Thread(target=self.hub.serve_forever, daemon=True).start()
        self.endpoint = "http://127.0.0.1:%d" % self.hub.server_address[1]
        self.dir = tempfile.mkdtemp(prefix="ledge-pull-")
        self.final = os.path.join(self.dir, "acme", "tiny", "stories260K.gguf")

    def tearDown(self):
        self.hub.shutdown()
        self.hub.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def pull(self, uri, *extra, env=None):
        e = dict(os.environ)
        e.pop("HF_TOKEN", None)
        e.update(env or {})
        return subprocess.run([LEDGE, "pull", uri, "--endpoint", self.endpoint, "--models-dir", self.dir, *extra],
                              capture_output=True, text=True, env=e, timeout=60)

    def read_final(self):
        with open(self.final, "rb") as f:
            return f.read()

    def test_full_download_follows_redirect_and_verifies(self):
        r = self.pull("hf://acme/tiny/stories260K.gguf", env={"HF_TOKEN": "hf_secret"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), self.final)
        self.assertEqual(self.read_final(), self.data)
        self.assertFalse(os.path.exists(self.final + ".part"))
        self.assertIn(hashlib.sha256(self.data).hexdigest(), r.stderr)
        self.assertIn("verified", r.stderr)
        first = self.hub.log[0]
        self.assertEqual(first[0], "/acme/tiny/resolve/main/stories260K.gguf")
        self.assertEqual(first[2], "Bearer hf_secret")
        self.assertTrue(any(p.startswith("/cdn/") for p, _, _ in self.hub.log))
        # Pulling again is a no-op.
        again = self.pull("hf://acme/tiny/stories260K.gguf")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("already downloaded", again.stderr)

    def test_revision_and_sub_folders(self):
        r = self.pull("hf://acme/tiny@v2/sub/dir/stories260K.gguf")
        self.assertEqual(r.returncode, 0, r.stderr)
        path = os.path.join(self.dir, "acme", "tiny", "sub", "dir", "stories260K.gguf")
        with open(path, "rb") as f:
            self.assertEqual(f.read(), self.data)
        self.assertEqual(self.hub.log[0][0], "/acme/tiny/resolve/v2/sub/dir/stories260K.gguf")

    def test_resume_sends_range_and_completes(self):
        os.makedirs(os.path.dirname(self.final))
        cut = len(self.data) * 2 // 5
        with open(self.final + ".part", "wb") as f:
            f.write(self.data[:cut])
        r = self.pull("hf://acme/tiny/stories260K.gguf")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read_final(), self.data)
        self.assertIn(("bytes=%d-" % cut), [rng for _, rng, _ in self.hub.log])
        self.assertIn("resumed", r.stderr)
        self.assertIn("verified", r.stderr)

    def test_server_ignoring_range_restarts_cleanly(self):
        self.hub.ignore_range = True
        os.makedirs(os.path.dirname(self.final))
        with open(self.final + ".part", "wb") as f:
            f.write(b"garbage that is not the file")
        r = self.pull("hf://acme/tiny/stories260K.gguf")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read_final(), self.data)

    def test_sha_mismatch_is_an_error_and_leaves_no_file(self):
        self.hub.linked_etag = "0" * 64
        r = self.pull("hf://acme/tiny/stories260K.gguf")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SHA-256 mismatch", r.stderr)
        self.assertFalse(os.path.exists(self.final))
        self.assertFalse(os.path.exists(self.final + ".part"))
        # The --sha256 flag is checked too (and wins over the header).
        self.hub.linked_etag = None
        r = self.pull("hf://acme/tiny/stories260K.gguf", "--sha256", "ab" * 32)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("expected " + "ab" * 32, r.stderr)
        self.assertFalse(os.path.exists(self.final))
        good = hashlib.sha256(self.data).hexdigest().upper()
        r = self.pull("hf://acme/tiny/stories260K.gguf", "--sha256", good)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.read_final(), self.data)

    def test_404_names_the_url(self):
        r = self.pull("hf://acme/tiny/missing.gguf")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("HTTP 404", r.stderr)
        self.assertIn(self.endpoint + "/acme/tiny/resolve/main/missing.gguf", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "acme", "tiny", "missing.gguf")))

    def test_bad_references_are_refused(self):
        for uri in ["https://x/y.gguf", "hf://acme/tiny", "hf://acme/tiny/../../etc/x.gguf", "hf://acme/tiny/model.bin",
                    "hf://acme/tiny@/m.gguf"]:
            r = self.pull(uri)
            self.assertEqual(r.returncode, 2, uri + ": " + r.stderr)
            self.assertIn("error:", r.stderr)
        self.assertEqual(self.hub.log, [])

    def test_pulled_model_loads_and_serves_by_name(self):
        r = self.pull("hf://acme/tiny/stories260K.gguf", "--quiet")
        self.assertEqual(r.returncode, 0, r.stderr)
        inspect = subprocess.run([LEDGE, "inspect", self.final, "--no-tensors"], capture_output=True, text=True,
                                 timeout=60)
        self.assertEqual(inspect.returncode, 0, inspect.stderr)
        for name in ["stories260K", "acme/tiny/stories260K.gguf"]:
            proc = subprocess.Popen([LEDGE, "serve", "--model", name, "--models-dir", self.dir, "--port", "0",
                                     "--host", "127.0.0.1"], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                    text=True)
            log = ""
            deadline = time.time() + 30
            while time.time() < deadline and "ready" not in log:
                line = proc.stderr.readline()
                if not line:
                    break
                log += line
            proc.send_signal(signal.SIGTERM)
            log += proc.communicate(timeout=30)[1]
            self.assertEqual(proc.returncode, 0, log)
            self.assertIn("model 'stories260K' loaded from " + self.final, log)
        missing = subprocess.run([LEDGE, "serve", "--model", "nope", "--models-dir", self.dir, "--port", "0"],
                                 capture_output=True, text=True, timeout=60)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("ledge pull", missing.stderr)


if __name__ == "__main__":
    if not LEDGE or not MODEL:
        sys.exit("set LEDGE_BIN and LEDGE_MODEL (CTest does)")
    unittest.main(verbosity=2)
