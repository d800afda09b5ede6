"""bench.memory finds every compiled program of the core, so its table leaves none out."""

import jax

from bench.memory import core_programs


def test_core_programs_are_the_module_level_jitted_functions_of_core():
    from core import dropout_training, transfer

    programs = core_programs()

    assert programs["transfer.train_runs"] is transfer.train_runs
    assert programs["dropout_training.train_chunk"] is dropout_training.train_chunk
    assert "transfer.Settings" not in programs  # a class, not a program
    assert all(hasattr(fn, "clear_cache") for fn in programs.values())


def test_clearing_a_program_drops_its_compiled_executables():
    from core import transfer

    keys = transfer.chunk_keys(jax.numpy.int32(3), repeats=2)
    assert transfer.chunk_keys._cache_size() >= 1

    core_programs()["transfer.chunk_keys"].clear_cache()

    assert transfer.chunk_keys._cache_size() == 0
    assert (transfer.chunk_keys(jax.numpy.int32(3), repeats=2) == keys).all()
