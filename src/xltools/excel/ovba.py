"""MS-OVBA compression ([MS-OVBA] 2.4.1): the LZ77 variant that stores VBA source.

Every module stream, the ``dir`` stream and the source of a VBA project are kept
in this format.  We write it ourselves: the PyPI package ``ms_ovba_compression``
1.0.1 corrupts inputs longer than about 100 bytes (issue 5), and the algorithm is
short.  A compressed container is the signature byte 0x01 followed by chunks of at
most 4096 decompressed bytes; each chunk is either compressed (flag bytes and
tokens, a copy token pointing back into the same chunk) or raw.

>>> decompress(compress(b"Attribute VB_Name = \\"M\\"\\r\\n" * 3))
b'Attribute VB_Name = "M"\\r\\nAttribute VB_Name = "M"\\r\\nAttribute VB_Name = "M"\\r\\n'
"""

from __future__ import annotations

CHUNK = 4096
_MIN_MATCH = 3


class CorruptContainer(ValueError):
    """The bytes are not an MS-OVBA compressed container."""


def _offset_bits(position: int) -> int:
    """Bits of a copy token's offset at ``position`` bytes into a chunk (2.4.1.3.19.1)."""
    return max((position - 1).bit_length(), 4)


def _compress_chunk(data: bytes) -> bytes:
    """One chunk (≤ 4096 bytes) → its compressed form with header (2.4.1.3.7)."""
    out = bytearray()
    heads: dict[bytes, list[int]] = {}  # 3-byte prefix → earlier positions, for match search
    pos, end = 0, len(data)
    while pos < end:
        flag_at = len(out)
        out.append(0)
        flags = 0
        for bit in range(8):
            if pos >= end:
                break
            best_len, best_off = 0, 0
            if pos + _MIN_MATCH <= end:
                bits = _offset_bits(pos)
                max_len = min((0xFFFF >> bits) + _MIN_MATCH, end - pos)
                for cand in reversed(heads.get(data[pos:pos + _MIN_MATCH], ())):
                    n = _MIN_MATCH
                    while n < max_len and data[cand + n] == data[pos + n]:
                        n += 1
                    if n > best_len:
                        best_len, best_off = n, pos - cand
                        if n == max_len:
                            break
            if best_len >= _MIN_MATCH:
                token = ((best_off - 1) << (16 - bits)) | (best_len - _MIN_MATCH)
                out += token.to_bytes(2, "little")
                flags |= 1 << bit
                step = best_len
            else:
                out.append(data[pos])
                step = 1
            for p in range(pos, min(pos + step, end - _MIN_MATCH + 1)):
                heads.setdefault(data[p:p + _MIN_MATCH], []).append(p)
            pos += step
        out[flag_at] = flags
    if len(out) > CHUNK:
        # Incompressible: a raw chunk holds exactly 4096 bytes; a short last chunk
        # is padded with zeros, as the specification says (2.4.1.3.10).
        return (0x3FFF).to_bytes(2, "little") + data.ljust(CHUNK, b"\0")
    header = 0xB000 | (len(out) + 2 - 3)
    return header.to_bytes(2, "little") + bytes(out)


def compress(data: bytes) -> bytes:
    """Compress ``data`` into an MS-OVBA container (2.4.1.3.6)."""
    data = bytes(data)
    return b"\x01" + b"".join(_compress_chunk(data[i:i + CHUNK]) for i in range(0, len(data), CHUNK))


def decompress(container: bytes) -> bytes:
    """Decompress an MS-OVBA container (2.4.1.3.1); raise :class:`CorruptContainer` on bad input."""
    container = bytes(container)
    if not container or container[0] != 0x01:
        raise CorruptContainer("MS-OVBA container must start with signature byte 0x01")
    out = bytearray()
    pos = 1
    while pos < len(container):
        if pos + 2 > len(container):
            raise CorruptContainer(f"truncated chunk header at byte {pos}")
        header = int.from_bytes(container[pos:pos + 2], "little")
        if (header >> 12) & 0b111 != 0b011:
            raise CorruptContainer(f"bad chunk signature at byte {pos}")
        size = (header & 0x0FFF) + 3
        chunk_end = min(pos + size, len(container))
        pos += 2
        start = len(out)
        if not header & 0x8000:
            out += container[pos:pos + CHUNK]
            pos += CHUNK
            continue
        while pos < chunk_end:
            flags = container[pos]
            pos += 1
            for bit in range(8):
                if pos >= chunk_end:
                    break
                if not flags & (1 << bit):
                    out.append(container[pos])
                    pos += 1
                    continue
                if pos + 2 > chunk_end:
                    raise CorruptContainer(f"truncated copy token at byte {pos}")
                token = int.from_bytes(container[pos:pos + 2], "little")
                pos += 2
                bits = _offset_bits(len(out) - start)
                offset = (token >> (16 - bits)) + 1
                length = (token & (0xFFFF >> bits)) + _MIN_MATCH
                src = len(out) - offset
                if src < start:
                    raise CorruptContainer(f"copy token points before its chunk at byte {pos - 2}")
                for i in range(length):  # byte by byte: a copy may overlap its own output
                    out.append(out[src + i])
    return bytes(out)
