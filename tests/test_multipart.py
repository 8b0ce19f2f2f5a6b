"""The engine's multipart/form-data encoder: what browsers and urllib3 write, byte for byte."""

from __future__ import annotations

import email.parser
import email.policy
from email.message import EmailMessage

import pytest
from urllib3.fields import RequestField
from urllib3.filepost import encode_multipart_formdata

from arazzo_engine.http.multipart import Part, encode_multipart

PARTS = [
    Part("name", b"Rex"),
    Part("typed", b'{"a": 1}', content_type="application/json"),
    Part("avatar", b"\x89PNG\r\n\x00\xff", filename="rex.png", content_type="image/png"),
    Part('quo"te\r\nd', b"x", filename='a"b\nc.txt'),
    Part("ünï", "çà".encode(), filename="fïle.txt", content_type="text/plain; charset=utf-8"),
    Part("empty", b"", filename=""),
]


def urllib3_encoding(parts: list[Part], boundary: str) -> tuple[bytes, str]:
    fields = []
    for part in parts:
        field = RequestField(name=part.name, data=part.data, filename=part.filename)
        field.make_multipart(content_type=part.content_type)
        fields.append(field)
    return encode_multipart_formdata(fields, boundary=boundary)


def test_same_bytes_as_urllib3() -> None:
    boundary = "0123456789abcdef0123456789abcdef"
    assert encode_multipart(PARTS, boundary) == urllib3_encoding(PARTS, boundary)


def test_no_parts_is_the_closing_delimiter_alone() -> None:
    body, content_type = encode_multipart([], "b")
    assert body == b"--b--\r\n"
    assert content_type == "multipart/form-data; boundary=b"


def test_a_random_boundary_each_time_and_the_parts_parse_back() -> None:
    first, first_type = encode_multipart(PARTS)
    _, second_type = encode_multipart(PARTS)
    assert first_type != second_type
    boundary = first_type.split("boundary=", 1)[1]
    assert len(boundary) == 32 and set(boundary) <= set("0123456789abcdef")
    raw = f"Content-Type: {first_type}\r\n\r\n".encode() + first
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    got = [p for p in message.iter_parts() if isinstance(p, EmailMessage)]
    assert [p.get_param("name", header="content-disposition") for p in got][:3] == [
        "name",
        "typed",
        "avatar",
    ]
    assert got[2].get_content() == PARTS[2].data
    assert got[2].get_content_type() == "image/png"


@pytest.mark.parametrize("part", PARTS, ids=lambda p: p.name)
def test_each_part_alone_matches_urllib3(part: Part) -> None:
    assert encode_multipart([part], "B") == urllib3_encoding([part], "B")
