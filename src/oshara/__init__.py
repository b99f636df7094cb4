"""Oshara: self-hostable voice AI agents for websites."""

import os as _os

# llama.cpp's OpenMP worker threads spin-wait between batches by default. On a small machine
# that steals the core Whisper and Piper need during a call, and under contention prompt
# evaluation itself ran ~3x slower (measured on 2 cores). Passive waiting yields the CPU.
# Must be set before the OpenMP runtime starts, i.e. before llama_cpp is imported.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
