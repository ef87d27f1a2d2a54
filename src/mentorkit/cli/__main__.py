"""``python -m mentorkit.cli``: the same as the ``mentorkit`` command."""

from ._main import main

main(prog_name="mentorkit")
