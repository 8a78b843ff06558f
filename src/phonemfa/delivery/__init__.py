"""Delivery providers: Built-in (virtual inbox), Twilio (SDK), Custom (an action)."""
