import io

import pytest

from workbench.backup.archive import CHUNK, BackupError, read_decrypted, write_encrypted

KEY = bytes(range(32))


@pytest.mark.parametrize("size", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 7])
def test_round_trip_at_chunk_edges(size):
    data = bytes(i % 251 for i in range(size))
    out = io.BytesIO()
    assert write_encrypted(io.BytesIO(data), out, key=KEY, meta={"backend": "x"}) == size
    out.seek(0)
    assert b"".join(read_decrypted(out, key=KEY)) == data


def test_dropping_the_last_chunk_is_detected():
    data = bytes(2 * CHUNK)
    out = io.BytesIO()
    write_encrypted(io.BytesIO(data), out, key=KEY, meta={})
    whole = out.getvalue()
    # Cut exactly after the first chunk: every chunk left decrypts, but none says "last".
    first_chunk_end = whole.index(b"\n", whole.index(b"\n") + 1) + 1 + 4 + 12 + CHUNK + 16
    with pytest.raises(BackupError, match="cut short"):
        list(read_decrypted(io.BytesIO(whole[:first_chunk_end]), key=KEY))
