"""Reading and step 0: blocks of lines against lines, and the code-point table against the
regular expression of :mod:`reference.newwords.text`."""
import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reference.newwords import corpus
from reference.newwords.corpus import iter_blocks, iter_documents
from reference.newwords.stream import normalise_codepoints
from reference.newwords.text import SENTENCE, q2b


@pytest.mark.parametrize("to_half_width", [True, False])
def test_the_code_point_table_keeps_exactly_what_the_sentence_pattern_matches(to_half_width):
    cps = np.arange(0x110000)
    text = "".join(map(chr, cps[(cps < 0xD800) | (cps > 0xDFFF)]))         # every code point but surrogates
    got = normalise_codepoints(text, to_half_width)
    plain = q2b(text) if to_half_width else text
    want = np.zeros(len(plain), np.uint16)
    for m in SENTENCE.finditer(plain):
        want[m.start():m.end()] = [ord(c) for c in m.group()]
    np.testing.assert_array_equal(got, want)


LINE = st.text(alphabet=st.sampled_from(list("今天天气很好ab1 ,。\r\u00e9\U0001F600")), max_size=30)


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(LINE, max_size=12), final_newline=st.booleans(), block=st.integers(1, 64),
       packed=st.booleans())
def test_blocks_hold_the_same_text_as_the_lines(tmp_path_factory, lines, final_newline, block, packed):
    data = "\n".join(lines).encode() + (b"\n" if final_newline and lines else b"")
    path = tmp_path_factory.mktemp("c") / ("c.txt.gz" if packed else "c.txt")
    path.write_bytes(gzip.compress(data) if packed else data)
    blocks = list(iter_blocks([str(path)], block_bytes=block))
    assert "".join(blocks) == data.decode()                               # nothing lost, nothing added
    assert all(b.endswith("\n") for b in blocks[:-1])                     # each block ends with a line
    as_lines = "\n".join(iter_documents([str(path)]))          # a line end is a break either way
    assert SENTENCE.findall(q2b("\n".join(blocks))) == SENTENCE.findall(q2b(as_lines))


@pytest.mark.parametrize("block", [1, 3, 8, 1 << 20])
def test_blocks_name_a_bad_byte_and_a_long_line_as_the_lines_do(tmp_path, monkeypatch, block):
    good = "第一行\n第二行\n".encode()
    (tmp_path / "bad.txt").write_bytes(good + b"ab\xffcd\n")
    messages = []
    for reader in (iter_documents, lambda p: iter_blocks(p, block_bytes=block)):
        with pytest.raises(ValueError) as info:
            list(reader([str(tmp_path / "bad.txt")]))
        messages.append(str(info.value))
    assert messages[0] == messages[1] and f"at byte {len(good) + 2}" in messages[0]
    monkeypatch.setattr(corpus, "MAX_LINE_BYTES", 10)
    for text, number in (("abc\n" + "x" * 10 + "\nok\n", 2), ("abc\n" + "x" * 11, 2), ("x" * 9 + "\n", None),
                         ("x" * 10, None), ("ab\n" * 5 + "y" * 30 + "\n", 6)):
        (tmp_path / "t.txt").write_text(text)
        results = []
        for reader in (iter_documents, lambda p: iter_blocks(p, block_bytes=block)):
            try:
                results.append("".join(reader([str(tmp_path / "t.txt")])) and "read")
            except ValueError as exc:
                results.append(str(exc))
        assert results[0] == results[1], text
        assert (f"line {number} is longer" in results[0]) if number else results[0] == "read"
