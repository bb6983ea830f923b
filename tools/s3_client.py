"""A small S3 client (AWS Signature V4, path-style, one HTTP connection per call) for the
recording store (tools/recording_storage.py): streaming PUT, GET into a file, DELETE, HEAD
presigned GET URLs and listing by prefix. No SDK: the calls the store needs, nothing
buffered in memory.
"""
import datetime
import hashlib
import hmac
import http.client
from urllib.parse import quote, urlsplit
from xml.etree import ElementTree

UNSIGNED = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
S3_XMLNS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
BLOCK = 1024 * 1024


class S3Error(Exception):
    def __init__(self, status, body=""):
        super().__init__(f"S3 answered {status}: {body[:300]}")
        self.status = status


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _quote(text):
    return quote(text, safe="-_.~")


class S3Client:
    def __init__(self, endpoint, bucket, access_key, secret_key, region="us-east-1", timeout=60):
        parts = urlsplit(endpoint)
        self.secure = parts.scheme == "https"
        self.host = parts.netloc
        self.bucket = bucket
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.timeout = timeout
        self.endpoint = f"{parts.scheme}://{parts.netloc}"

    # ------------------------------------------------------------------ signing
    def _path(self, key):
        return f"/{_quote(self.bucket)}" + (f"/{quote(key, safe='-_.~/')}" if key else "")

    def _signing_key(self, day):
        key = _hmac(("AWS4" + self.secret_key).encode(), day)
        for part in (self.region, "s3", "aws4_request"):
            key = _hmac(key, part)
        return key

    def _signature(self, method, path, query, headers, payload_hash, stamp):
        day = stamp[:8]
        names = sorted(headers)
        canonical = "\n".join([
            method, path,
            "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(query.items())),
            "".join(f"{name}:{str(headers[name]).strip()}\n" for name in names),
            ";".join(names), payload_hash,
        ])
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", stamp, scope,
                             hashlib.sha256(canonical.encode()).hexdigest()])
        signature = hmac.new(self._signing_key(day), to_sign.encode(), hashlib.sha256).hexdigest()
        return scope, ";".join(names), signature

    def _request(self, method, key, body=None, length=0, payload_hash=UNSIGNED, query=None,
                 extra_headers=None):
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        headers = {"host": self.host, "x-amz-date": stamp, "x-amz-content-sha256": payload_hash}
        if method == "PUT":
            headers["content-length"] = str(length)
        headers.update(extra_headers or {})
        path = self._path(key)
        scope, signed, signature = self._signature(method, path, query or {}, headers, payload_hash, stamp)
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                    f"SignedHeaders={signed}, Signature={signature}")
        connection_class = http.client.HTTPSConnection if self.secure else http.client.HTTPConnection
        connection = connection_class(self.host, timeout=self.timeout)
        target = path + ("?" + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(query.items()))
                         if query else "")
        connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        if body is not None:
            for block in body:
                connection.send(block)
        return connection, connection.getresponse()

    def _call(self, method, key, **kwargs):
        connection, response = self._request(method, key, **kwargs)
        try:
            data = response.read()
            if response.status >= 300 and not (method in ("DELETE", "HEAD") and response.status == 404):
                raise S3Error(response.status, data.decode("utf-8", "replace"))
            return response.status, data
        finally:
            connection.close()

    # ------------------------------------------------------------------ calls
    def create_bucket(self):
        status, _data = self._call_allowing("PUT", "", (409,))
        return status

    def _call_allowing(self, method, key, allowed):
        connection, response = self._request(method, key)
        try:
            data = response.read()
            if response.status >= 300 and response.status not in allowed:
                raise S3Error(response.status, data.decode("utf-8", "replace"))
            return response.status, data
        finally:
            connection.close()

    def put(self, key, blocks, length, sha256=None):
        """Store the iterable of byte blocks `blocks` (`length` bytes in all) under `key`.
        With `sha256` (hex), S3 checks the bytes against it and refuses them otherwise."""
        self._call("PUT", key, body=blocks, length=length, payload_hash=sha256 or UNSIGNED)

    def get_into(self, key, handle):
        connection, response = self._request("GET", key)
        try:
            if response.status != 200:
                raise S3Error(response.status, response.read().decode("utf-8", "replace"))
            while block := response.read(BLOCK):
                handle.write(block)
        finally:
            connection.close()

    def exists(self, key):
        return self._call("HEAD", key)[0] == 200

    def delete(self, key):
        self._call("DELETE", key)

    def keys_under(self, prefix):
        """The keys of the bucket's objects that start with `prefix` (ListObjectsV2, page by
        page)."""
        query = {"list-type": "2", "prefix": prefix}
        while True:
            _status, data = self._call("GET", "", query=dict(query), payload_hash=EMPTY_SHA256)
            root = ElementTree.fromstring(data)
            for contents in root.iter(S3_XMLNS + "Contents"):
                yield contents.findtext(S3_XMLNS + "Key")
            token = root.findtext(S3_XMLNS + "NextContinuationToken")
            if root.findtext(S3_XMLNS + "IsTruncated") != "true" or not token:
                return
            query["continuation-token"] = token

    def presigned_get(self, key, expires=600):
        """A URL that reads the object without credentials for `expires` seconds (ranges
        included: a player seeks in it directly)."""
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        scope = f"{stamp[:8]}/{self.region}/s3/aws4_request"
        query = {
            "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
            "X-Amz-Credential": f"{self.access_key}/{scope}",
            "X-Amz-Date": stamp,
            "X-Amz-Expires": str(expires),
            "X-Amz-SignedHeaders": "host",
        }
        path = self._path(key)
        _scope, _signed, signature = self._signature("GET", path, query, {"host": self.host}, UNSIGNED, stamp)
        query["X-Amz-Signature"] = signature
        return f"{self.endpoint}{path}?" + "&".join(f"{_quote(k)}={_quote(v)}" for k, v in query.items())
