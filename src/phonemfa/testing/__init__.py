"""Test helpers for phonemfa: loopback fakes of the services it talks to."""
