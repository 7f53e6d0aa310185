"""Zipped shapefiles: the whole archive is checked before anything is extracted.

Names, member count, declared and real sizes, compression ratio, symlinks and encryption are
checked first; then only the shapefile's own members are extracted, under our fixed names
(``upload.shp`` ...), into the caller's temporary folder. The ``.prj`` is read by pyproj as WKT
only and removed before GDAL opens the rest.
"""
from __future__ import annotations

import io
import stat
import zipfile
import zlib
from pathlib import Path

from pyproj import CRS
from pyproj.exceptions import CRSError, ProjError

from dashboard.upload import gdal
from dashboard.upload.errors import ACCEPTED, CRS_UNREADABLE, UserLayerError, damaged
from dashboard.upload.layer import Layer
from dashboard.upload.limits import (
    MAX_UNZIPPED_BYTES, MAX_ZIP_MEMBERS, MAX_ZIP_RATIO, ZIP_RATIO_MIN_BYTES, Budget,
)
from dashboard.upload.messages import Stats

_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def _unsafe_member_name(name: str) -> bool:
    if not name or "\x00" in name or ":" in name:  # drive letters, alternate data streams
        return True
    norm = name.replace("\\", "/")
    if norm.startswith("/"):
        return True
    return any(part == ".." for part in norm.split("/"))


def extract_shapefile(data: bytes, tmpdir: Path) -> Path:
    """Check the whole archive, then extract the shapefile's members as tmpdir/upload.*"""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, IndexError):
        raise damaged("zip", "bad zip") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise UserLayerError("upload.error.zip_too_many_files", limit=MAX_ZIP_MEMBERS)
        total = 0
        for info in infos:
            if _unsafe_member_name(info.filename) or _unsafe_member_name(info.orig_filename):
                raise UserLayerError("upload.error.zip_unsafe_name")
            if stat.S_ISLNK(info.external_attr >> 16):
                raise UserLayerError("upload.error.zip_link")
            if info.flag_bits & 0x1:
                raise UserLayerError("upload.error.zip_password")
            total += info.file_size
            if total > MAX_UNZIPPED_BYTES:
                raise UserLayerError("upload.error.zip_too_big", mb=MAX_UNZIPPED_BYTES // (1024 * 1024))
            if info.file_size > ZIP_RATIO_MIN_BYTES and info.file_size > MAX_ZIP_RATIO * max(info.compress_size, 1):
                raise UserLayerError("upload.error.zip_ratio", ratio=MAX_ZIP_RATIO)

        candidates = [
            i for i in infos
            if not i.is_dir()
            and not i.filename.replace("\\", "/").startswith("__MACOSX/")
            and not i.filename.replace("\\", "/").rsplit("/", 1)[-1].startswith(".")
        ]
        shps = [i for i in candidates if i.filename.lower().endswith(".shp")]
        if not shps:
            raise UserLayerError("upload.error.zip_no_shapefile", accepted=ACCEPTED)
        if len(shps) > 1:
            raise UserLayerError("upload.error.zip_several_shapefiles")
        stem = shps[0].filename[:-4].lower()
        members = {}
        for ext in _SHAPEFILE_PARTS:
            matches = [i for i in candidates if i.filename.lower() == stem + ext]
            if len(matches) > 1:
                raise UserLayerError("upload.error.zip_same_file_twice")
            if matches:
                members[ext] = matches[0]
        missing = [ext for ext in (".shx", ".dbf") if ext not in members]
        if len(missing) > 1:
            raise UserLayerError("upload.error.shapefile_missing_parts", first=missing[0], second=missing[1])
        if missing:
            raise UserLayerError("upload.error.shapefile_missing_part", part=missing[0])
        for ext, info in members.items():
            try:
                _copy_member(archive, info, tmpdir / f"upload{ext}")
            except UserLayerError:
                raise
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError) as exc:
                # bad CRC, broken deflate stream, unsupported compression (NotImplementedError) ...
                raise damaged("zip", type(exc).__name__) from None
    return tmpdir / "upload.shp"


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    written = 0
    with archive.open(info) as src, open(target, "wb") as dst:
        while True:
            chunk = src.read(64 * 1024)
            if not chunk:
                break
            written += len(chunk)
            if written > info.file_size or written > MAX_UNZIPPED_BYTES:  # lied about its size
                raise UserLayerError("upload.error.zip_size_lied")
            dst.write(chunk)


def read_shapefile(shp: Path, budget: Budget, stats: Stats) -> list[Layer]:
    """The shapefile's layer, in the CRS its .prj names (None without one)."""
    prj = shp.with_suffix(".prj")
    crs: CRS | None = None
    if prj.exists():
        raw = prj.read_bytes()[:100_000]
        text = raw.decode("utf-8", "replace").strip().lstrip("\ufeff")
        try:
            crs = CRS.from_wkt(text)  # WKT only: no PROJ strings, no "+init=" file look-ups
        except (CRSError, ProjError, ValueError, TypeError):
            raise UserLayerError(CRS_UNREADABLE, hint=".prj") from None
        prj.unlink()  # GDAL never sees the user's .prj: we already know the CRS
    layers = gdal.read(shp, "zip", budget, stats)
    for layer in layers:
        layer.crs = crs
    return layers
