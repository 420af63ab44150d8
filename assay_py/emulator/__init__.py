"""A Rauthy emulator: real HTTP on 127.0.0.1, faithful to Rauthy's admin API."""
