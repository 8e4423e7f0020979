"""Opening a zip-based workbook (.xlsx, .xlsm, .ods) without trusting what its headers say.

Every member is inflated once here, by zlib, in bounded steps: the bytes it actually produces
are counted, and a member that inflates to more than it declares, to more than the limit, or
not to its declared checksum is refused. The archive handed to the spreadsheet reader is then
rebuilt from the very compressed bytes inflated here, with their true sizes: a reader cannot
inflate anything that was not inflated and measured here, whatever the original headers said.

While a member is inflated, its bytes can be handed to a scanner (extent.py measures the
sheets that way, without keeping them in memory).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import Protocol

from data_access.importing.errors import ImportRejected

MAX_INFLATED_BYTES = 1024**3
"""Largest total size the members of an archive may inflate to (a 1 048 576-row sheet is less)."""
MAX_COMPRESSION_RATIO = 250
"""A member of more than 10 MB compressed more than this is a zip bomb, not a spreadsheet."""
MAX_MEMBERS = 10_000
_INPUT_STEP = 1 << 16
_OUTPUT_STEP = 1 << 20
_STORED, _DEFLATED = 0, 8
_UTF8_NAMES = 0x800


class Scanner(Protocol):
    """Receives the inflated bytes of one member, in order."""

    def feed(self, chunk: bytes) -> None: ...

    def close(self) -> None: ...


ScannerFor = Callable[[str], Scanner | None]


def _name(file_name: str) -> str:
    return f"« {file_name} »"


def _damaged(file_name: str) -> ImportRejected:
    return ImportRejected(
        f"Le fichier {_name(file_name)} est endommagé : son archive ne peut pas être lue "
        "(téléchargement interrompu ?). Exportez-le à nouveau."
    )


def _lying(file_name: str) -> ImportRejected:
    return ImportRejected(
        f"Le fichier {_name(file_name)} est refusé : le contenu de son archive ne correspond "
        "pas à ce qu'elle annonce (fichier endommagé ou piégé). Exportez-le à nouveau depuis "
        "le logiciel d'origine."
    )


def gigabytes(size: int) -> str:
    """1 288 490 188 -> '1,2 Go', 67 108 864 -> '64 Mo' (French decimal comma)."""
    if size < 1024**3:
        return f"{size / 1024**2:.0f}\u00a0Mo"
    return f"{size / 1024**3:.1f}".replace(".", ",") + "\u00a0Go"


def _too_big(file_name: str, size: int) -> ImportRejected:
    return ImportRejected(
        f"Le fichier {_name(file_name)} est refusé : une fois décompressé, il occuperait "
        f"{gigabytes(size)} ou plus, au-delà de la limite de {gigabytes(MAX_INFLATED_BYTES)} "
        "(une feuille de 1 048 576 lignes tient en moins). Ce n'est pas un export de données "
        "normal."
    )


def _too_compressed(file_name: str, size: int, ratio: float) -> ImportRejected:
    return ImportRejected(
        f"Le fichier {_name(file_name)} est refusé : une fois décompressé, il occuperait "
        f"{gigabytes(size)}, {int(ratio):,} fois sa taille compressée".replace(",", "\u202f")
        + " ; aucun export de données ne se compresse autant (fichier piégé ?)."
    )


def members(file_name: str, content: bytes) -> list[zipfile.ZipInfo]:
    """The members listed by the archive's central directory (ImportRejected if unreadable)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        raise _damaged(file_name) from None


