"""The console's five peer sections: mode name, key, title, one-line purpose."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    mode: str
    key: str
    title: str
    purpose: str


SECTIONS = (
    Section(
        "settings", "f1", "Factor settings", "Turn the factor on, choose channels and provider"
    ),
    Section("twilio", "f2", "Twilio", "Account SID, auth token, sender and test sends"),
    Section("templates", "f3", "Templates", "Enrollment and verification messages, SMS and voice"),
    Section("simulator", "f4", "Simulator", "Play a user and their phone through enrollment"),
    Section("log", "f5", "Live log", "Deliveries, refusals and limits as they happen"),
)
