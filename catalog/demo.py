"""Demo step for `manage.py load_demo`: the Digi-Key parts, through the real import."""

from pathlib import Path

from catalog.importer import import_catalog_file


def load_catalog_demo(data_dir: Path) -> str:
    """Import data_dir/digikey-parts.csv (an upsert, so running it again changes nothing)."""
    return import_catalog_file(Path(data_dir) / "digikey-parts.csv").line()