def rebuild(file_name: str, content: bytes, scanner_for: ScannerFor | None = None) -> bytes:
    """The archive rebuilt member by member from the bytes inflated here, with true sizes.

    Raises ImportRejected (French) for an unreadable archive, a member that lies about its
    size or checksum, an unknown compression, or more than MAX_INFLATED_BYTES in all.
    """
    infos = members(file_name, content)
    if len(infos) > MAX_MEMBERS:
        raise _lying(file_name)
    names = [info.filename for info in infos]
    if len(set(names)) != len(names):  # two members of one name: readers disagree on which
        raise _lying(file_name)
    declared = sum(info.file_size for info in infos)
    if declared > MAX_INFLATED_BYTES:
        raise _too_big(file_name, declared)
    ratio = max(
        (i.file_size / max(i.compress_size, 1) for i in infos if i.file_size > 10_000_000),
        default=0,
    )
    if ratio > MAX_COMPRESSION_RATIO:
        raise _too_compressed(file_name, declared, ratio)
    out = io.BytesIO()
    central: list[bytes] = []
    inflated = 0
    for info in infos:
        scanner = scanner_for(info.filename) if scanner_for else None
        data, size, crc = _member_bytes(file_name, content, info, inflated, scanner)
        inflated += size
        central.append(_central_header(info.filename, info.compress_type, crc, data, size, out))
        out.write(_local_header(info.filename, info.compress_type, crc, data, size))
        out.write(data)
    directory_at = out.tell()
    for entry in central:
        out.write(entry)
    out.write(
        struct.pack(
            "<4s4H2LH",
            b"PK\x05\x06",
            0,
            0,
            len(central),
            len(central),
            out.tell() - directory_at,
            directory_at,
            0,
        )
    )
    return out.getvalue()


def _data_start(file_name: str, content: bytes, info: zipfile.ZipInfo) -> int:
    offset = info.header_offset
    if offset < 0 or offset + 30 > len(content) or content[offset : offset + 4] != b"PK\x03\x04":
        raise _damaged(file_name)
    name_length, extra_length = struct.unpack_from("<HH", content, offset + 26)
    return offset + 30 + name_length + extra_length


def _member_bytes(
    file_name: str,
    content: bytes,
    info: zipfile.ZipInfo,
    inflated_before: int,
    scanner: Scanner | None,
) -> tuple[bytes, int, int]:
    """(compressed bytes as stored, true inflated size, true CRC) of one member, inflated
    here in bounded steps; refused as soon as it produces more than it declares."""
    if info.flag_bits & 0x1:  # zip encryption: not how Office protects a workbook
        raise _lying(file_name)
    if info.compress_type not in (_STORED, _DEFLATED):
        raise _lying(file_name)
    start = _data_start(file_name, content, info)
    stored = memoryview(content)[start : start + info.compress_size]
    if len(stored) != info.compress_size:
        raise _damaged(file_name)
    limit = min(info.file_size, MAX_INFLATED_BYTES - inflated_before)
    produced, crc = 0, 0

    def take(chunk: bytes) -> None:
        nonlocal produced, crc
        produced += len(chunk)
        if produced > limit:
            if produced > info.file_size:
                raise _lying(file_name)
            raise _too_big(file_name, inflated_before + produced)
        crc = zlib.crc32(chunk, crc)
        if scanner is not None:
            scanner.feed(chunk)

    if info.compress_type == _STORED:
        for at in range(0, len(stored), _OUTPUT_STEP):
            take(bytes(stored[at : at + _OUTPUT_STEP]))
        used = len(stored)
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            for at in range(0, len(stored), _INPUT_STEP):
                pending: bytes | memoryview = stored[at : at + _INPUT_STEP]
                while pending and not inflater.eof:
                    chunk = inflater.decompress(pending, _OUTPUT_STEP)
                    take(chunk)
                    if not chunk and len(inflater.unconsumed_tail) == len(pending):
                        raise _damaged(file_name)  # no progress: not a deflate stream
                    pending = inflater.unconsumed_tail
                if inflater.eof:
                    break
        except zlib.error:
            raise _damaged(file_name) from None
        if not inflater.eof:
            raise _damaged(file_name)
        used = len(stored) - len(inflater.unused_data)
    if produced != info.file_size or crc != info.CRC:
        raise _lying(file_name)
    if scanner is not None:
        scanner.close()
    return bytes(stored[:used]), produced, crc


_DOS_DATE, _DOS_TIME = (0 << 9) | (1 << 5) | 1, 0  # 01/01/1980 00:00


def _local_header(name: str, method: int, crc: int, data: bytes, size: int) -> bytes:
    encoded = name.encode("utf-8")
    return (
        struct.pack(
            "<4s5H3L2H",
            b"PK\x03\x04",
            20,
            _UTF8_NAMES,
            method,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(data),
            size,
            len(encoded),
            0,
        )
        + encoded
    )


def _central_header(
    name: str, method: int, crc: int, data: bytes, size: int, out: io.BytesIO
) -> bytes:
    encoded = name.encode("utf-8")
    return (
        struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            _UTF8_NAMES,
            method,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            out.tell(),
        )
        + encoded
    )
