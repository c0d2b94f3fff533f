"""Messages of every hostile or broken shape, as raw bytes, each with what the inbound hook
must do with it: keep it (its text cleaned where needed) or refuse it with a 4xx."""

import base64

KEEP, REFUSE = "keep", "refuse"


def _headers(to: str, subject: bytes = b"Hello", sender: bytes = b"Pat <pat@buyer.example>"):
    return (
        b"From: " + sender + b"\r\nTo: " + to.encode() + b"\r\nSubject: " + subject + b"\r\n"
        b"Message-ID: <corpus@buyer.example>\r\nMIME-Version: 1.0\r\n"
    )


def _multipart(to: str, parts: list[bytes], boundary: bytes = b"b0", **kw) -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return (
        _headers(to, **kw)
        + b'Content-Type: multipart/mixed; boundary="'
        + boundary
        + b'"\r\n\r\n'
        + body
        + b"--"
        + boundary
        + b"--\r\n"
    )


TEXT = b"Content-Type: text/plain; charset=utf-8\r\n\r\nCould you send a quote?"


def _attachment(name: bytes, payload: bytes, encoding: bytes = b"base64") -> bytes:
    return (
        b'Content-Type: application/pdf\r\nContent-Disposition: attachment; filename="'
        + name
        + b'"\r\nContent-Transfer-Encoding: '
        + encoding
        + b"\r\n\r\n"
        + payload
    )


def _nested(to: str, levels: int) -> bytes:
    inner = TEXT
    for level in range(levels, 0, -1):
        boundary = f"n{level}".encode()
        inner = (
            b'Content-Type: multipart/mixed; boundary="'
            + boundary
            + b'"\r\n\r\n--'
            + boundary
            + b"\r\n"
            + inner
            + b"\r\n--"
            + boundary
            + b"--"
        )
    return _headers(to) + inner + b"\r\n"


def corpus(to: str) -> dict[str, tuple[str, bytes]]:
    """name -> (KEEP or REFUSE, the raw message), for the client address ``to``."""
    good_pdf = base64.encodebytes(b"%PDF-1.4 a small file")
    plain = _headers(to) + b"Content-Type: text/plain; charset=utf-8\r\n\r\n"
    return {
        "nul in an attachment's name": (
            KEEP,
            _multipart(to, [TEXT, _attachment(b"quote\x00.pdf", good_pdf)]),
        ),
        "nul in the subject and sender's name": (
            KEEP,
            plain.replace(b"Subject: Hello", b"Subject: Hel\x00lo").replace(b"Pat <", b"P\x00at <")
            + b"Hi",
        ),
        "nul in the body": (KEEP, plain + b"Could you\x00 send a quote?"),
        "latin-1 bytes said to be utf-8": (KEEP, plain + b"Caf\xe9 au lait, s'il vous pla\xeet"),
        "8-bit bytes in a header": (
            KEEP,
            plain.replace(b"Subject: Hello", b"Subject: R\xe9sum\xe9") + b"Hi",
        ),
        "a broken encoded word": (
            KEEP,
            plain.replace(b"Hello", b"=?utf-8?b?!!!notbase64?=") + b"Hi",
        ),
        "a subject of 200 kB": (KEEP, plain.replace(b"Hello", b"x" * 200_000) + b"Hi"),
        "five thousand headers": (
            KEEP,
            _headers(to) + b"".join(b"X-Trace-%d: hop\r\n" % n for n in range(5000)) + b"\r\nHi",
        ),
        "a script in the html": (
            KEEP,
            _headers(to)
            + b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>Hi</p><script>alert(1)</script>",
        ),
        "multipart nested 2,000 levels": (REFUSE, _nested(to, 2000)),
        "multipart nested 30 levels": (REFUSE, _nested(to, 30)),
        "a boundary that never comes": (
            REFUSE,
            _headers(to) + b'Content-Type: multipart/mixed; boundary="zz"\r\n\r\nno parts here\r\n',
        ),
        "no closing boundary": (
            REFUSE,
            _headers(to) + b'Content-Type: multipart/mixed; boundary="b0"\r\n\r\n--b0\r\n' + TEXT,
        ),
        "an encoding on a multipart": (
            REFUSE,
            _multipart(to, [TEXT]).replace(
                b"Content-Type: multipart/mixed;",
                b"Content-Transfer-Encoding: base64\r\nContent-Type: multipart/mixed;",
            ),
        ),
        "an unknown charset": (
            REFUSE,
            plain.replace(b"charset=utf-8", b"charset=x-unheard-of-42") + b"Hi",
        ),
        "undecodable base64 in the body": (
            REFUSE,
            _headers(to)
            + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64"
            + b"\r\n\r\n@@@ this is not base64 !!!\r\n",
        ),
        "undecodable base64 in an attachment": (
            REFUSE,
            _multipart(to, [TEXT, _attachment(b"quote.pdf", b"%%% not base64 at all ===")]),
        ),
        "twenty-one attachments": (
            REFUSE,
            _multipart(to, [TEXT] + [_attachment(b"a%d.pdf" % n, good_pdf) for n in range(21)]),
        ),
        "no sender": (
            REFUSE,
            plain.replace(b"From: Pat <pat@buyer.example>", b"From: nobody") + b"Hi",
        ),
        "no headers at all": (REFUSE, b"just some words, no headers\r\n"),
        "binary noise": (REFUSE, bytes(range(256)) * 8),
        "whitespace only": (REFUSE, b" \r\n\r\n  "),
    }
