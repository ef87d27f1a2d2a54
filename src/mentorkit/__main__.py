"""``python -m mentorkit``: the ``mentorkit`` command (needs the ``cli`` extra)."""

from .cli import main

if __name__ == "__main__":
    main(prog_name="mentorkit")
