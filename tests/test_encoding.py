from __future__ import annotations

import pytest

from corpus.encoding import declared_charset, decode_bytes
from corpus.errors import BinaryFileError, EmptyFileError
from corpus.readers import parse_bytes

ZH = "大模型公司营收增长158.9%，净亏损18.72亿美元。"


def test_utf8_and_gb18030_and_big5() -> None:
    assert decode_bytes(ZH.encode("utf-8")).text == ZH
    gbk = decode_bytes((ZH * 3).encode("gbk"), declared="gb2312")
    assert gbk.text == ZH * 3 and gbk.encoding == "gb18030"
    # No declaration at all: detection must still get GBK text right.
    undeclared = decode_bytes(("这是一篇关于人工智能公司财务状况的新闻报道。" * 5).encode("gbk"))
    assert "人工智能" in undeclared.text


def test_meta_charset_that_lies_is_ignored_for_utf8_bytes() -> None:
    page = (
        f'<html><head><meta charset="gb2312"><title>t</title></head><body><p>{ZH}</p></body></html>'
    )
    data = page.encode("utf-8")
    assert declared_charset(data) == "gb2312"
    doc = parse_bytes(data, "html")
    assert ZH in doc.text
    assert doc.encoding == "utf-8"


def test_gbk_page_with_honest_meta() -> None:
    body = "".join(f"<p>{ZH}第{i}段。</p>" for i in range(5))
    page = f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head><body><article>{body}</article></body></html>'
    doc = parse_bytes(page.encode("gbk"), "html")
    assert "净亏损18.72亿美元" in doc.text and doc.encoding == "gb18030"


def test_bom_utf16() -> None:
    assert decode_bytes(ZH.encode("utf-16")).text == ZH


def test_empty_and_binary_are_clear_errors() -> None:
    with pytest.raises(EmptyFileError, match="empty"):
        decode_bytes(b"   \n", "a.txt")
    with pytest.raises(BinaryFileError, match="binary"):
        decode_bytes(b"\x00\x01\x02PNG\x00" * 100, "b.txt")
