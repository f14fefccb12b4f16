"""Importing the customer, outage, bill and agent files a utility's systems export."""

from ivr.importer.csvimport import ImportResult, PartialImportError, import_csv
from ivr.importer.errors import CsvImportError
from ivr.importer.kinds import KINDS

__all__ = ["KINDS", "CsvImportError", "ImportResult", "PartialImportError", "import_csv"]
