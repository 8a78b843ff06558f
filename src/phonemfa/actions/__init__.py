"""Send Phone Message actions shipped with phonemfa, for the Custom provider (`custom_action`)."""
