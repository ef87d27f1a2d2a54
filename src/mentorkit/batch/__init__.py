"""Streaming batch assessment: JSON Lines in, results and errors out.

:func:`run_batch` assesses and refers every business of one or more JSON
Lines files in constant memory, writes one result line per business and one
error line per bad input line, and can restart from its checkpoint.
:func:`run_dask` runs the same batch over partitioned input on a Dask
cluster (extra ``mentorkit[dask]``). See :doc:`/how-to/run-a-batch`.
"""

from ._cli import add_arguments, main, run_command
from ._dask import process_partition, run_dask
from ._extras import MissingExtraError
from ._parquet import parquet_schema
from ._record import BatchRecord, LineDecoder
from ._run import (
    CHECKPOINT_NAME,
    ERRORS_NAME,
    RESULTS_NAME,
    BatchSummary,
    CheckpointError,
    Processor,
    expand_inputs,
    run_batch,
)
from ._spec import PluginSpec

__all__ = [
    "CHECKPOINT_NAME",
    "ERRORS_NAME",
    "RESULTS_NAME",
    "BatchRecord",
    "BatchSummary",
    "CheckpointError",
    "LineDecoder",
    "MissingExtraError",
    "PluginSpec",
    "Processor",
    "add_arguments",
    "expand_inputs",
    "main",
    "parquet_schema",
    "process_partition",
    "run_batch",
    "run_command",
    "run_dask",
]
