//! Relocation: maps, global data, subprogram calls, externs, CO-RE. Owned by the loader work.
